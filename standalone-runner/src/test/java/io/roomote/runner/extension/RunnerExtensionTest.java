package io.roomote.runner.extension;

import io.roomote.core.testing.TestDatabases;
import io.roomote.runner.RoomoteService;
import io.roomote.runner.RunnerFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The runner extension SPI end to end: RecorderExtension (test resources' META-INF/services) is found by
 * ServiceLoader, its listener hears a real job of a real runner (on a fresh database of the tests' PostgreSQL),
 * its webhook is served at its path without the API token, with the headers and body the sender sent, and both
 * are closed when the runner stops. Nothing is a stand-in here.
 */
class RunnerExtensionTest {

    private static final String API_TOKEN = "0123456789abcdef0123456789abcdef";

    @TempDir
    Path temp;

    private RunnerFixture runner;

    @AfterEach
    void stop() {
        if (runner != null) {
            runner.close();
        }
    }

    private RunnerFixture start(RoomoteService.Role role, Map<String, String> extra) {
        Map<String, String> s = new HashMap<>(Map.of("DATABASE_URL", TestDatabases.freshJdbcUrl(),
                "ROOMOTE_API_TOKEN", API_TOKEN, "HOST", "127.0.0.1"));
        s.putAll(extra);
        runner = new RunnerFixture(temp.resolve("home"), s, role);
        return runner;
    }

    private RunnerFixture.Response deliver(byte[] body) {
        return runner.send(HttpRequest.newBuilder(URI.create(runner.base() + RecorderExtension.PATH))
                .header("Content-Type", "application/json").header("X-Recorder-Event", "ping")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
    }

    @Test
    void anExtensionsListenerHearsJobsAndItsWebhookIsServedWithoutTheApiToken() throws Exception {
        start(RoomoteService.Role.SERVE, Map.of(RecorderExtension.SETTING, temp.toString()));
        long id = runner.enqueue("example.hello", "{\"name\":\"Ada\"}");
        runner.awaitStatus(id, "completed");

        // The listener hears the end just after the job is stored as completed.
        await().atMost(Duration.ofSeconds(30)).until(() -> !deliver("{}".getBytes(StandardCharsets.UTF_8)).json().get("finished").isEmpty());
        RunnerFixture.Response answer = deliver("{\"hello\":1}".getBytes(StandardCharsets.UTF_8));
        RunnerFixture.Response jobsWithoutToken = runner.send(HttpRequest.newBuilder(URI.create(runner.base() + "/api/jobs"))
                .GET().build());
        RunnerFixture.Response get = runner.send(HttpRequest.newBuilder(URI.create(runner.base() + RecorderExtension.PATH))
                .GET().build());

        assertThat(answer.status()).isEqualTo(202);
        assertThat(answer.raw().headers().firstValue("X-Recorder")).hasValue("heard");
        assertThat(answer.json().get("bodyBytes").asInt()).isEqualTo(11);
        assertThat(answer.json().get("event").asText()).as("headers are found whatever their case").isEqualTo("ping");
        assertThat(answer.json().get("finished")).extracting(com.fasterxml.jackson.databind.JsonNode::asLong).containsExactly(id);
        assertThat(answer.json().get("types").toString()).contains("example.hello");
        assertThat(jobsWithoutToken.status()).as("only the webhook's path skips the token").isEqualTo(401);
        assertThat(get.status()).as("webhooks are POST only").isEqualTo(405);

        runner.close();
        runner = null;
        assertThat(temp.resolve("closed")).exists();
        assertThat(Files.readAllLines(temp.resolve("closed"))).as("closed once").containsExactly("closed");
    }

    @Test
    void aBodyOverThePortsLimitIsRefused() {
        start(RoomoteService.Role.API, Map.of(RecorderExtension.SETTING, temp.toString()));

        RunnerFixture.Response r = deliver(new byte[(1 << 20) + 1]);

        assertThat(r.status()).isEqualTo(413);
        assertThat(r.json().get("error").asText()).isEqualTo("payload_too_large");
    }

    @Test
    void anEndpointNoExtensionContributesIsNotServedAndNeedsTheToken() {
        start(RoomoteService.Role.API, Map.of());

        RunnerFixture.Response withoutToken = deliver(new byte[0]);
        RunnerFixture.Response withToken = runner.send(runner.request(RecorderExtension.PATH)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{}")).build());

        assertThat(withoutToken.status()).isEqualTo(401);
        assertThat(withToken.status()).isEqualTo(404);
    }
}
