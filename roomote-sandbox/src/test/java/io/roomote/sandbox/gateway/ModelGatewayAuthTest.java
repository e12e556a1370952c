package io.roomote.sandbox.gateway;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Clock;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The agent never holds a real key and a token is worth something only while its lease is open. Real: the
 * gateway and the agent's HTTP client. Stand-ins: the providers (JDK HttpServers answering an OpenAI-shaped
 * chat completion / an Anthropic message) that record what they received.
 */
class ModelGatewayAuthTest {

    private static final String OPENROUTER_KEY = "sk-or-v1-real-openrouter-key-abcdef";
    private static final String ANTHROPIC_KEY = "sk-ant-real-anthropic-key-123456";

    private final Agent agent = new Agent();
    private final Recorded job = new Recorded();
    private StandInProvider openrouter;
    private StandInProvider anthropic;
    private ModelGateway gateway;

    @BeforeEach
    void start() throws Exception {
        openrouter = StandInProvider.start((r, ex) -> {
            ex.getResponseHeaders().add("x-request-id", "req_123");
            StandInProvider.json(ex, 200, ModelGatewayUsageTest.CHAT_JSON);
        });
        anthropic = StandInProvider.start((r, ex) -> StandInProvider.json(ex, 200, ModelGatewayUsageTest.ANTHROPIC_JSON));
        gateway = ModelGateway.start(List.of(
                new GatewayRoute("openrouter", openrouter.uri("/api/v1"), OPENROUTER_KEY, AuthStyle.BEARER),
                new GatewayRoute("anthropic", anthropic.uri(""), ANTHROPIC_KEY, AuthStyle.X_API_KEY)), Clock.systemUTC());
    }

    @AfterEach
    void stop() {
        gateway.close();
        openrouter.close();
        anthropic.close();
    }

    @Test
    void theProviderSeesTheRealKeyAndNeverTheTokenAndTheAgentNeverSeesTheKey() throws Exception {
        JobLease lease = gateway.open(1, Budget.unlimited(), job, job);
        String body = "{\"model\":\"openai/gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

        HttpResponse<String> res = agent.http().send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create(lease.baseUrl("openrouter") + "/chat/completions"))
                .header("Authorization", "Bearer " + lease.token())
                .header("x-api-key", lease.token())
                .header("Content-Type", "application/json")
                .header("HTTP-Referer", "https://roomote.example")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(res.statusCode()).isEqualTo(200);
        StandInProvider.Received got = openrouter.received().get(0);
        assertThat(got.method()).isEqualTo("POST");
        assertThat(got.body()).isEqualTo(body);
        assertThat(got.header("authorization")).isEqualTo("Bearer " + OPENROUTER_KEY);
        assertThat(got.headers().get("authorization")).hasSize(1);
        assertThat(got.headers()).doesNotContainKey("x-api-key");
        assertThat(got.header("http-referer")).isEqualTo("https://roomote.example");
        assertThat(got.header("content-type")).isEqualTo("application/json");
        assertThat(got.headers().toString()).doesNotContain(lease.token());
        assertThat(got.body()).doesNotContain(lease.token());

        assertThat(res.headers().firstValue("x-request-id")).hasValue("req_123");
        assertThat(res.headers().map().toString()).doesNotContain(OPENROUTER_KEY);
        assertThat(res.body()).doesNotContain(OPENROUTER_KEY);
        assertThat(job.lines.toString()).doesNotContain(OPENROUTER_KEY).doesNotContain(lease.token());
        assertThat(job.calls.toString()).doesNotContain(OPENROUTER_KEY).doesNotContain(lease.token());
    }

    @Test
    void anthropicGetsItsKeyAsXApiKeyWhateverHeaderTheAgentUsed() throws Exception {
        JobLease lease = gateway.open(1, Budget.unlimited(), job, job);

        HttpResponse<String> res = agent.bearer(lease.baseUrl("anthropic") + "/v1/messages", lease.token(), "{}");

        assertThat(res.statusCode()).isEqualTo(200);
        StandInProvider.Received got = anthropic.received().get(0);
        assertThat(got.header("x-api-key")).isEqualTo(ANTHROPIC_KEY);
        assertThat(got.headers()).doesNotContainKey("authorization");
        assertThat(openrouter.received()).isEmpty();
    }

    @Test
    void missingWrongAndRevokedTokensAreRefusedWithoutCallingTheProvider() throws Exception {
        JobLease lease = gateway.open(1, Budget.unlimited(), job, job);
        String url = lease.baseUrl("openrouter") + "/chat/completions";

        HttpResponse<String> missing = agent.post(url, null, null, "{}");
        HttpResponse<String> wrong = agent.bearer(url, lease.token() + "x", "{}");
        HttpResponse<String> realKey = agent.bearer(url, OPENROUTER_KEY, "{}");
        lease.close();
        HttpResponse<String> revoked = agent.bearer(url, lease.token(), "{}");
        HttpResponse<String> revokedAsXApiKey = agent.post(url, "x-api-key", lease.token(), "{}");

        for (HttpResponse<String> res : List.of(missing, wrong, realKey, revoked, revokedAsXApiKey)) {
            assertThat(res.statusCode()).isEqualTo(401);
            assertThat(res.headers().firstValue("content-type")).hasValue("application/json");
            assertThat(res.body()).contains("\"type\":\"authentication_error\"")
                    .doesNotContain(lease.token()).doesNotContain(OPENROUTER_KEY);
        }
        assertThat(openrouter.received()).isEmpty();
        assertThat(lease.isClosed()).isTrue();
    }

    @Test
    void oneLeasesTokenDoesNotOpenAnotherAndEachLeaseHasItsOwnToken() throws Exception {
        JobLease first = gateway.open(1, Budget.unlimited(), job, job);
        Recorded otherJob = new Recorded();
        JobLease second = gateway.open(2, Budget.unlimited(), otherJob, otherJob);
        first.close();

        assertThat(second.token()).isNotEqualTo(first.token()).matches("[A-Za-z0-9_-]{43}");
        assertThat(agent.bearer(first.baseUrl("openrouter") + "/chat/completions", first.token(), "{}").statusCode())
                .isEqualTo(401);
        assertThat(agent.bearer(second.baseUrl("openrouter") + "/chat/completions", second.token(), "{}").statusCode())
                .isEqualTo(200);
        assertThat(otherJob.calls).hasSize(1);
        assertThat(job.calls).isEmpty();
        assertThat(first.toString()).doesNotContain(first.token());
    }

    @Test
    void unknownRouteIs404AndRecorded() throws Exception {
        JobLease lease = gateway.open(1, Budget.unlimited(), job, job);

        HttpResponse<String> res = agent.bearer("http://127.0.0.1:" + gateway.port() + "/openai/chat/completions",
                lease.token(), "{\"model\":\"gpt-4o\"}");

        assertThat(res.statusCode()).isEqualTo(404);
        assertThat(res.body()).contains("\"type\":\"not_found\"").contains("openrouter");
        assertThat(job.calls).singleElement().satisfies(c -> {
            assertThat(c.status()).isEqualTo(404);
            assertThat(c.provider()).isEqualTo("openai");
            assertThat(c.model()).isEqualTo("gpt-4o");
        });
        assertThat(openrouter.received()).isEmpty();
    }

    @Test
    void aPathClimbingOutOfTheBasePathIsRefused() throws Exception {
        JobLease lease = gateway.open(1, Budget.unlimited(), job, job);

        HttpResponse<String> res = agent.bearer("http://127.0.0.1:" + gateway.port() + "/openrouter/%2e%2e/x",
                lease.token(), "{}");

        assertThat(res.statusCode()).isEqualTo(400);
        assertThat(openrouter.received()).isEmpty();
    }

    @Test
    void aBodyOverTheLimitIs413AndNotForwarded() throws Exception {
        JobLease lease = gateway.open(1, Budget.unlimited(), job, job);
        String huge = "{\"model\":\"x\",\"pad\":\"" + "a".repeat(GatewayHandler.MAX_REQUEST_BYTES) + "\"}";

        HttpResponse<String> res = agent.bearer(lease.baseUrl("openrouter") + "/chat/completions", lease.token(), huge);

        assertThat(res.statusCode()).isEqualTo(413);
        assertThat(openrouter.received()).isEmpty();
        assertThat(job.calls).singleElement().satisfies(c -> assertThat(c.status()).isEqualTo(413));
    }

    @Test
    void theRoutesToStringHidesTheKey() {
        GatewayRoute route = new GatewayRoute("openrouter", openrouter.uri("/api/v1"), OPENROUTER_KEY, AuthStyle.BEARER);

        assertThat(route.toString()).doesNotContain(OPENROUTER_KEY).contains("openrouter");
    }
}
