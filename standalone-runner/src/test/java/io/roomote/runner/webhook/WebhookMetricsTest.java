package io.roomote.runner.webhook;

import io.roomote.jobs.github.webhook.WebhookSignature;
import io.roomote.core.testing.TestDatabases;
import io.roomote.runner.RoomoteService;
import io.roomote.runner.RunnerFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code roomote_webhook_deliveries_total}: deliveries signed as GitHub signs them, counted by event and decision. */
class WebhookMetricsTest {

    private static final String SECRET = "webhook-secret-for-tests";

    @TempDir
    Path home;
    private RunnerFixture runner;

    @AfterEach
    void stop() {
        if (runner != null) {
            runner.close();
        }
    }

    @Test
    void countsDeliveriesByEventAndDecision() {
        // A stand-in GH_TOKEN: fix jobs are refused at enqueue without one.
        runner = new RunnerFixture(home, Map.of("DATABASE_URL", TestDatabases.freshJdbcUrl(), "GH_WEBHOOK_SECRET", SECRET,
                "GH_TOKEN", "ghp_standInToken0123456789abcdefghijklmn"), RoomoteService.Role.API);
        byte[] opened = GitHubWebhookTest.payload("issues-opened");
        deliver("issues", opened, "d-1", new WebhookSignature(SECRET).header(opened));
        deliver("issues", opened, "d-1", new WebhookSignature(SECRET).header(opened)); // GitHub's redelivery
        deliver("issues", opened, "d-2", new WebhookSignature(SECRET).header(opened)); // same issue, still active
        deliver("issues", opened, "d-3", "sha256=" + "0".repeat(64));
        byte[] ping = "{\"zen\":\"Keep it logically awesome.\"}".getBytes();
        deliver("ping", ping, "d-4", new WebhookSignature(SECRET).header(ping));
        deliver("star", ping, "d-5", new WebhookSignature(SECRET).header(ping));

        String metrics = runner.get("/metrics").raw().body();
        assertThat(count(metrics, "issues", "job_enqueued")).isEqualTo(1);
        assertThat(count(metrics, "issues", "redelivery")).isEqualTo(1);
        assertThat(count(metrics, "issues", "job_already_active")).isEqualTo(1);
        assertThat(count(metrics, "issues", "invalid_signature")).isEqualTo(1);
        assertThat(count(metrics, "ping", "pong")).isEqualTo(1);
        assertThat(count(metrics, "other", "event_ignored")).isEqualTo(1);
    }

    private void deliver(String event, byte[] body, String delivery, String signature) {
        runner.send(HttpRequest.newBuilder(URI.create(runner.base() + "/api/webhooks/github"))
                .header("Content-Type", "application/json").header("X-GitHub-Event", event)
                .header("X-GitHub-Delivery", delivery).header("X-Hub-Signature-256", signature)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
    }

    private static double count(String metrics, String event, String decision) {
        Matcher m = Pattern.compile("roomote_webhook_deliveries_total\\{decision=\"" + decision + "\",event=\"" + event
                + "\"[^}]*} (\\S+)").matcher(metrics);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }
}
