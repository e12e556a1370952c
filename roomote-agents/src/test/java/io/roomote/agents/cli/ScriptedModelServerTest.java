package io.roomote.agents.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static io.roomote.agents.cli.ScriptedModelServer.editFile;
import static io.roomote.agents.cli.ScriptedModelServer.finalMessage;
import static io.roomote.agents.cli.ScriptedModelServer.hang;
import static io.roomote.agents.cli.ScriptedModelServer.httpError;
import static io.roomote.agents.cli.ScriptedModelServer.shell;
import static io.roomote.agents.cli.ScriptedModelServer.writeFile;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The scripted model server on its own, spoken to as codex and opencode speak to it. */
class ScriptedModelServerTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static final String RESPONSES_TOOLS = """
            [{"type":"function","name":"exec_command","parameters":{"type":"object","properties":{"cmd":{"type":"string"}},"required":["cmd"]}},
             {"type":"custom","name":"apply_patch","format":{"type":"grammar"}}]""";
    private static final String CHAT_TOOLS = """
            [{"type":"function","function":{"name":"bash","parameters":{"type":"object","properties":{"command":{"type":"string"},
               "description":{"type":"string"},"timeout":{"type":"number"}},"required":["command","description","timeout"]}}},
             {"type":"function","function":{"name":"write","parameters":{"type":"object","properties":{"filePath":{"type":"string"},"content":{"type":"string"}},"required":["filePath","content"]}}}]""";

    private HttpResponse<String> post(ScriptedModelServer server, String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + path)).timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer k").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String responsesBody(int toolResults) {
        StringBuilder input = new StringBuilder("[{\"type\":\"message\",\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"go\"}]}");
        for (int i = 0; i < toolResults; i++) {
            input.append(",{\"type\":\"function_call\",\"call_id\":\"c").append(i).append("\",\"name\":\"exec_command\",\"arguments\":\"{}\"}")
                    .append(",{\"type\":\"function_call_output\",\"call_id\":\"c").append(i).append("\",\"output\":\"ok\"}");
        }
        return "{\"model\":\"gpt-5.5\",\"stream\":true,\"input\":" + input + "],\"tools\":" + RESPONSES_TOOLS + "}";
    }

    /** The JSON of each {@code data:} line of an SSE body. */
    private static List<JsonNode> data(String sse) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String line : sse.split("\n")) {
            if (line.startsWith("data: ") && !line.equals("data: [DONE]")) {
                out.add(JSON.readTree(line.substring(6)));
            }
        }
        return out;
    }

    @Test
    void theReplyFollowsTheToolResultsInTheConversationNotTheNumberOfRequests() throws Exception {
        try (ScriptedModelServer server = ScriptedModelServer.start(shell("git status"), editFile("a.txt", "x\n", "y\n"),
                finalMessage("Done here."))) {
            // the same first request twice (a retry) gets the same first step
            for (int i = 0; i < 2; i++) {
                String body = post(server, "/responses", responsesBody(0)).body();
                JsonNode done = data(body).stream().filter(e -> e.path("type").asText().equals("response.output_item.done")).findFirst().orElseThrow();
                assertThat(done.at("/item/type").asText()).isEqualTo("function_call");
                assertThat(done.at("/item/name").asText()).isEqualTo("exec_command");
                assertThat(JSON.readTree(done.at("/item/arguments").asText()).path("cmd").asText()).isEqualTo("git status");
                assertThat(body).contains("event: response.created\n", "event: response.completed\n");
            }
            // a side request (no tools) in between does not move the script
            String side = post(server, "/responses", "{\"model\":\"gpt-5.5\",\"stream\":true,\"input\":[]}").body();
            assertThat(data(side).get(data(side).size() - 1).at("/response/output/0/content/0/text").asText()).isEqualTo("Scripted reply.");

            List<JsonNode> second = data(post(server, "/responses", responsesBody(1)).body());
            JsonNode patch = second.stream().filter(e -> e.path("type").asText().equals("response.output_item.done")).findFirst().orElseThrow();
            assertThat(patch.at("/item/type").asText()).isEqualTo("custom_tool_call");
            assertThat(patch.at("/item/input").asText())
                    .isEqualTo("*** Begin Patch\n*** Update File: a.txt\n@@\n-x\n+y\n*** End Patch\n");

            List<JsonNode> third = data(post(server, "/responses", responsesBody(2)).body());
            JsonNode completed = third.get(third.size() - 1);
            assertThat(completed.at("/type").asText()).isEqualTo("response.completed");
            assertThat(completed.at("/response/output/0/content/0/text").asText()).isEqualTo("Done here.");
            assertThat(completed.at("/response/usage/input_tokens").asLong()).isEqualTo(1200);

            assertThat(server.requests()).extracting(ScriptedModelServer.Received::reply).containsExactly(
                    "shell: git status", "shell: git status", "final: Scripted reply.", "edit: a.txt", "final: Done here.");
            assertThat(server.scriptedRequests()).hasSize(4);
            assertThat(server.tokensInSent()).isEqualTo(1000 + 1000 + 1100 + 1200);
            assertThat(server.requests().get(0).header("Authorization")).isEqualTo("Bearer k");
            assertThat(server.errors()).isEmpty();
        }
    }

    @Test
    void chatCompletionsStreamToolCallsWithRequiredArgumentsFilledAndEndWithDone() throws Exception {
        try (ScriptedModelServer server = ScriptedModelServer.start(writeFile("/w/f.txt", "hi\n"), shell("ls"))) {
            String first = post(server, "/chat/completions", "{\"model\":\"m\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"go\"}],\"tools\":"
                    + CHAT_TOOLS + "}").body();
            assertThat(first).endsWith("data: [DONE]\n\n");
            List<JsonNode> chunks = data(first);
            assertThat(chunks.get(1).at("/choices/0/delta/tool_calls/0/function/name").asText()).isEqualTo("write");
            assertThat(JSON.readTree(chunks.get(1).at("/choices/0/delta/tool_calls/0/function/arguments").asText()))
                    .isEqualTo(JSON.readTree("{\"filePath\":\"/w/f.txt\",\"content\":\"hi\\n\"}"));
            assertThat(chunks.get(2).at("/choices/0/finish_reason").asText()).isEqualTo("tool_calls");
            assertThat(chunks.get(3).at("/usage/prompt_tokens").asLong()).isEqualTo(1000);

            String second = post(server, "/chat/completions", "{\"model\":\"m\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"go\"},"
                    + "{\"role\":\"tool\",\"tool_call_id\":\"call_1\",\"content\":\"ok\"}],\"tools\":" + CHAT_TOOLS + "}").body();
            JsonNode args = JSON.readTree(data(second).get(1).at("/choices/0/delta/tool_calls/0/function/arguments").asText());
            assertThat(args).isEqualTo(JSON.readTree("{\"command\":\"ls\",\"description\":\"scripted step\",\"timeout\":60000}"));

            String plain = post(server, "/chat/completions", "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"title?\"}]}").body();
            assertThat(JSON.readTree(plain).at("/choices/0/message/content").asText()).isEqualTo("Scripted reply.");
        }
    }

    @Test
    void errorsAndHangsAreScriptable() throws Exception {
        try (ScriptedModelServer failing = ScriptedModelServer.start(httpError(503, "down"))) {
            HttpResponse<String> response = post(failing, "/responses", responsesBody(0));
            assertThat(response.statusCode()).isEqualTo(503);
            assertThat(JSON.readTree(response.body()).at("/error/message").asText()).isEqualTo("down");
        }
        ScriptedModelServer hanging = ScriptedModelServer.start(hang());
        CompletableFuture<HttpResponse<String>> pending = http.sendAsync(HttpRequest.newBuilder(URI.create(hanging.baseUrl() + "/responses"))
                .POST(HttpRequest.BodyPublishers.ofString(responsesBody(0))).build(), HttpResponse.BodyHandlers.ofString());
        await().atMost(Duration.ofSeconds(10)).until(() -> hanging.requests().size() == 1);
        assertThat(pending).isNotDone();
        assertThat(hanging.requests().get(0).reply()).isEqualTo("hang");
        hanging.close();
        await().atMost(Duration.ofSeconds(10)).until(pending::isDone);
    }
}
