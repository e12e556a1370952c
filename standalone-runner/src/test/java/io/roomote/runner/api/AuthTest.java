package io.roomote.runner.api;

import io.roomote.core.config.ConfigurationException;
import io.roomote.core.config.Settings;
import io.roomote.core.testing.TestDatabases;
import io.roomote.runner.RoomoteService;
import io.roomote.runner.RunnerFixture;
import io.roomote.runner.RunnerSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** ROOMOTE_API_TOKEN on and off. */
class AuthTest {

    private static final String TOKEN = "0123456789abcdef0123456789abcdef";

    @TempDir
    Path home;

    private static int status(String url, String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).GET();
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Test
    void withATokenEveryEndpointButHealthRequiresIt() throws Exception {
        try (RunnerFixture runner = new RunnerFixture(home, Map.of("DATABASE_URL", TestDatabases.freshJdbcUrl(),
                "ROOMOTE_API_TOKEN", TOKEN, "HOST", "127.0.0.1"), RoomoteService.Role.API)) {
            String base = runner.base();

            assertThat(status(base + "/api/health", null)).isEqualTo(200);
            assertThat(status(base + "/api/jobs", null)).isEqualTo(401);
            assertThat(status(base + "/api/jobs/1", "Bearer wrong-token-wrong-token")).isEqualTo(401);
            assertThat(status(base + "/api/jobs/1/logs", "Basic " + TOKEN)).isEqualTo(401);
            assertThat(status(base + "/api/jobs", "Bearer " + TOKEN)).isEqualTo(200);
            assertThat(status(base + "/api/jobs", "bearer " + TOKEN)).isEqualTo(200);

            HttpResponse<String> denied = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base + "/api/jobs"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"type\":\"example.hello\",\"payload\":{\"name\":\"x\"}}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(denied.statusCode()).isEqualTo(401);
            assertThat(denied.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
            assertThat(denied.body()).contains("unauthorized").doesNotContain(TOKEN);
            assertThat(runner.get("/api/jobs").json().get("jobs")).isEmpty();
        }
    }

    @Test
    void withoutATokenTheApiIsOpenButOnlyOnLoopback() throws Exception {
        try (RunnerFixture runner = new RunnerFixture(home, Map.of("DATABASE_URL", TestDatabases.freshJdbcUrl()),
                RoomoteService.Role.API)) {
            assertThat(status(runner.base() + "/api/jobs", null)).isEqualTo(200);
        }
        assertThat(RunnerSettings.from(Settings.of(Map.of())).host()).isEqualTo("127.0.0.1");
        assertThat(RunnerSettings.from(Settings.of(Map.of("ROOMOTE_API_TOKEN", TOKEN))).host()).isEqualTo("0.0.0.0");
        assertThatThrownBy(() -> RunnerSettings.from(Settings.of(Map.of("HOST", "0.0.0.0"))))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("ROOMOTE_API_TOKEN");
        assertThat(RunnerSettings.from(Settings.of(Map.of("HOST", "0.0.0.0", "ROOMOTE_ALLOW_UNAUTHENTICATED", "true")))
                .host()).isEqualTo("0.0.0.0");
        assertThatThrownBy(() -> RunnerSettings.from(Settings.of(Map.of("ROOMOTE_API_TOKEN", "short"))))
                .hasMessageContaining("too short");
    }
}
