package io.roomote.runner;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * {@code java io.roomote.runner.RoomoteCli serve} as a separate process, as a user runs it: on the test class
 * path, with a temp ROOMOTE_HOME (the example job type installed), the embedded database and an API on a free
 * loopback port. It can be stopped with SIGTERM or SIGKILL; its output is kept in a file.
 */
final class RunnerProcess implements AutoCloseable {

    private final Process process;
    private final Path output;
    private final int port;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    RunnerProcess(Path home, Path output, Map<String, String> env) {
        this(home, output, env, "serve");
    }

    /** {@code command}: the role, e.g. {@code serve} or {@code controller} (both serve the API). */
    RunnerProcess(Path home, Path output, Map<String, String> env, String command) {
        RunnerFixture.installExamplePlugin(home);
        this.output = output;
        this.port = freePort();
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-cp", System.getProperty("java.class.path"), RoomoteCli.class.getName(), command));
        ProcessBuilder b = new ProcessBuilder(cmd).directory(home.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile()));
        Map<String, String> e = b.environment();
        e.remove("DATABASE_URL");
        Map<String, String> all = new HashMap<>();
        all.put("ROOMOTE_HOME", home.toString());
        all.put("PORT", String.valueOf(port));
        all.put("HOST", "127.0.0.1");
        all.put("DASHBOARD_PORT", "0");
        all.put("POLL_INTERVAL_MS", "200");
        all.put("SHUTDOWN_GRACE", "1s");
        all.put("JOB_CANCEL_GRACE", "2s");
        all.putAll(env);
        e.putAll(all);
        try {
            this.process = b.start();
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    Process process() {
        return process;
    }

    String output() {
        try {
            return Files.readString(output, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    RunnerProcess awaitHealthy(Duration within) {
        await().atMost(within).pollInterval(Duration.ofMillis(200)).until(() -> {
            if (!process.isAlive()) {
                throw new AssertionError("the runner exited with " + process.exitValue() + ":\n" + output());
            }
            try {
                return get("/api/health").statusCode() == 200;
            } catch (UncheckedIOException notYetListening) {
                return false;
            }
        });
        return this;
    }

    HttpResponse<String> get(String path) {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10))
                .GET().build());
    }

    JsonNode json(String path) {
        try {
            return RunnerFixture.MAPPER.readTree(get(path).body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    long enqueue(String type, String payloadJson) {
        HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/jobs"))
                .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"type\":\"" + type + "\",\"payload\":" + payloadJson + "}"))
                .build());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("enqueue failed: " + r.statusCode() + " " + r.body());
        }
        try {
            return RunnerFixture.MAPPER.readTree(r.body()).get("jobId").asLong();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    JsonNode awaitStatus(long id, String status, Duration within) {
        await().atMost(within).pollInterval(Duration.ofMillis(100))
                .until(() -> status.equals(json("/api/jobs/" + id).get("status").asText()));
        return json("/api/jobs/" + id);
    }

    private HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Waits for the process to end; false if it is still running after {@code within}. */
    boolean awaitExit(Duration within) {
        try {
            return process.waitFor(within.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroy();
            if (!awaitExit(Duration.ofSeconds(60))) {
                process.destroyForcibly();
                awaitExit(Duration.ofSeconds(10));
            }
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
