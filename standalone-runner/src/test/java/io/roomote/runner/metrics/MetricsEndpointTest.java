package io.roomote.runner.metrics;

import io.roomote.runner.RoomoteService;
import io.roomote.runner.RunnerFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** {@code GET /metrics} of a real runner after jobs went through the real queue (the example job type). */
class MetricsEndpointTest {

    private static final String TOKEN = "metrics-test-token-0123456789";
    private static final String TYPE = "example.hello";

    @TempDir
    Path home;
    private RunnerFixture runner;

    @AfterEach
    void tearDown() {
        if (runner != null) {
            runner.close();
        }
    }

    @Test
    void countsTheJobsRunWithTheirTypeAndOutcome() {
        runner = new RunnerFixture(home, Map.of("ROOMOTE_API_TOKEN", TOKEN, "HOST", "127.0.0.1", "MAX_WORKERS", "2"),
                RoomoteService.Role.SERVE);
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            ids.add(runner.enqueue(TYPE, "{\"name\":\"metrics " + i + "\"}"));
        }
        long failed = runner.enqueue(TYPE, "{\"name\":\"nobody\"}");
        ids.forEach(id -> runner.awaitStatus(id, "completed"));
        runner.awaitStatus(failed, "failed");
        // The same job again while it is active is not a new job: not counted as enqueued.
        runner.enqueue(TYPE, "{\"name\":\"slow\",\"seconds\":30}");
        runner.enqueue(TYPE, "{\"name\":\"slow\",\"seconds\":30}");

        RunnerFixture.Response r = runner.get("/metrics");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.raw().headers().firstValue("Content-Type").orElse("")).startsWith("text/plain; version=0.0.4");
        Scrape scrape = Scrape.parse(r.raw().body());
        Map<String, String> type = Map.of("type", TYPE);
        assertThat(scrape.value("roomote_jobs_enqueued_total", type)).contains(6.0);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(Scrape.parse(runner.get("/metrics").raw().body()).value("roomote_jobs_claimed_total", type)).contains(6.0));
        assertThat(scrape.value("roomote_jobs_finished_total", Map.of("type", TYPE, "status", "completed"))).contains(4.0);
        assertThat(scrape.value("roomote_jobs_finished_total", Map.of("type", TYPE, "status", "failed"))).contains(1.0);
        assertThat(scrape.value("roomote_job_duration_seconds_count", Map.of("type", TYPE, "outcome", "completed"))).contains(4.0);
        assertThat(scrape.value("roomote_job_duration_seconds_count", Map.of("type", TYPE, "outcome", "failed"))).contains(1.0);
        assertThat(scrape.value("roomote_job_duration_seconds_bucket", Map.of("type", TYPE, "outcome", "completed", "le", "+Inf")))
                .contains(4.0);
        assertThat(scrape.value("roomote_job_pickup_latency_seconds_count", type).orElseThrow()).isGreaterThanOrEqualTo(5.0);
        assertThat(scrape.value("roomote_job_attempts_count", Map.of("type", TYPE, "status", "completed"))).contains(4.0);
        assertThat(scrape.value("roomote_job_attempts_sum", Map.of("type", TYPE, "status", "completed"))).contains(4.0);
        assertThat(scrape.value("roomote_workers_capacity", Map.of())).contains(2.0);
        assertThat(scrape.value("hikaricp_connections_max", Map.of("pool", "roomote-db")).orElseThrow()).isPositive();
        assertThat(scrape.value("jvm_memory_used_bytes", Map.of("area", "heap", "id", scrape.samples().stream()
                .filter(s -> s.name().equals("jvm_memory_used_bytes") && "heap".equals(s.labels().get("area")))
                .findFirst().orElseThrow().labels().get("id")))).isPresent();
        assertThat(scrape.names()).contains("jvm_gc_memory_allocated_bytes_total", "process_cpu_usage",
                "roomote_queue_oldest_pending_age_seconds");
        // The slow job runs; the queue depth (read every 10 s) shows it processing.
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(Scrape.parse(runner.get("/metrics").raw().body())
                .value("roomote_queue_depth", Map.of("type", TYPE, "status", "processing"))).contains(1.0));
    }

    @Test
    void queueDepthCountsPendingJobsPerType() {
        runner = new RunnerFixture(home, Map.of(), RoomoteService.Role.API);
        for (int i = 0; i < 3; i++) {
            runner.enqueue(TYPE, "{\"name\":\"waiting " + i + "\"}");
        }
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            Scrape scrape = Scrape.parse(runner.get("/metrics").raw().body());
            assertThat(scrape.value("roomote_queue_depth", Map.of("type", TYPE, "status", "pending"))).contains(3.0);
            assertThat(scrape.value("roomote_queue_depth", Map.of("type", TYPE, "status", "processing"))).contains(0.0);
            assertThat(scrape.value("roomote_queue_oldest_pending_age_seconds", Map.of()).orElseThrow()).isGreaterThanOrEqualTo(0.0);
        });
    }

    @Test
    void metricsNeedTheTokenWhenOneIsSet() {
        runner = new RunnerFixture(home, Map.of("ROOMOTE_API_TOKEN", TOKEN, "HOST", "127.0.0.1"), RoomoteService.Role.API);
        assertThat(runner.send(HttpRequest.newBuilder(URI.create(runner.base() + "/metrics")).GET().build()).status())
                .isEqualTo(401);
        assertThat(runner.send(HttpRequest.newBuilder(URI.create(runner.base() + "/metrics"))
                .header("Authorization", "Bearer wrong-token-0123456789").GET().build()).status()).isEqualTo(401);
        assertThat(runner.get("/metrics").status()).isEqualTo(200);
    }

    @Test
    void withoutATokenMetricsRefuseOtherOriginsAndForeignHostNames() {
        runner = new RunnerFixture(home, Map.of(), RoomoteService.Role.API);
        assertThat(runner.get("/metrics").status()).isEqualTo(200);
        assertThat(runner.send(runner.request("/metrics").header("Origin", "https://evil.example").GET().build()).status())
                .isEqualTo(403);
        assertThat(runner.send(runner.request("/metrics").header("Sec-Fetch-Site", "cross-site").GET().build()).status())
                .isEqualTo(403);
    }
}
