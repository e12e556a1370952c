package io.roomote.sandbox.gateway;

import io.roomote.spi.ModelCall;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Reading usage from each API shape. Real: the gateway (HTTP server, forwarding, metering, recording) and the
 * agent's HTTP client. Stand-ins: the providers, scripted with the response shapes their API references document
 * (OpenAI Chat Completions and Responses, OpenRouter's usage.cost, Anthropic Messages and its streaming events).
 */
class ModelGatewayUsageTest {

    private static final String REAL_KEY = "sk-real-provider-key-0123456789";

    private final List<AutoCloseable> open = new ArrayList<>();
    private final Agent agent = new Agent();
    private final Recorded job = new Recorded();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    private StandInProvider provider(StandInProvider.Script script) throws Exception {
        StandInProvider p = StandInProvider.start(script);
        open.add(p);
        return p;
    }

    private JobLease lease(GatewayRoute route, ModelPrices prices) {
        ModelGateway gateway = ModelGateway.start(List.of(route), prices, Clock.systemUTC());
        open.add(gateway);
        return gateway.open(7, Budget.unlimited(), job, job);
    }

    static final String CHAT_JSON = """
            {"id":"gen-1735","provider":"OpenAI","model":"openai/gpt-4o-mini","object":"chat.completion","created":1735000000,
             "choices":[{"index":0,"finish_reason":"stop","logprobs":null,"message":{"role":"assistant","content":"Hello!","refusal":null}}],
             "usage":{"prompt_tokens":1234,"completion_tokens":56,"total_tokens":1290,"cost":0.0012,
                      "prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}}
            """;

    @Test
    void chatCompletionsJsonWithOpenRoutersCost() throws Exception {
        StandInProvider p = provider((r, ex) -> StandInProvider.json(ex, 200, CHAT_JSON));
        JobLease lease = lease(new GatewayRoute("openrouter", p.uri("/api/v1"), REAL_KEY, AuthStyle.BEARER), ModelPrices.none());

        HttpResponse<String> res = agent.bearer(lease.baseUrl("openrouter") + "/chat/completions", lease.token(),
                "{\"model\":\"openai/gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(res.body()).isEqualTo(CHAT_JSON);
        assertThat(p.received().get(0).path()).isEqualTo("/api/v1/chat/completions");
        ModelCall call = job.calls.get(0);
        assertThat(call.provider()).isEqualTo("openrouter");
        assertThat(call.model()).isEqualTo("openai/gpt-4o-mini");
        assertThat(call.tokensIn()).isEqualTo(1234L);
        assertThat(call.tokensOut()).isEqualTo(56L);
        assertThat(call.costUsd()).isEqualTo(0.0012);
        assertThat(call.status()).isEqualTo(200);
        assertThat(call.error()).isNull();
        assertThat(lease.spent()).isEqualTo(new Usage(1234, 56, 0.0012, 1, "openai/gpt-4o-mini"));
        assertThat(job.lines).anySatisfy(l -> assertThat(l)
                .matches("INFO model call: openrouter openai/gpt-4o-mini 200 · 1,234 in / 56 out · \\$0\\.0012 · \\d+\\.\\d s"));
    }

    static final String CHAT_STREAM = """
            : OPENROUTER PROCESSING

            data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}],"usage":null}

            data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"delta":{"content":"Hi usage"},"finish_reason":null}],"usage":null}

            data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":null}

            data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini-2024-07-18","choices":[],"usage":{"prompt_tokens":20,"completion_tokens":7,"total_tokens":27}}

            data: [DONE]

            """.replace("\n", "\r\n");

    @Test
    void streamedChatCompletionsWithIncludeUsageArrivingInSmallPieces() throws Exception {
        // 7-byte pieces: SSE lines are split across reads, as they are on a real connection.
        StandInProvider p = provider((r, ex) -> StandInProvider.sse(ex, CHAT_STREAM, 7));
        JobLease lease = lease(new GatewayRoute("openai", p.uri("/v1"), REAL_KEY, AuthStyle.BEARER), ModelPrices.none());

        HttpResponse<String> res = agent.bearer(lease.baseUrl("openai") + "/chat/completions", lease.token(),
                "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"stream_options\":{\"include_usage\":true},\"messages\":[]}");

        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(res.body()).isEqualTo(CHAT_STREAM);
        assertThat(res.headers().firstValue("content-type")).hasValue("text/event-stream; charset=utf-8");
        ModelCall call = job.calls.get(0);
        assertThat(call.model()).isEqualTo("gpt-4o-mini-2024-07-18");
        assertThat(call.tokensIn()).isEqualTo(20L);
        assertThat(call.tokensOut()).isEqualTo(7L);
        assertThat(call.costUsd()).isNull();
        assertThat(lease.spent().costUsd()).isNull();
        assertThat(lease.spent().tokens()).isEqualTo(27);
    }

    static final String RESPONSES_JSON = """
            {"id":"resp_67ccd2bed1ec8190","object":"response","created_at":1741476542,"status":"completed","error":null,
             "model":"gpt-4.1-2025-04-14","output":[{"type":"message","id":"msg_67ccd2bf","status":"completed","role":"assistant",
             "content":[{"type":"output_text","text":"In a peaceful grove...","annotations":[]}]}],
             "usage":{"input_tokens":36,"input_tokens_details":{"cached_tokens":20},"output_tokens":87,
                      "output_tokens_details":{"reasoning_tokens":0},"total_tokens":123}}
            """;

    @Test
    void responsesApiJsonCountsCachedTokensOnlyOnce() throws Exception {
        StandInProvider p = provider((r, ex) -> StandInProvider.json(ex, 200, RESPONSES_JSON));
        JobLease lease = lease(new GatewayRoute("openai", p.uri("/v1"), REAL_KEY, AuthStyle.BEARER),
                ModelPrices.parse("gpt-4.1=2/8"));

        HttpResponse<String> res = agent.bearer(lease.baseUrl("openai") + "/responses", lease.token(),
                "{\"model\":\"gpt-4.1\",\"input\":\"Tell me a story\"}");

        assertThat(res.body()).isEqualTo(RESPONSES_JSON);
        ModelCall call = job.calls.get(0);
        assertThat(call.model()).isEqualTo("gpt-4.1-2025-04-14");
        assertThat(call.tokensIn()).isEqualTo(36L);
        assertThat(call.tokensOut()).isEqualTo(87L);
        // No reported cost: priced from the table, the dated model name taking the undated entry's price.
        assertThat(call.costUsd()).isCloseTo((36 * 2 + 87 * 8) / 1e6, within(1e-12));
    }

    static final String RESPONSES_STREAM = """
            event: response.created
            data: {"type":"response.created","sequence_number":0,"response":{"id":"resp_1","object":"response","status":"in_progress","model":"gpt-4.1-2025-04-14","output":[],"usage":null}}

            event: response.output_text.delta
            data: {"type":"response.output_text.delta","sequence_number":4,"item_id":"msg_1","output_index":0,"content_index":0,"delta":"Hi"}

            event: response.completed
            data: {"type":"response.completed","sequence_number":9,"response":{"id":"resp_1","object":"response","status":"completed","model":"gpt-4.1-2025-04-14","output":[{"type":"message","id":"msg_1","status":"completed","role":"assistant","content":[{"type":"output_text","text":"Hi","annotations":[]}]}],"usage":{"input_tokens":300,"input_tokens_details":{"cached_tokens":0},"output_tokens":40,"output_tokens_details":{"reasoning_tokens":12},"total_tokens":340}}}

            """;

    @Test
    void streamedResponsesApi() throws Exception {
        StandInProvider p = provider((r, ex) -> StandInProvider.sse(ex, RESPONSES_STREAM, 64));
        JobLease lease = lease(new GatewayRoute("openai", p.uri("/v1"), REAL_KEY, AuthStyle.BEARER), ModelPrices.none());

        HttpResponse<String> res = agent.bearer(lease.baseUrl("openai") + "/responses", lease.token(),
                "{\"model\":\"gpt-4.1\",\"stream\":true,\"input\":\"hi\"}");

        assertThat(res.body()).isEqualTo(RESPONSES_STREAM);
        ModelCall call = job.calls.get(0);
        assertThat(call.model()).isEqualTo("gpt-4.1-2025-04-14");
        assertThat(call.tokensIn()).isEqualTo(300L);
        assertThat(call.tokensOut()).isEqualTo(40L);
    }

    static final String ANTHROPIC_JSON = """
            {"id":"msg_013Zva2CMHLNnXjNJJKqJ2EF","type":"message","role":"assistant","model":"claude-sonnet-4-20250514",
             "content":[{"type":"text","text":"Hi! My name is Claude."}],"stop_reason":"end_turn","stop_sequence":null,
             "usage":{"input_tokens":100,"cache_creation_input_tokens":200,"cache_read_input_tokens":300,"output_tokens":50}}
            """;

    @Test
    void anthropicMessagesJsonCountsCacheTokensAsInput() throws Exception {
        StandInProvider p = provider((r, ex) -> StandInProvider.json(ex, 200, ANTHROPIC_JSON));
        JobLease lease = lease(new GatewayRoute("anthropic", p.uri(""), REAL_KEY, AuthStyle.X_API_KEY),
                ModelPrices.parse("claude-sonnet-4=3/15"));

        HttpResponse<String> res = agent.post(lease.baseUrl("anthropic") + "/v1/messages", "x-api-key", lease.token(),
                "{\"model\":\"claude-sonnet-4-20250514\",\"max_tokens\":1024,\"messages\":[]}");

        assertThat(res.body()).isEqualTo(ANTHROPIC_JSON);
        assertThat(p.received().get(0).path()).isEqualTo("/v1/messages");
        ModelCall call = job.calls.get(0);
        assertThat(call.model()).isEqualTo("claude-sonnet-4-20250514");
        assertThat(call.tokensIn()).isEqualTo(600L);
        assertThat(call.tokensOut()).isEqualTo(50L);
        assertThat(call.costUsd()).isCloseTo((600 * 3 + 50 * 15) / 1e6, within(1e-12));
        assertThat(lease.spent().costUsd()).isCloseTo(0.00255, within(1e-12));
    }

    static final String ANTHROPIC_STREAM = """
            event: message_start
            data: {"type":"message_start","message":{"id":"msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY","type":"message","role":"assistant","content":[],"model":"claude-sonnet-4-20250514","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,"cache_creation_input_tokens":0,"cache_read_input_tokens":10,"output_tokens":1}}}

            event: content_block_start
            data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

            event: ping
            data: {"type": "ping"}

            event: content_block_delta
            data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}

            event: content_block_stop
            data: {"type":"content_block_stop","index":0}

            event: message_delta
            data: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":15}}

            event: message_stop
            data: {"type":"message_stop"}

            """;

    @Test
    void streamedAnthropicMessages() throws Exception {
        StandInProvider p = provider((r, ex) -> StandInProvider.sse(ex, ANTHROPIC_STREAM, 50));
        JobLease lease = lease(new GatewayRoute("anthropic", p.uri(""), REAL_KEY, AuthStyle.X_API_KEY), ModelPrices.none());

        HttpResponse<String> res = agent.post(lease.baseUrl("anthropic") + "/v1/messages", "x-api-key", lease.token(),
                "{\"model\":\"claude-sonnet-4-20250514\",\"stream\":true,\"max_tokens\":1024,\"messages\":[]}");

        assertThat(res.body()).isEqualTo(ANTHROPIC_STREAM);
        ModelCall call = job.calls.get(0);
        assertThat(call.model()).isEqualTo("claude-sonnet-4-20250514");
        assertThat(call.tokensIn()).isEqualTo(35L);
        assertThat(call.tokensOut()).isEqualTo(15L);
    }

    @Test
    void providerErrorIsPassedThroughAndRecordedWithTheRequestedModel() throws Exception {
        String error = "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}";
        StandInProvider p = provider((r, ex) -> StandInProvider.json(ex, 529, error));
        JobLease lease = lease(new GatewayRoute("anthropic", p.uri(""), REAL_KEY, AuthStyle.X_API_KEY), ModelPrices.none());

        HttpResponse<String> res = agent.post(lease.baseUrl("anthropic") + "/v1/messages?beta=true", "x-api-key",
                lease.token(), "{\"model\":\"claude-opus-4-1\",\"messages\":[]}");

        assertThat(res.statusCode()).isEqualTo(529);
        assertThat(res.body()).isEqualTo(error);
        assertThat(p.received().get(0).query()).isEqualTo("beta=true");
        ModelCall call = job.calls.get(0);
        assertThat(call.status()).isEqualTo(529);
        assertThat(call.model()).isEqualTo("claude-opus-4-1");
        assertThat(call.error()).isEqualTo("the provider answered 529: Overloaded");
        assertThat(call.tokensIn()).isNull();
        assertThat(job.lines).contains("INFO " + JobLease.describe(call));
    }

    @Test
    void providerAnsweringGzipAnywayIsDecodedSoItsUsageIsRead() throws Exception {
        StandInProvider p = provider((r, ex) -> {
            java.io.ByteArrayOutputStream zipped = new java.io.ByteArrayOutputStream();
            try (java.util.zip.GZIPOutputStream gz = new java.util.zip.GZIPOutputStream(zipped)) {
                gz.write(CHAT_JSON.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.getResponseHeaders().set("Content-Encoding", "gzip");
            ex.sendResponseHeaders(200, zipped.size());
            ex.getResponseBody().write(zipped.toByteArray());
            ex.getResponseBody().close();
        });
        JobLease lease = lease(new GatewayRoute("openrouter", p.uri("/api/v1"), REAL_KEY, AuthStyle.BEARER), ModelPrices.none());

        HttpResponse<String> res = agent.bearer(lease.baseUrl("openrouter") + "/chat/completions", lease.token(), "{}");

        assertThat(p.received().get(0).header("accept-encoding")).isEqualTo("identity");
        assertThat(res.headers().firstValue("content-encoding")).isEmpty();
        assertThat(res.body()).isEqualTo(CHAT_JSON);
        assertThat(job.calls.get(0).tokensIn()).isEqualTo(1234L);
        assertThat(Map.of("cost", job.calls.get(0).costUsd())).containsEntry("cost", 0.0012);
    }
}
