package io.roomote.agents.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A model server on 127.0.0.1 that replays a script, so that a REAL agent CLI can be driven offline: the
 * agent really edits files with its own tools and really runs {@code git} with its own shell tool.
 *
 * <p>It speaks both wire APIs coding agents use: the OpenAI Responses API ({@code POST …/responses}, SSE
 * with {@code event:} lines; codex) and Chat Completions ({@code POST …/chat/completions}, streamed
 * {@code data:} chunks; opencode, qwen and other OpenAI-compatible agents).
 *
 * <p>Each reply is chosen from the conversation received, not from a request counter: the number of tool
 * results already in it is the index of the next step. Agents make side requests (titles, summaries,
 * compaction); those carry no {@code tools} and get a plain text answer, so they never disturb the script.
 * After the last step the server answers with a final message. Each step is expressed with the tools the
 * agent offers (e.g. codex's {@code exec_command} and {@code apply_patch}, opencode's {@code bash},
 * {@code write}, {@code edit}); a step the agent has no tool for falls back to its shell tool where it can,
 * else it is recorded in {@link #errors()} and answered as a final message so the run ends.
 *
 * <pre>{@code
 * try (ScriptedModelServer server = ScriptedModelServer.start(
 *         editFile("README.md", "old", "new"),
 *         shell("git checkout -b fix-7"),
 *         shell("git add -A && git commit -m 'Fixes #7'"),
 *         shell("git push --set-upstream origin fix-7"),
 *         finalMessage("Done."))) {
 *     // point the agent at server.baseUrl()
 * }
 * }</pre>
 */
public final class ScriptedModelServer implements AutoCloseable {

    /** One scripted model turn. */
    public sealed interface Step permits Shell, WriteFile, EditFile, ReadFile, FinalMessage, HttpError, Hang {
    }

    /** Run {@code command} with the agent's shell tool. */
    public record Shell(String command) implements Step {
    }

    /** Create (or overwrite) a file with the agent's file tool; codex: an apply_patch "Add File". */
    public record WriteFile(String path, String content) implements Step {
    }

    /** Replace {@code oldText} by {@code newText} in a file with the agent's edit tool; codex: an apply_patch update. */
    public record EditFile(String path, String oldText, String newText) implements Step {
    }

    /** Read a file with the agent's read tool (some agents refuse to edit a file they have not read). */
    public record ReadFile(String path) implements Step {
    }

    /** The model's final answer: the agent's turn ends. */
    public record FinalMessage(String text) implements Step {
    }

    /** Answer with an HTTP error, as a provider does when it fails. */
    public record HttpError(int status, String message) implements Step {
    }

    /** Never answer (until the server is closed): a hung provider. */
    public record Hang() implements Step {
    }

    public static Step shell(String command) {
        return new Shell(command);
    }

    public static Step writeFile(String path, String content) {
        return new WriteFile(path, content);
    }

    public static Step editFile(String path, String oldText, String newText) {
        return new EditFile(path, oldText, newText);
    }

    public static Step readFile(String path) {
        return new ReadFile(path);
    }

    public static Step finalMessage(String text) {
        return new FinalMessage(text);
    }

    public static Step httpError(int status, String message) {
        return new HttpError(status, message);
    }

    public static Step hang() {
        return new Hang();
    }

    public enum Api { RESPONSES, CHAT_COMPLETIONS, OTHER }

    /**
     * One request received, and what was answered.
     *
     * @param toolResults the tool results already in the conversation (= the script step answered)
     * @param side        true for a request without tools (answered with plain text, outside the script)
     * @param reply       what was answered, e.g. {@code shell: git push}, {@code final: Done.}, {@code http 500}
     * @param tokensIn    the input tokens reported for this reply (0 when none)
     * @param tokensOut   the output tokens reported for this reply (0 when none)
     */
    public record Received(Api api, String method, String path, Map<String, String> headers, JsonNode body,
                           int toolResults, boolean side, String reply, long tokensIn, long tokensOut) {
        public String header(String name) {
            return headers.getOrDefault(name.toLowerCase(Locale.ROOT), "");
        }

        public String model() {
            return body == null ? "" : body.path("model").asText("");
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private final List<Step> script;
    private final HttpServer server;
    private final ExecutorService executor;
    private final List<Received> requests = new CopyOnWriteArrayList<>();
    private final List<String> errors = new CopyOnWriteArrayList<>();
    private final CountDownLatch closed = new CountDownLatch(1);

    private ScriptedModelServer(List<Step> script) throws IOException {
        this.script = List.copyOf(script);
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        this.executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "scripted-model-server");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    public static ScriptedModelServer start(List<Step> script) throws IOException {
        return new ScriptedModelServer(script);
    }

    public static ScriptedModelServer start(Step... script) throws IOException {
        return new ScriptedModelServer(List.of(script));
    }

    /** The OpenAI-style base URL, {@code http://127.0.0.1:PORT/v1}: what {@code ROOMOTE_AGENT_BASE_URL} is set to. */
    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** Every request received, in order of arrival. */
    public List<Received> requests() {
        return List.copyOf(requests);
    }

    /** The requests that carried tools: the agent's main conversation. */
    public List<Received> scriptedRequests() {
        return requests.stream().filter(r -> !r.side() && r.api() != Api.OTHER).toList();
    }

    /** Script steps the agent offered no tool for, and malformed requests. Empty in a good run. */
    public List<String> errors() {
        return List.copyOf(errors);
    }

    /**
     * Input tokens reported in the replies of the main conversation ({@link #scriptedRequests()}): what an
     * agent that adds up its turns' usage should report. Reply {@code n} (n tool results before it) reports
     * 1000 + 100·n input and 20 + n output tokens; side requests report 1007 + 100·n and are not counted here.
     */
    public long tokensInSent() {
        return scriptedRequests().stream().mapToLong(Received::tokensIn).sum();
    }

    /** The cost in USD each reply reports in its usage, as OpenRouter does: $1 per million input, $4 per million output tokens. */
    public static double cost(long in, long out) {
        return (in * 1.0 + out * 4.0) / 1_000_000;
    }

    /** Input tokens reported in every reply, side requests included: what a gateway that reads every answer counts. */
    public long tokensInAll() {
        return requests.stream().filter(r -> r.api() != Api.OTHER).mapToLong(Received::tokensIn).sum();
    }

    /** Output tokens reported in every reply, side requests included. */
    public long tokensOutAll() {
        return requests.stream().filter(r -> r.api() != Api.OTHER).mapToLong(Received::tokensOut).sum();
    }

    /** The cost reported in every reply. */
    public double costAll() {
        return requests.stream().filter(r -> r.api() != Api.OTHER).mapToDouble(r -> cost(r.tokensIn(), r.tokensOut())).sum();
    }

    /** Output tokens reported in the replies of the main conversation. */
    public long tokensOutSent() {
        return scriptedRequests().stream().mapToLong(Received::tokensOut).sum();
    }

    @Override
    public void close() {
        closed.countDown();
        server.stop(0);
        executor.shutdownNow();
    }

    // ---- HTTP --------------------------------------------------------------------------------------------

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            Map<String, String> headers = new LinkedHashMap<>();
            exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), String.join(",", v)));
            byte[] raw = exchange.getRequestBody().readAllBytes();
            Api api = path.endsWith("/responses") ? Api.RESPONSES
                    : path.endsWith("/chat/completions") ? Api.CHAT_COMPLETIONS : Api.OTHER;
            if (api == Api.OTHER || !"POST".equals(exchange.getRequestMethod())) {
                requests.add(new Received(Api.OTHER, exchange.getRequestMethod(), path, headers, null, 0, true, "http 404", 0, 0));
                send(exchange, 404, "application/json", "{\"error\":{\"message\":\"not found\"}}");
                return;
            }
            JsonNode body;
            try {
                body = JSON.readTree(raw);
            } catch (IOException e) {
                errors.add("not JSON: " + path);
                send(exchange, 400, "application/json", "{\"error\":{\"message\":\"bad JSON\"}}");
                return;
            }
            Conversation c = new Conversation(api, body);
            Step step = c.side ? null : c.toolResults < script.size() ? script.get(c.toolResults) : new FinalMessage("Done.");
            if (step instanceof Hang) {
                requests.add(new Received(api, "POST", path, headers, body, c.toolResults, false, "hang", 0, 0));
                try {
                    closed.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return;
            }
            if (step instanceof HttpError err) {
                requests.add(new Received(api, "POST", path, headers, body, c.toolResults, false, "http " + err.status(), 0, 0));
                ObjectNode error = F.objectNode();
                error.putObject("error").put("message", err.message()).put("type", "server_error").put("code", "scripted_error");
                send(exchange, err.status(), "application/json", error.toString());
                return;
            }
            Reply reply = c.side ? Reply.text("Scripted reply.") : toReply(step, c);
            long in = 1000L + 100L * c.toolResults + (c.side ? 7 : 0);
            long out = 20L + c.toolResults;
            requests.add(new Received(api, "POST", path, headers, body, c.toolResults, c.side, reply.describe, in, out));
            String model = body.path("model").asText("scripted");
            boolean stream = body.path("stream").asBoolean(false);
            String id = Integer.toString(requests.size());
            if (api == Api.RESPONSES) {
                respondResponses(exchange, reply, model, id, in, out, stream);
            } else {
                respondChat(exchange, reply, model, id, in, out, stream);
            }
        } catch (RuntimeException e) {
            errors.add("server error: " + e);
            throw e;
        }
    }

    private static void send(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    // ---- the conversation ------------------------------------------------------------------------------

    /** What a request says: its tools (name → JSON schema or custom-tool marker) and the tool results so far. */
    private static final class Conversation {
        final Api api;
        final Map<String, JsonNode> functions = new LinkedHashMap<>();
        final List<String> customTools = new ArrayList<>();
        final int toolResults;
        final boolean side;

        Conversation(Api api, JsonNode body) {
            this.api = api;
            for (JsonNode tool : body.path("tools")) {
                String type = tool.path("type").asText();
                if (api == Api.CHAT_COMPLETIONS && tool.has("function")) {
                    functions.put(tool.path("function").path("name").asText(), tool.path("function").path("parameters"));
                } else if ("function".equals(type)) {
                    functions.put(tool.path("name").asText(), tool.path("parameters"));
                } else if ("custom".equals(type)) {
                    customTools.add(tool.path("name").asText());
                }
            }
            int results = 0;
            if (api == Api.RESPONSES) {
                for (JsonNode item : body.path("input")) {
                    if (item.path("type").asText().endsWith("_call_output")) {
                        results++;
                    }
                }
            } else {
                for (JsonNode message : body.path("messages")) {
                    if ("tool".equals(message.path("role").asText())) {
                        results++;
                    }
                }
            }
            this.toolResults = results;
            this.side = functions.isEmpty() && customTools.isEmpty();
        }

        boolean has(String name) {
            return functions.containsKey(name);
        }
    }

    /** A reply: text, a function call (name + JSON arguments) or a custom tool call (name + raw input). */
    private record Reply(String text, String function, ObjectNode arguments, String customTool, String customInput,
                         String describe) {
        static Reply text(String text) {
            return new Reply(text, null, null, null, null, "final: " + text);
        }

        static Reply call(String function, ObjectNode arguments, String describe) {
            return new Reply(null, function, arguments, null, null, describe);
        }

        static Reply custom(String tool, String input, String describe) {
            return new Reply(null, null, null, tool, input, describe);
        }
    }

    private Reply toReply(Step step, Conversation c) {
        if (step instanceof FinalMessage f) {
            return Reply.text(f.text());
        }
        if (step instanceof Shell s) {
            return shellReply(s.command(), c, "shell: " + s.command());
        }
        if (step instanceof WriteFile w) {
            if (c.customTools.contains("apply_patch")) {
                return Reply.custom("apply_patch", "*** Begin Patch\n*** Add File: " + w.path() + "\n"
                        + prefixLines("+", w.content()) + "*** End Patch\n", "write: " + w.path());
            } else if (c.has("write")) {
                return call(c, "write", args("filePath", w.path(), "content", w.content()), "write: " + w.path());
            } else if (c.has("write_file")) {
                return call(c, "write_file", args("file_path", w.path(), "content", w.content()), "write: " + w.path());
            }
            String eof = "ROOMOTE_EOF";
            return shellReply("cat > " + shellQuote(w.path()) + " <<'" + eof + "'\n" + w.content()
                    + (w.content().endsWith("\n") ? "" : "\n") + eof, c, "write (shell): " + w.path());
        }
        if (step instanceof EditFile e) {
            if (c.customTools.contains("apply_patch")) {
                return Reply.custom("apply_patch", "*** Begin Patch\n*** Update File: " + e.path() + "\n@@\n"
                        + prefixLines("-", e.oldText()) + prefixLines("+", e.newText()) + "*** End Patch\n",
                        "edit: " + e.path());
            } else if (c.has("edit")) {
                return call(c, "edit", args("filePath", e.path(), "oldString", e.oldText(), "newString", e.newText()),
                        "edit: " + e.path());
            } else if (c.has("replace")) {
                return call(c, "replace", args("file_path", e.path(), "old_string", e.oldText(), "new_string", e.newText()),
                        "edit: " + e.path());
            }
            return unsupported(step, c);
        }
        if (step instanceof ReadFile r) {
            if (c.has("read")) {
                return call(c, "read", args("filePath", r.path()), "read: " + r.path());
            } else if (c.has("read_file")) {
                return call(c, "read_file", args("absolute_path", r.path()), "read: " + r.path());
            }
            return shellReply("cat " + shellQuote(r.path()), c, "read (shell): " + r.path());
        }
        throw new IllegalStateException("not a reply step: " + step);
    }

    private static String shellQuote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    private Reply shellReply(String command, Conversation c, String describe) {
        if (c.has("exec_command")) {
            return call(c, "exec_command", args("cmd", command), describe);
        } else if (c.has("bash")) {
            return call(c, "bash", args("command", command, "description", "scripted step"), describe);
        } else if (c.has("run_shell_command")) {
            return call(c, "run_shell_command", args("command", command), describe);
        } else if (c.has("shell")) {
            ObjectNode a = F.objectNode();
            a.putArray("command").add("bash").add("-lc").add(command);
            return call(c, "shell", a, describe);
        }
        errors.add("no shell tool offered for: " + describe + " (tools: " + c.functions.keySet() + ")");
        return Reply.text("SCRIPT ERROR: no shell tool for " + describe);
    }

    private Reply unsupported(Step step, Conversation c) {
        errors.add("no tool offered for " + step + " (tools: " + c.functions.keySet() + ", custom: " + c.customTools + ")");
        return Reply.text("SCRIPT ERROR: no tool for " + step);
    }

    /** A function call, with required string/boolean/number parameters the script does not set given placeholder values. */
    private static Reply call(Conversation c, String name, ObjectNode arguments, String describe) {
        JsonNode schema = c.functions.get(name);
        for (JsonNode required : schema.path("required")) {
            String field = required.asText();
            if (arguments.has(field)) {
                continue;
            }
            switch (schema.path("properties").path(field).path("type").asText("string")) {
                case "boolean" -> arguments.put(field, false);
                case "number", "integer" -> arguments.put(field, 60_000); // e.g. a timeout in ms: generous
                case "string" -> arguments.put(field, "scripted step");
                default -> { }
            }
        }
        return Reply.call(name, arguments, describe);
    }

    private static ObjectNode args(String... keyValues) {
        ObjectNode node = F.objectNode();
        for (int i = 0; i < keyValues.length; i += 2) {
            node.put(keyValues[i], keyValues[i + 1]);
        }
        return node;
    }

    private static String prefixLines(String prefix, String text) {
        StringBuilder b = new StringBuilder();
        for (String line : text.split("\n", -1)) {
            b.append(prefix).append(line).append('\n');
        }
        // "a\n" splits into "a" and "": drop the empty last line a trailing newline makes
        if (text.endsWith("\n")) {
            b.setLength(b.length() - prefix.length() - 1);
        }
        return b.toString();
    }

    // ---- Responses API -----------------------------------------------------------------------------------

    private static void respondResponses(HttpExchange exchange, Reply reply, String model, String id, long in, long out,
                                         boolean stream) throws IOException {
        ObjectNode item = F.objectNode();
        if (reply.text() != null) {
            item.put("type", "message").put("id", "msg_" + id).put("role", "assistant").put("status", "completed");
            item.putArray("content").addObject().put("type", "output_text").put("text", reply.text()).putArray("annotations");
        } else if (reply.function() != null) {
            item.put("type", "function_call").put("id", "fc_" + id).put("call_id", "call_" + id)
                    .put("name", reply.function()).put("arguments", reply.arguments().toString()).put("status", "completed");
        } else {
            item.put("type", "custom_tool_call").put("id", "ctc_" + id).put("call_id", "call_" + id)
                    .put("name", reply.customTool()).put("input", reply.customInput()).put("status", "completed");
        }
        ObjectNode response = F.objectNode();
        response.put("id", "resp_" + id).put("object", "response").put("created_at", System.currentTimeMillis() / 1000)
                .put("model", model).put("status", "completed");
        response.putArray("output").add(item);
        ObjectNode usage = response.putObject("usage");
        usage.put("input_tokens", in).putObject("input_tokens_details").put("cached_tokens", 0);
        usage.put("output_tokens", out).putObject("output_tokens_details").put("reasoning_tokens", 0);
        usage.put("total_tokens", in + out);
        usage.put("cost", cost(in, out)); // OpenRouter adds the call's cost in USD to the usage
        if (!stream) {
            send(exchange, 200, "application/json", response.toString());
            return;
        }
        ObjectNode created = response.deepCopy();
        created.put("status", "in_progress");
        created.putArray("output");
        created.remove("usage");
        ObjectNode inProgress = item.deepCopy();
        inProgress.put("status", "in_progress");
        if (reply.text() != null) {
            ((ArrayNode) inProgress.get("content")).removeAll();
        }
        Sse sse = new Sse(exchange);
        int seq = 0;
        sse.event("response.created", event("response.created", seq++).set("response", created));
        sse.event("response.output_item.added", event("response.output_item.added", seq++).put("output_index", 0).set("item", inProgress));
        if (reply.text() != null) {
            sse.event("response.output_text.delta", event("response.output_text.delta", seq++).put("item_id", "msg_" + id)
                    .put("output_index", 0).put("content_index", 0).put("delta", reply.text()));
        }
        sse.event("response.output_item.done", event("response.output_item.done", seq++).put("output_index", 0).set("item", item));
        sse.event("response.completed", event("response.completed", seq).set("response", response));
        sse.end();
    }

    private static ObjectNode event(String type, int sequence) {
        return F.objectNode().put("type", type).put("sequence_number", sequence);
    }

    // ---- Chat Completions --------------------------------------------------------------------------------

    private static void respondChat(HttpExchange exchange, Reply reply, String model, String id, long in, long out,
                                    boolean stream) throws IOException {
        String toolName = reply.function() != null ? reply.function() : reply.customTool();
        String toolArgs = reply.function() != null ? reply.arguments().toString()
                : reply.customTool() != null ? F.objectNode().put("input", reply.customInput()).toString() : null;
        long created = System.currentTimeMillis() / 1000;
        ObjectNode usage = F.objectNode().put("prompt_tokens", in).put("completion_tokens", out).put("total_tokens", in + out)
                .put("cost", cost(in, out));
        if (!stream) {
            ObjectNode completion = F.objectNode().put("id", "chatcmpl-" + id).put("object", "chat.completion")
                    .put("created", created).put("model", model);
            ObjectNode choice = completion.putArray("choices").addObject().put("index", 0);
            ObjectNode message = choice.putObject("message").put("role", "assistant");
            if (toolName == null) {
                message.put("content", reply.text());
                choice.put("finish_reason", "stop");
            } else {
                message.putNull("content");
                ObjectNode call = message.putArray("tool_calls").addObject().put("id", "call_" + id).put("type", "function");
                call.putObject("function").put("name", toolName).put("arguments", toolArgs);
                choice.put("finish_reason", "tool_calls");
            }
            completion.set("usage", usage);
            send(exchange, 200, "application/json", completion.toString());
            return;
        }
        Sse sse = new Sse(exchange);
        sse.data(chunk(id, created, model, F.objectNode().put("role", "assistant").put("content", ""), null));
        if (toolName == null) {
            sse.data(chunk(id, created, model, F.objectNode().put("content", reply.text()), null));
            sse.data(chunk(id, created, model, F.objectNode(), "stop"));
        } else {
            ObjectNode delta = F.objectNode();
            ObjectNode call = delta.putArray("tool_calls").addObject().put("index", 0).put("id", "call_" + id).put("type", "function");
            call.putObject("function").put("name", toolName).put("arguments", toolArgs);
            sse.data(chunk(id, created, model, delta, null));
            sse.data(chunk(id, created, model, F.objectNode(), "tool_calls"));
        }
        ObjectNode usageChunk = F.objectNode().put("id", "chatcmpl-" + id).put("object", "chat.completion.chunk")
                .put("created", created).put("model", model);
        usageChunk.putArray("choices");
        usageChunk.set("usage", usage);
        sse.data(usageChunk.toString());
        sse.data("[DONE]");
        sse.end();
    }

    private static String chunk(String id, long created, String model, ObjectNode delta, String finishReason) {
        ObjectNode chunk = F.objectNode().put("id", "chatcmpl-" + id).put("object", "chat.completion.chunk")
                .put("created", created).put("model", model);
        ObjectNode choice = chunk.putArray("choices").addObject().put("index", 0);
        choice.set("delta", delta);
        if (finishReason == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finishReason);
        }
        return chunk.toString();
    }

    /** Server-sent events on a chunked response. */
    private static final class Sse {
        private final OutputStream out;

        Sse(HttpExchange exchange) throws IOException {
            exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
            exchange.getResponseHeaders().set("Cache-Control", "no-cache");
            exchange.sendResponseHeaders(200, 0);
            this.out = exchange.getResponseBody();
        }

        void event(String name, JsonNode data) throws IOException {
            write("event: " + name + "\ndata: " + data + "\n\n");
        }

        void data(String data) throws IOException {
            write("data: " + data + "\n\n");
        }

        private void write(String s) throws IOException {
            out.write(s.getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        void end() throws IOException {
            out.close();
        }
    }

    /** For diagnostics in failing tests: one line per request. */
    public String transcript() {
        StringBuilder b = new StringBuilder();
        for (Received r : requests) {
            b.append(r.method()).append(' ').append(r.path()).append(" toolResults=").append(r.toolResults())
                    .append(r.side() ? " (side)" : "").append(" → ").append(r.reply()).append('\n');
        }
        errors.forEach(e -> b.append("ERROR ").append(e).append('\n'));
        return b.toString();
    }
}
