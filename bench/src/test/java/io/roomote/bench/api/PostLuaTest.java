package io.roomote.bench.api;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.roomote.bench.api.job.ApiBenchJobType;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The bench's post.lua under the real wrk (Debian's package; skipped where it is not installed) for 1 s against
 * a tiny local HTTP server of the JDK that records what arrives and answers 200: every request is a POST with
 * the token and JSON content type, and every body a distinct bench.api job that binds to the job type's
 * payload. The server stands in for the runner's API; the checks are on what wrk sent.
 */
class PostLuaTest {

    record Received(String method, String contentType, String authorization, String body) {
    }

    @Test
    void everyRequestPostsADistinctJobWithTheToken(@TempDir Path dir) throws Exception {
        Assumptions.assumeFalse(Wrk.version("wrk").equals("not found"), "wrk is not installed (apt-get install wrk)");
        ConcurrentLinkedQueue<Received> received = new ConcurrentLinkedQueue<>();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        server.createContext("/api/jobs", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            received.add(new Received(exchange.getRequestMethod(), exchange.getRequestHeaders().getFirst("Content-Type"),
                    exchange.getRequestHeaders().getFirst("Authorization"), body));
            byte[] answer = "{\"message\":\"job_enqueued\"}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        server.start();
        WrkOutput out;
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/api/jobs";
            out = Wrk.in(dir, "wrk").run(url, 2, 4, Duration.ofSeconds(1), Duration.ofSeconds(2), "test-run", "t0ken-of-the-bench", false);
        } finally {
            server.stop(0);
        }

        List<Received> all = List.copyOf(received);
        assertThat(out.requests()).isPositive();
        assertThat(out.non2xx3xx()).isZero();
        // wrk counts the answers it received within its second; the server may have seen a few more in flight.
        assertThat(all).hasSizeGreaterThanOrEqualTo((int) out.requests());
        assertThat(all).allSatisfy(r -> {
            assertThat(r.method()).isEqualTo("POST");
            assertThat(r.contentType()).isEqualTo("application/json");
            assertThat(r.authorization()).isEqualTo("Bearer t0ken-of-the-bench");
        });
        ObjectMapper mapper = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        Set<String> bodies = all.stream().map(Received::body).collect(Collectors.toSet());
        assertThat(bodies).as("distinct bodies").hasSize(all.size());
        Set<Integer> threads = new java.util.HashSet<>();
        for (String body : bodies) {
            JsonNode job = mapper.readTree(body);
            assertThat(job.get("type").asText()).isEqualTo(ApiBenchJobType.ID);
            assertThat(job.has("dedupeKey")).isFalse();
            ApiBenchJobType.Payload payload = mapper.treeToValue(job.get("payload"), ApiBenchJobType.Payload.class);
            assertThat(payload.run()).isEqualTo("test-run");
            assertThat(payload.seq()).isPositive();
            threads.add(payload.thread());
        }
        assertThat(threads).as("wrk's two threads, numbered apart").containsExactlyInAnyOrder(1, 2);
    }

    @Test
    void withShowNon2xxTheFirstUnusualAnswerIsPrinted(@TempDir Path dir) throws Exception {
        Assumptions.assumeFalse(Wrk.version("wrk").equals("not found"), "wrk is not installed (apt-get install wrk)");
        java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        server.createContext("/api/jobs", exchange -> {
            exchange.getRequestBody().readAllBytes();
            boolean odd = n.incrementAndGet() % 5 == 0;
            byte[] answer = (odd ? "{\"error\":\"request_timeout\"}" : "{}").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(odd ? 408 : 200, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        server.start();
        WrkOutput out;
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/api/jobs";
            out = Wrk.in(dir, "wrk").run(url, 2, 4, Duration.ofSeconds(1), Duration.ofSeconds(2), "test-run", "t0ken-of-the-bench", true);
        } finally {
            server.stop(0);
        }

        assertThat(out.non2xx3xx()).isPositive();
        assertThat(out.raw()).containsPattern("thread [12]: \\d+ answer\\(s\\) of status >= 300; the first: 408 \\{\"error\":\"request_timeout\"}");
    }
}
