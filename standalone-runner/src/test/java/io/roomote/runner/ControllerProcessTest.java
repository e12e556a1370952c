package io.roomote.runner;

import com.fasterxml.jackson.databind.JsonNode;
import io.roomote.core.testing.TestDatabases;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code roomote controller} with the process launcher, all real: the controller is its own JVM (as a user starts
 * it), each worker a {@code worker --once} JVM it starts, on a real PostgreSQL, running the example job type.
 * Worker processes are counted from the operating system (/proc: command line and environment), not from the
 * controller's pid files, every 25 ms.
 */
class ControllerProcessTest {

    @TempDir
    Path home;

    private Map<String, String> env(Map<String, String> extra) {
        Map<String, String> env = new HashMap<>();
        env.put("DATABASE_URL", TestDatabases.freshJdbcUrl());
        env.put("MAX_WORKERS", "3");
        env.put("ROOMOTE_CONTROLLER_ID", "ctl-test");
        env.put("POLL_INTERVAL_MS", "200");
        // The workers inherit it: small, quick-starting JVMs.
        env.put("JAVA_TOOL_OPTIONS", "-Xmx160m -XX:TieredStopAtLevel=1");
        env.putAll(extra);
        return env;
    }

    /**
     * Live {@code worker --once} processes of this test's ROOMOTE_HOME, as the system lists them. A process a
     * worker JVM is spawning (a sandbox probe) shows the worker's command line and environment for the moment
     * between its fork and its exec: a match whose parent is a match is that, not a worker.
     */
    private int liveWorkers() {
        return sample().workers();
    }

    /** One look: worker processes, all matches (with spawning children), and what they were. */
    private record Sample(int workers, int matches, String seen) {
    }

    private Sample sample() {
        byte[] marker = ("ROOMOTE_HOME=" + home + "\0").getBytes(StandardCharsets.UTF_8);
        Map<Long, Long> matches = new HashMap<>();
        ProcessHandle.allProcesses().forEach(p -> {
            try {
                String cmdline = Files.readString(Path.of("/proc/" + p.pid() + "/cmdline"), StandardCharsets.ISO_8859_1);
                if (!cmdline.contains("worker\0--once")) {
                    return;
                }
                byte[] environ = Files.readAllBytes(Path.of("/proc/" + p.pid() + "/environ"));
                if (indexOf(environ, marker) >= 0) {
                    matches.put(p.pid(), p.parent().map(ProcessHandle::pid).orElse(-1L));
                }
            } catch (IOException | RuntimeException gone) {
                // exited meanwhile, or not ours to read
            }
        });
        int workers = (int) matches.values().stream().filter(parent -> !matches.containsKey(parent)).count();
        return new Sample(workers, matches.size(), matches.toString());
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** Samples the live workers until closed; keeps the highest count. */
    private final class Sampler implements AutoCloseable {
        final AtomicInteger max = new AtomicInteger();
        /** Samples above MAX_WORKERS, described, for the failure message. */
        final List<String> over = new java.util.concurrent.CopyOnWriteArrayList<>();
        final AtomicBoolean running = new AtomicBoolean(true);
        final Thread thread = new Thread(() -> {
            while (running.get()) {
                Sample s = sample();
                max.accumulateAndGet(s.workers(), Math::max);
                if (s.matches() > 3) {
                    over.add(s.workers() + " workers, " + s.matches() + " matches (pid=parent): " + s.seen());
                }
                try {
                    Thread.sleep(25);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "worker-sampler");

        Sampler() {
            thread.setDaemon(true);
            thread.start();
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join(10_000);
        }
    }

    @Test
    void keepsAtMostMaxWorkersAliveFinishesEveryJobAndCountsItsWorkersAfterAKillAndRestart() throws Exception {
        Map<String, String> env = env(Map.of());
        List<Long> jobs = new ArrayList<>();
        try (Sampler sampler = new Sampler()) {
            RunnerProcess first = new RunnerProcess(home, home.resolve("controller-1.out"), env, "controller");
            try {
                first.awaitHealthy(Duration.ofSeconds(60));
                // Claimed in id order: the first three run long enough to outlive the controller's restart.
                for (int i = 0; i < 3; i++) {
                    jobs.add(first.enqueue("example.hello", "{\"name\":\"long " + i + "\",\"seconds\":25}"));
                }
                for (int i = 0; i < 7; i++) {
                    jobs.add(first.enqueue("example.hello", "{\"name\":\"short " + i + "\",\"seconds\":1}"));
                }
                await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).until(() ->
                        jobs.subList(0, 3).stream().allMatch(id -> status(first, id).equals("processing")));
                JsonNode state = first.json("/api/health").get("controller");
                assertThat(state.get("alive").asInt()).isEqualTo(3);
                assertThat(state.get("maxWorkers").asInt()).isEqualTo(3);
                assertThat(state.get("launcher").asText()).isEqualTo("process");

                first.process().destroyForcibly(); // kill -9
                assertThat(first.awaitExit(Duration.ofSeconds(30))).isTrue();
            } finally {
                first.close();
            }
            // The workers do not die with their controller (own session): their jobs go on.
            assertThat(liveWorkers()).isEqualTo(3);

            try (RunnerProcess second = new RunnerProcess(home, home.resolve("controller-2.out"), env, "controller")) {
                second.awaitHealthy(Duration.ofSeconds(60));
                await().atMost(Duration.ofSeconds(30)).until(() -> second.json("/api/health").at("/controller/checkedAt").isTextual());
                JsonNode restarted = second.json("/api/health").get("controller");
                // It counted the three workers it did not start, from their pid files, and started none: 7 wait.
                assertThat(jobs.subList(0, 3)).allMatch(id -> status(second, id).equals("processing"));
                assertThat(restarted.get("alive").asInt()).isEqualTo(3);
                assertThat(restarted.get("launched").asInt()).isZero();
                assertThat(restarted.get("pending").asInt()).isEqualTo(7);

                await().atMost(Duration.ofSeconds(240)).pollInterval(Duration.ofMillis(500)).until(() ->
                        jobs.stream().allMatch(id -> status(second, id).equals("completed")));
                for (long id : jobs) {
                    assertThat(second.json("/api/jobs/" + id).at("/result/greeting").asText()).startsWith("Hello, ");
                }
                await().atMost(Duration.ofSeconds(60)).until(() -> liveWorkers() == 0);
                await().atMost(Duration.ofSeconds(10)).until(() -> second.json("/api/health").at("/controller/alive").asInt() == 0);
                JsonNode end = second.json("/api/health").get("controller");
                assertThat(end.get("launched").asInt()).isEqualTo(7);
                assertThat(end.get("failedStarts").asInt()).isZero();
            }
            assertThat(sampler.max.get()).as("worker processes alive at once, sampled; over 3: %s", sampler.over)
                    .isEqualTo(3);
            System.out.println("samples with more than 3 matching processes: " + sampler.over);
        }
        // Each worker ran one job, under its own name; the pid files are gone, the logs kept.
        try (var files = Files.list(home.resolve("workers/ctl-test"))) {
            List<String> names = files.map(p -> p.getFileName().toString()).toList();
            assertThat(names).noneMatch(n -> n.endsWith(".pid"));
            assertThat(names.stream().filter(n -> n.endsWith(".log"))).hasSize(10);
        }
    }

    @Test
    void aWorkerCommandThatCannotStartIsReportedAndRetriedWithGrowingPauses() {
        Map<String, String> env = env(Map.of("ROOMOTE_WORKER_COMMAND", "/nonexistent/java -jar roomote.jar worker --once",
                "ROOMOTE_CONTROLLER_BACKOFF", "500ms"));
        try (RunnerProcess controller = new RunnerProcess(home, home.resolve("controller.out"), env, "controller")) {
            controller.awaitHealthy(Duration.ofSeconds(60));
            long id = controller.enqueue("example.hello", "{\"name\":\"never started\"}");
            // Each failure sets a pause; record each one as health shows it (the controller's own clock).
            Map<Integer, Duration> pauses = new HashMap<>();
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> {
                JsonNode c = controller.json("/api/health").get("controller");
                if (c.get("backoffUntil").isTextual()) {
                    pauses.put(c.get("failedStarts").asInt(), Duration.between(Instant.parse(c.get("lastFailureAt").asText()),
                            Instant.parse(c.get("backoffUntil").asText())));
                }
                return c.get("failedStarts").asInt() >= 4;
            });
            // 0.5 s, 1 s, 2 s: one attempt per pause, doubling; a tight loop at the 200 ms poll would be many more.
            assertThat(pauses).containsEntry(1, Duration.ofMillis(500)).containsEntry(2, Duration.ofSeconds(1))
                    .containsEntry(3, Duration.ofSeconds(2));
            JsonNode health = controller.json("/api/health");
            assertThat(health.get("status").asText()).isEqualTo("ok");
            assertThat(health.get("warnings").toString()).contains("controller: workers failed to start");
            assertThat(health.get("controller").get("alive").asInt()).isZero();
            assertThat(status(controller, id)).isEqualTo("pending");
            assertThat(controller.output()).contains("the worker command's program /nonexistent/java is not an executable file");
            // The dashboard (open on loopback without a token) shows the reason, which health keeps to itself.
            String overview = controller.get("/admin/queues").body();
            assertThat(overview).contains("id=\"metric-controller\"").contains("is not an executable file")
                    .contains("id=\"controller-backoff\"");
            assertThat(health.toString()).doesNotContain("nonexistent");
        }
    }

    @Test
    void withoutDatabaseUrlTheWorkersUseTheControllersEmbeddedDatabaseWithItsPasswordOffTheirCommandLines() throws Exception {
        Map<String, String> env = env(Map.of("MAX_WORKERS", "2"));
        env.remove("DATABASE_URL");
        try (RunnerProcess controller = new RunnerProcess(home, home.resolve("controller.out"), env, "controller")) {
            controller.awaitHealthy(Duration.ofSeconds(90));
            long a = controller.enqueue("example.hello", "{\"name\":\"embedded a\",\"seconds\":2}");
            long b = controller.enqueue("example.hello", "{\"name\":\"embedded b\",\"seconds\":2}");
            String password = Files.readString(home.resolve("postgres-password")).trim();
            List<String> cmdlines = new ArrayList<>();
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(100)).until(() -> {
                ProcessHandle.allProcesses().forEach(p -> {
                    try {
                        String c = Files.readString(Path.of("/proc/" + p.pid() + "/cmdline"), StandardCharsets.ISO_8859_1);
                        if (c.contains("worker\0--once")) {
                            cmdlines.add(c);
                        }
                    } catch (IOException | RuntimeException gone) {
                        // exited meanwhile
                    }
                });
                return status(controller, a).equals("completed") && status(controller, b).equals("completed");
            });
            assertThat(cmdlines).isNotEmpty().noneMatch(c -> c.contains(password));
            assertThat(password).hasSizeGreaterThan(8);
        }
    }

    private static String status(RunnerProcess runner, long id) {
        return runner.json("/api/jobs/" + id).get("status").asText();
    }
}
