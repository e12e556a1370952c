package io.roomote.runner;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.roomote.core.config.Settings;
import io.roomote.core.store.Json;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.awaitility.Awaitility.await;

/**
 * A real runner on a random port, its ROOMOTE_HOME a temp folder with the example job type's jar (built by
 * this reactor) in plugins/, and a small HTTP client for its API.
 */
public final class RunnerFixture implements AutoCloseable {

    public static final ObjectMapper MAPPER = Json.newMapper();

    public record Response(int status, JsonNode json, HttpResponse<String> raw) {
    }

    private final RoomoteService service;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;
    private final String token;

    public RunnerFixture(Path home, Map<String, String> settings, RoomoteService.Role role) {
        installExamplePlugin(home);
        Map<String, String> all = new HashMap<>();
        all.put("ROOMOTE_HOME", home.toString());
        all.put("PORT", "0");
        all.put("POLL_INTERVAL_MS", "200");
        // Tests run side by side: none takes the default dashboard port unless it asks for it.
        all.put("DASHBOARD_PORT", "0");
        all.put("SHUTDOWN_GRACE", "1s");
        all.put("JOB_CANCEL_GRACE", "2s");
        all.putAll(settings);
        this.service = RoomoteService.start(Settings.of(all), role);
        this.base = "http://127.0.0.1:" + service.apiPort().orElse(0);
        this.token = all.get("ROOMOTE_API_TOKEN");
    }

    static void installExamplePlugin(Path home) {
        Path jar = Path.of(System.getProperty("roomote.test.plugins", "target/test-plugins"), "custom-job-type.jar");
        try {
            Files.createDirectories(home.resolve("plugins"));
            Files.copy(jar, home.resolve("plugins/custom-job-type.jar"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("the example plugin jar is built by the reactor; run the tests through Maven", e);
        }
    }

    public RoomoteService service() {
        return service;
    }

    public String base() {
        return base;
    }

    public HttpClient http() {
        return http;
    }

    public Response get(String path) {
        return send(request(path).GET().build());
    }

    public Response post(String path, String json) {
        return send(request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build());
    }

    public HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return b;
    }

    public Response send(HttpRequest request) {
        try {
            HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
            JsonNode json = null;
            if (r.body() != null && !r.body().isEmpty() && r.headers().firstValue("Content-Type").orElse("").contains("json")) {
                json = MAPPER.readTree(r.body());
            }
            return new Response(r.statusCode(), json, r);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public long enqueue(String type, String payloadJson) {
        Response r = post("/api/jobs", "{\"type\":\"" + type + "\",\"payload\":" + payloadJson + "}");
        if (r.status() != 200) {
            throw new IllegalStateException("enqueue failed: " + r.status() + " " + r.raw().body());
        }
        return r.json().get("jobId").asLong();
    }

    public JsonNode awaitStatus(long id, String status) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                .until(() -> status.equals(get("/api/jobs/" + id).json().get("status").asText()));
        return get("/api/jobs/" + id).json();
    }

    @Override
    public void close() {
        service.close();
    }
}
