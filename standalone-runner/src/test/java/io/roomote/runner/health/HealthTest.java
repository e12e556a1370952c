package io.roomote.runner.health;

import com.fasterxml.jackson.databind.JsonNode;
import io.roomote.core.testing.SlackStandIn;
import io.roomote.core.testing.TestDatabases;
import io.roomote.runner.RoomoteService;
import io.roomote.runner.RunnerFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code GET /api/health} against a database that stops answering: a real PostgreSQL behind a relay that turns
 * into a black hole (connections accepted, nothing answered), so every database call can only end by timeout.
 */
class HealthTest {

    @TempDir
    Path home;
    private RunnerFixture runner;
    private BlackholeProxy proxy;

    @AfterEach
    void tearDown() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        if (runner != null) {
            runner.close();
        }
    }

    @Test
    void answersWithinASecondAndSaysTheDatabaseIsDownWhenItStopsAnswering() throws Exception {
        String real = TestDatabases.freshJdbcUrl();
        int port = URI.create(real.substring("jdbc:".length())).getPort();
        proxy = new BlackholeProxy(port);
        String viaProxy = real.replace(":" + port + "/", ":" + proxy.port() + "/");
        runner = new RunnerFixture(home, Map.of("DATABASE_URL", viaProxy, "HEALTH_CHECK_INTERVAL", "200ms",
                "SHUTDOWN_GRACE", "100ms"), RoomoteService.Role.SERVE);

        RunnerFixture.Response up = runner.get("/api/health");
        assertThat(up.status()).isEqualTo(200);
        assertThat(up.json().get("status").asText()).isEqualTo("ok");
        assertThat(up.json().at("/services/database").asBoolean()).isTrue();
        assertThat(up.json().at("/database/mode").asText()).isEqualTo("external");
        assertThat(up.json().at("/workers/capacity").asInt()).isPositive();

        proxy.blackhole();

        // Every answer, during and after the check notices, comes from the cached check: well under a second.
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
            long start = System.nanoTime();
            RunnerFixture.Response down = runner.send(HttpRequest.newBuilder(URI.create(runner.base() + "/api/health"))
                    .timeout(Duration.ofSeconds(30)).GET().build());
            long tookMs = (System.nanoTime() - start) / 1_000_000;
            assertThat(tookMs).as("health answered in %d ms", tookMs).isLessThan(1000);
            assertThat(down.status()).isEqualTo(500);
            JsonNode body = down.json();
            assertThat(body.get("status").asText()).isEqualTo("error");
            assertThat(body.at("/services/database").asBoolean()).isFalse();
            assertThat(body.at("/database/problem").asText()).isNotBlank();
        });
        for (int i = 0; i < 5; i++) {
            long start = System.nanoTime();
            RunnerFixture.Response down = runner.get("/api/health");
            assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(1000);
            assertThat(down.json().at("/services/database").asBoolean()).isFalse();
            assertThat(down.raw().body()).doesNotContain("postgres").doesNotContain(String.valueOf(port));
        }
    }

    /** Slack through {@code SlackStandIn}, a local stand-in answering Slack's documented {@code chat.postMessage} shapes. */
    @Test
    void aFailingSlackIsAWarningNotAFailedHealthAndIsCounted() throws Exception {
        try (SlackStandIn slack = new SlackStandIn()) {
            slack.failWith("channel_not_found");
            runner = new RunnerFixture(home, Map.of("DATABASE_URL", TestDatabases.freshJdbcUrl(),
                    "SLACK_API_TOKEN", "xoxb-health-test-token", "SLACK_API_URL", slack.apiUrl()), RoomoteService.Role.SERVE);
            assertThat(runner.get("/api/health").json().at("/integrations/slack/state").asText()).isEqualTo("unknown");

            long id = runner.enqueue("example.hello", "{\"name\":\"slack\"}");
            runner.awaitStatus(id, "completed");
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                RunnerFixture.Response health = runner.get("/api/health");
                assertThat(health.status()).isEqualTo(200);
                assertThat(health.json().get("status").asText()).isEqualTo("ok");
                assertThat(health.json().at("/integrations/slack/state").asText()).isEqualTo("failing");
                assertThat(health.json().get("warnings").toString()).contains("slack: the latest call failed");
                assertThat(health.raw().body()).doesNotContain("xoxb-health-test-token");
            });
            String metrics = runner.get("/metrics").raw().body();
            assertThat(metrics).containsPattern("roomote_integration_calls_total\\{[^}]*outcome=\"failed\"[^}]*service=\"slack\"[^}]*} [1-9]");

            slack.failWith(null);
            long next = runner.enqueue("example.hello", "{\"name\":\"slack again\"}");
            runner.awaitStatus(next, "completed");
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                    assertThat(runner.get("/api/health").json().at("/integrations/slack/state").asText()).isEqualTo("ok"));
        }
    }

    /** Issue 11: how agents are contained is in the health answer; no containment is a warning, not a failure. */
    @Test
    void saysHowAgentsAreContainedAndWarnsWhenTheyAreNot() {
        runner = new RunnerFixture(home, Map.of("DATABASE_URL", TestDatabases.freshJdbcUrl(), "ROOMOTE_SANDBOX", "bwrap"),
                RoomoteService.Role.API);
        JsonNode bwrap = runner.get("/api/health").json();
        assertThat(bwrap.at("/sandbox/mode").asText()).isEqualTo("bwrap");
        assertThat(bwrap.at("/sandbox/contained").asBoolean()).isTrue();
        assertThat(bwrap.get("warnings").toString()).doesNotContain("sandbox");
        runner.close();

        runner = new RunnerFixture(home, Map.of("DATABASE_URL", TestDatabases.freshJdbcUrl(), "ROOMOTE_SANDBOX", "none"),
                RoomoteService.Role.API);
        RunnerFixture.Response none = runner.get("/api/health");
        assertThat(none.status()).isEqualTo(200);
        assertThat(none.json().at("/sandbox/mode").asText()).isEqualTo("none");
        assertThat(none.json().at("/sandbox/contained").asBoolean()).isFalse();
        assertThat(none.json().at("/sandbox/explicit").asBoolean()).isTrue();
        assertThat(none.json().get("warnings").toString()).contains("the agent is not sandboxed (ROOMOTE_SANDBOX=none)");
    }

    @Test
    void reportsWorkersTheOldestPendingJobAndTheEmbeddedDatabase() {
        runner = new RunnerFixture(home, Map.of("HEALTH_CHECK_INTERVAL", "100ms", "MAX_WORKERS", "2"),
                RoomoteService.Role.SERVE);
        long id = runner.enqueue("example.hello", "{\"name\":\"health\"}");
        runner.awaitStatus(id, "completed");

        JsonNode body = runner.get("/api/health").json();
        assertThat(body.get("status").asText()).isEqualTo("ok");
        assertThat(body.at("/database/mode").asText()).isEqualTo("embedded");
        assertThat(body.at("/database/embeddedState").asText()).isEqualTo("running");
        assertThat(body.at("/database/ageMs").asLong()).isLessThan(5_000);
        assertThat(body.at("/workers/busy").asInt()).isZero();
        assertThat(body.at("/workers/capacity").asInt()).isEqualTo(2);
        assertThat(body.at("/workers/lastClaimAt").isTextual()).isTrue();
        assertThat(body.at("/queue/oldestPendingAgeSeconds").isNull()).isTrue();
        assertThat(body.get("warnings").isArray()).isTrue();
    }
}
