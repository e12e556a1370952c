package io.roomote.bench.api;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One runner process ({@code java -jar roomote.jar <role>}) of the API bench, started with an environment of its
 * own, and timed from the moment it was started to its first {@code 200} of {@code GET /api/health}. Only this
 * process is ever signalled, by its own handle.
 */
final class TimedRunner implements AutoCloseable {

    /** How often health is asked while the runner starts (the resolution of the start time). */
    static final Duration HEALTH_POLL = Duration.ofMillis(10);

    private final Process process;
    private final Path log;
    private final int port;
    private final long startedNanos;
    private final HttpClient client;

    private TimedRunner(Process process, Path log, int port, long startedNanos, HttpClient client) {
        this.client = client;
        this.process = process;
        this.log = log;
        this.port = port;
        this.startedNanos = startedNanos;
    }

    /**
     * @param jvmOptions options before {@code -jar} (none: the JVM's defaults, as {@code java -jar roomote.jar})
     * @param env        the runner's whole environment (nothing of the bench's own is passed on); it runs in
     *                   {@code dir}, where there is no .env file
     */
    static TimedRunner start(Path runnerJar, String role, List<String> jvmOptions, Path dir, String name,
                               int port, Map<String, String> env) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-jar", runnerJar.toAbsolutePath().toString(), role));
        Path log = dir.resolve(name + ".log");
        ProcessBuilder builder = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().clear();
        builder.environment().putAll(env);
        builder.environment().put("PORT", Integer.toString(port));
        // Made before the start, so that its own set-up is not counted in the runner's start time.
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        long started = System.nanoTime();
        return new TimedRunner(builder.start(), log, port, started, client);
    }

    long pid() {
        return process.pid();
    }

    int port() {
        return port;
    }

    Path log() {
        return log;
    }

    /** Polls {@code GET /api/health} every 10 ms; returns the time from the process start to its first 200. */
    Duration awaitHealthy(Duration timeout) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/health"))
                .timeout(Duration.ofSeconds(2)).GET().build();
        long deadline = startedNanos + timeout.toNanos();
        while (true) {
            try {
                HttpResponse<Void> response = client.send(request, HttpResponse.BodyHandlers.discarding());
                if (response.statusCode() == 200) {
                    return Duration.ofNanos(System.nanoTime() - startedNanos);
                }
            } catch (ConnectException e) {
                // Not listening yet.
            } catch (IOException e) {
                // Listening but not answering yet (a reset while the server starts): ask again.
            }
            if (!process.isAlive()) {
                throw new IllegalStateException("the runner exited at start (exit code " + process.exitValue() + "); see " + log);
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the runner was not healthy within " + timeout.toSeconds() + " s; see " + log);
            }
            Thread.sleep(HEALTH_POLL.toMillis());
        }
    }

    /** SIGTERM (a graceful stop: the embedded PostgreSQL is stopped by the runner), then kill -9 after 60 s. */
    void stop() throws InterruptedException {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
