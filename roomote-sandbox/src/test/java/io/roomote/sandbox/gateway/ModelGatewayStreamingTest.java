package io.roomote.sandbox.gateway;

import io.roomote.spi.ModelCall;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Streaming, an unreachable provider and concurrent jobs. Real: the gateway and the agent's HTTP client.
 * Stand-ins: the providers, JDK HttpServers sending OpenAI-shaped chat completion chunks (SSE) and JSON.
 */
class ModelGatewayStreamingTest {

    private final List<AutoCloseable> open = new ArrayList<>();
    private final Agent agent = new Agent();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    private <T extends AutoCloseable> T opened(T c) {
        open.add(c);
        return c;
    }

    @Test
    void aStreamedAnswerReachesTheAgentWhileTheProviderIsStillProducingIt() throws Exception {
        String first = "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-mini\",\"choices\":"
                + "[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hel\"},\"finish_reason\":null}]}\n\n";
        String rest = "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-mini\",\"choices\":[],"
                + "\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":2,\"total_tokens\":11}}\n\ndata: [DONE]\n\n";
        CountDownLatch proceed = new CountDownLatch(1);
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T10:00:00Z"));
        StandInProvider provider = opened(StandInProvider.start((r, ex) -> {
            ex.getResponseHeaders().set("Content-Type", "text/event-stream");
            ex.sendResponseHeaders(200, 0);
            OutputStream out = ex.getResponseBody();
            out.write(first.getBytes(StandardCharsets.UTF_8));
            out.flush();
            // The provider holds the rest back until the test has seen the first event arrive at the agent.
            proceed.await(30, TimeUnit.SECONDS);
            clock.advance(Duration.ofMillis(1234));
            out.write(rest.getBytes(StandardCharsets.UTF_8));
            out.close();
        }));
        ModelGateway gateway = opened(ModelGateway.start(
                List.of(new GatewayRoute("openai", provider.uri("/v1"), "sk-real", AuthStyle.BEARER)), clock));
        Recorded job = new Recorded();
        JobLease lease = gateway.open(5, Budget.unlimited(), job, job);

        List<String> lines = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> reading;
        try {
            HttpResponse<InputStream> res = agent.http().send(HttpRequest.newBuilder(
                            URI.create(lease.baseUrl("openai") + "/chat/completions"))
                    .header("Authorization", "Bearer " + lease.token())
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"gpt-4o-mini\",\"stream\":true}")).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            assertThat(res.statusCode()).isEqualTo(200);
            reading = CompletableFuture.runAsync(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(res.body(), StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null; ) {
                        lines.add(line);
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });

            await().atMost(Duration.ofSeconds(10)).until(() -> lines.size() >= 2);
            assertThat(proceed.getCount()).isEqualTo(1); // the provider has not sent the rest yet
            assertThat(String.join("\n", lines) + "\n").startsWith(first.substring(0, first.length() - 1));
            assertThat(job.calls).isEmpty();
        } finally {
            proceed.countDown();
        }
        reading.get(10, TimeUnit.SECONDS);

        assertThat(String.join("\n", lines) + "\n").isEqualTo(first + rest);
        ModelCall call = job.calls.get(0);
        assertThat(call.tokensIn()).isEqualTo(9L);
        assertThat(call.tokensOut()).isEqualTo(2L);
        assertThat(call.at()).isEqualTo(Instant.parse("2026-01-01T10:00:00Z"));
        assertThat(call.durationMs()).isEqualTo(1234);
        assertThat(job.lines).contains("INFO model call: openai gpt-4o-mini 200 · 9 in / 2 out · 1.2 s");
    }

    @Test
    void anUnreachableProviderIs502AndRecorded() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        ModelGateway gateway = opened(ModelGateway.start(List.of(new GatewayRoute("openrouter",
                URI.create("http://127.0.0.1:" + closedPort + "/api/v1"), "sk-real-secret", AuthStyle.BEARER)), Clock.systemUTC()));
        Recorded job = new Recorded();
        JobLease lease = gateway.open(5, Budget.unlimited(), job, job);

        HttpResponse<String> res = agent.bearer(lease.baseUrl("openrouter") + "/chat/completions", lease.token(),
                "{\"model\":\"openai/gpt-4o\"}");

        assertThat(res.statusCode()).isEqualTo(502);
        assertThat(res.body()).contains("\"type\":\"upstream_unreachable\"").doesNotContain("sk-real-secret");
        assertThat(job.calls).singleElement().satisfies(c -> {
            assertThat(c.status()).isEqualTo(502);
            assertThat(c.model()).isEqualTo("openai/gpt-4o");
            assertThat(c.error()).startsWith("Roomote model gateway: could not reach 127.0.0.1 (openrouter)");
        });
        assertThat(job.lines).singleElement().asString().startsWith("INFO model call: openrouter openai/gpt-4o 502");
        assertThat(lease.spent().calls()).isZero();
    }

    @Test
    void concurrentCallsOfTwoJobsAreChargedToEachJobAlone() throws Exception {
        // The stand-in's usage depends on the requested model, so each job's total is known in advance.
        StandInProvider provider = opened(StandInProvider.start((r, ex) -> {
            boolean big = r.body().contains("\"big\"");
            StandInProvider.json(ex, 200, "{\"object\":\"chat.completion\",\"model\":\"" + (big ? "big" : "small")
                    + "\",\"choices\":[],\"usage\":{\"prompt_tokens\":" + (big ? 1000 : 10) + ",\"completion_tokens\":"
                    + (big ? 100 : 1) + ",\"cost\":" + (big ? "0.5" : "0.25") + "}}");
        }));
        ModelGateway gateway = opened(ModelGateway.start(
                List.of(new GatewayRoute("openrouter", provider.uri("/api/v1"), "sk-real", AuthStyle.BEARER)), Clock.systemUTC()));
        Recorded smallJob = new Recorded();
        Recorded bigJob = new Recorded();
        JobLease small = gateway.open(1, Budget.unlimited(), smallJob, smallJob);
        JobLease big = gateway.open(2, Budget.unlimited(), bigJob, bigJob);

        ExecutorService threads = Executors.newFixedThreadPool(16);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                JobLease lease = i % 2 == 0 ? small : big;
                String model = lease == small ? "small" : "big";
                results.add(threads.submit(() -> agent.bearer(lease.baseUrl("openrouter") + "/chat/completions",
                        lease.token(), "{\"model\":\"" + model + "\"}").statusCode()));
            }
            for (Future<Integer> f : results) {
                assertThat(f.get(30, TimeUnit.SECONDS)).isEqualTo(200);
            }
        } finally {
            threads.shutdownNow();
        }

        assertThat(small.spent()).isEqualTo(new Usage(200, 20, 5.0, 20, "small"));
        assertThat(big.spent()).isEqualTo(new Usage(20_000, 2_000, 10.0, 20, "big"));
        assertThat(smallJob.calls).hasSize(20).allSatisfy(c -> assertThat(c.model()).isEqualTo("small"));
        assertThat(bigJob.calls).hasSize(20).allSatisfy(c -> assertThat(c.model()).isEqualTo("big"));
    }
}
