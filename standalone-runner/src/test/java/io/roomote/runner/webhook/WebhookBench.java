package io.roomote.runner.webhook;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.roomote.jobs.github.webhook.WebhookSignature;
import io.roomote.runner.RoomoteService;
import io.roomote.runner.RunnerFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Webhook answer time, run by hand ({@code bench/webhook-bench.sh}), not a timed unit test: signed
 * {@code issues.opened} deliveries to an {@code api} runner on its embedded, durable PostgreSQL (fsync on), timed at the
 * client over loopback — so the figures include HTTP, signature check, delivery record, job insert with
 * NOTIFY and the answer. Writes {@code target/webhook-bench.md}.
 */
@EnabledIfSystemProperty(named = "roomote.bench.webhook", matches = "true")
class WebhookBench {

    private static final String SECRET = "bench-webhook-secret";

    @TempDir
    Path home;

    private final AtomicInteger nextIssue = new AtomicInteger(1000);

    @Test
    void answerTimes() throws Exception {
        int warmup = Integer.getInteger("roomote.bench.warmup", 300);
        int runs = Integer.getInteger("roomote.bench.runs", 2000);
        StringBuilder report = new StringBuilder("| scenario | requests | p50 ms | p90 ms | p99 ms | max ms |\n|---|---:|---:|---:|---:|---:|\n");
        try (RunnerFixture runner = new RunnerFixture(home, Map.of("GH_WEBHOOK_SECRET", SECRET), RoomoteService.Role.API)) {
            HttpClient http = HttpClient.newHttpClient();
            ObjectNode payload = (ObjectNode) RunnerFixture.MAPPER.readTree(GitHubWebhookTest.payload("issues-opened"));

            time(http, runner, payload, warmup, false);
            report.append(row("new issue → job enqueued (1 client)", time(http, runner, payload, runs, false)));
            report.append(row("redelivery → stored answer (1 client)", time(http, runner, payload, runs, true)));
            List<Long> concurrent = Collections.synchronizedList(new ArrayList<>());
            ExecutorService pool = Executors.newFixedThreadPool(4);
            List<Future<List<Long>>> parts = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                parts.add(pool.submit(() -> time(http, runner, payload.deepCopy(), runs / 4, false)));
            }
            for (Future<List<Long>> f : parts) {
                concurrent.addAll(f.get());
            }
            pool.shutdown();
            report.append(row("new issue → job enqueued (4 clients)", concurrent));
        }
        Path out = Path.of("target", "webhook-bench.md");
        Files.writeString(out, report.toString());
        System.out.println(report);
    }

    /** Sends {@code n} deliveries; a redelivery repeats one delivery id, else each is a new issue. */
    private List<Long> time(HttpClient http, RunnerFixture runner, ObjectNode payload, int n, boolean redeliver) throws Exception {
        List<Long> micros = new ArrayList<>(n);
        String fixed = UUID.randomUUID().toString();
        for (int i = 0; i < n; i++) {
            ((ObjectNode) payload.get("issue")).put("number", redeliver ? 1 : nextIssue.incrementAndGet());
            byte[] body = RunnerFixture.MAPPER.writeValueAsBytes(payload);
            HttpRequest request = HttpRequest.newBuilder(URI.create(runner.base() + "/api/webhooks/github"))
                    .header("Content-Type", "application/json").header("X-GitHub-Event", "issues")
                    .header("X-GitHub-Delivery", redeliver ? fixed : UUID.randomUUID().toString())
                    .header("X-Hub-Signature-256", new WebhookSignature(SECRET).header(body))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
            long t0 = System.nanoTime();
            HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
            micros.add((System.nanoTime() - t0) / 1000);
            assertThat(r.statusCode()).isEqualTo(200);
        }
        return micros;
    }

    private static String row(String name, List<Long> micros) {
        List<Long> sorted = new ArrayList<>(micros);
        Collections.sort(sorted);
        return String.format(Locale.ROOT, "| %s | %d | %.1f | %.1f | %.1f | %.1f |%n", name, sorted.size(),
                pct(sorted, 0.50), pct(sorted, 0.90), pct(sorted, 0.99), sorted.get(sorted.size() - 1) / 1000.0);
    }

    private static double pct(List<Long> sorted, double p) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1)) / 1000.0;
    }
}
