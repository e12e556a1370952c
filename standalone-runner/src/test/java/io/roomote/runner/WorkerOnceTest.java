package io.roomote.runner;

import com.fasterxml.jackson.databind.JsonNode;
import io.roomote.core.testing.TestDatabases;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code roomote worker --once} as its own process (as a controller starts it) on a real PostgreSQL, running the
 * example job type ({@code example.hello}: {@code seconds} to take, the name {@code nobody} fails for good). An
 * API-only runner in this JVM on the same database queues the jobs and reads them back. Nothing is a stand-in.
 */
class WorkerOnceTest {

    @TempDir
    Path home;

    private String databaseUrl;
    private RunnerFixture api;

    @BeforeEach
    void setUp() {
        databaseUrl = TestDatabases.freshJdbcUrl();
        RunnerFixture.installExamplePlugin(home);
        api = new RunnerFixture(home, Map.of("DATABASE_URL", databaseUrl), RoomoteService.Role.API);
    }

    @AfterEach
    void tearDown() {
        api.close();
    }

    private Map<String, String> env(Map<String, String> extra) {
        Map<String, String> env = new HashMap<>();
        env.put("DATABASE_URL", databaseUrl);
        env.put("ROOMOTE_HOME", home.toString());
        env.put("ROOMOTE_RUNNER_ID", "once-worker");
        env.put("JOB_CANCEL_GRACE", "2s");
        env.put("SHUTDOWN_GRACE", "1s");
        env.put("JOB_RETRY_BACKOFF_MS", "0");
        env.putAll(extra);
        return env;
    }

    private CliRun once(Map<String, String> extra) {
        return CliRun.run(home.resolve("cli"), env(extra), "worker", "--once");
    }

    private JsonNode job(long id) {
        return api.get("/api/jobs/" + id).json();
    }

    @Test
    void nothingPendingExitsZeroAtOnce() {
        CliRun run = once(Map.of());
        assertThat(run.code()).as(run.out() + run.err()).isZero();
        assertThat(run.err()).isEmpty();
        assertThat(run.out()).contains("worker --once: nothing to do");
    }

    @Test
    void runsExactlyOneJobRecordsItAndExitsZero() {
        long first = api.enqueue("example.hello", "{\"name\":\"first\"}");
        long second = api.enqueue("example.hello", "{\"name\":\"second\"}");
        CliRun run = once(Map.of());
        assertThat(run.code()).as(run.out() + run.err()).isZero();
        JsonNode done = job(first);
        assertThat(done.get("status").asText()).isEqualTo("completed");
        assertThat(done.at("/result/greeting").asText()).isEqualTo("Hello, first!");
        assertThat(job(second).get("status").asText()).as("only one job per worker").isEqualTo("pending");
        assertThat(run.out()).contains("job " + first + " (example.hello) attempt 1: completed");
    }

    @Test
    void aJobThatFailsIsRecordedAsFailedAndTheWorkerStillExitsZero() {
        long id = api.enqueue("example.hello", "{\"name\":\"nobody\"}");
        CliRun run = once(Map.of());
        assertThat(run.code()).as("the worker did its work; the job's outcome is in the database").isZero();
        JsonNode failed = job(id);
        assertThat(failed.get("status").asText()).isEqualTo("failed");
        assertThat(failed.get("error").asText()).contains("there is nobody to greet");
    }

    @Test
    void theDeadlineStopsTheJobAndIsRecorded() {
        long id = api.enqueue("example.hello", "{\"name\":\"slow\",\"seconds\":60}");
        CliRun run = once(Map.of("JOB_TIMEOUT", "1s"));
        assertThat(run.code()).as(run.out() + run.err()).isZero();
        JsonNode timedOut = job(id);
        assertThat(timedOut.get("status").asText()).isEqualTo("failed");
        assertThat(timedOut.get("error").asText()).isEqualTo("timed out after 1 second");
        assertThat(run.out()).contains("timed_out");
    }

    @Test
    void sigtermHandsTheRunningJobBackToTheQueueLikeThePool() throws Exception {
        long id = api.enqueue("example.hello", "{\"name\":\"long\",\"seconds\":120}");
        Path out = home.resolve("sigterm.out");
        Process p = start(out);
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> job(id).get("status").asText().equals("processing"));
            assertThat(job(id).get("attempts").asInt()).isEqualTo(1);
            p.destroy(); // SIGTERM
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as("killed by SIGTERM, after handing the job back").isEqualTo(143);
            JsonNode back = job(id);
            assertThat(back.get("status").asText()).isEqualTo("pending");
            assertThat(back.get("attempts").asInt()).as("a handed-back attempt does not count").isZero();
            assertThat(Files.readString(out, StandardCharsets.UTF_8)).contains("handing 1 running job(s) back to the queue");
        } finally {
            p.destroyForcibly().waitFor();
        }
    }

    @Test
    void aCancelFromTheApiStopsTheJobWhichIsRecordedAsCancelled() throws Exception {
        long id = api.enqueue("example.hello", "{\"name\":\"to cancel\",\"seconds\":120}");
        Process p = start(home.resolve("cancel.out"));
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> job(id).get("status").asText().equals("processing"));
            assertThat(api.post("/api/jobs/" + id + "/cancel", "{}").status()).isEqualTo(202); // accepted: the worker stops it
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).isZero();
            assertThat(job(id).get("status").asText()).isEqualTo("cancelled");
        } finally {
            p.destroyForcibly().waitFor();
        }
    }

    private Process start(Path out) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx192m", "-cp", System.getProperty("java.class.path"), RoomoteCli.class.getName(), "worker", "--once"));
        ProcessBuilder b = new ProcessBuilder(cmd).directory(home.toFile()).redirectErrorStream(true)
                .redirectOutput(out.toFile());
        b.environment().keySet().removeIf(k -> !k.equals("PATH"));
        b.environment().putAll(env(Map.of()));
        return b.start();
    }

    @Test
    void anUnreachableDatabaseExitsOneWithTheReasonOnOneLine() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        CliRun run = once(Map.of("DATABASE_URL", "postgresql://roomote:s3cret-pw@127.0.0.1:" + port + "/roomote"));
        assertThat(run.code()).isEqualTo(1);
        assertThat(run.errLine()).startsWith("roomote worker --once: DATABASE_URL: cannot reach PostgreSQL at 127.0.0.1:" + port)
                .doesNotContain("\n").doesNotContain("s3cret-pw");
    }
}
