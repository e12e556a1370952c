package io.roomote.controller.process;

import io.roomote.controller.LaunchedWorker;
import io.roomote.controller.ReapedWorker;
import io.roomote.controller.WorkerSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The process launcher with real child processes (a small shell script stands in for {@code roomote worker
 * --once}: it prints, sleeps and exits with the code its environment asks for). Everything here is real: the
 * processes, pid files, sessions, /proc.
 */
class ProcessLauncherTest {

    @TempDir
    Path dir;

    private final List<ProcessHandle> started = new ArrayList<>();

    @AfterEach
    void killLeftovers() {
        started.forEach(ProcessHandle::destroyForcibly);
    }

    private Path script() throws IOException {
        Path s = dir.resolve("fake-worker.sh");
        if (Files.exists(s)) {
            return s; // running: it cannot be rewritten
        }
        Files.writeString(s, "#!/bin/sh\necho \"worker $ROOMOTE_WORKER_NAME home $ROOMOTE_HOME token-length ${#GH_TOKEN}\"\n"
                + "sleep \"${SLEEP:-0}\"\nexit \"${CODE:-0}\"\n");
        Files.setPosixFilePermissions(s, PosixFilePermissions.fromString("rwx------"));
        return s;
    }

    private ProcessLauncher launcher() throws IOException {
        return new ProcessLauncher(dir.resolve("workers"), List.of(script().toString()), Map.of("ROOMOTE_HOME", dir.toString()));
    }

    private static WorkerSpec spec(String name, String sleep, String code) {
        return new WorkerSpec("ctl", name, Map.of("SLEEP", sleep, "CODE", code, "ROOMOTE_WORKER_NAME", name),
                Map.of("GH_TOKEN", "ghp_0123456789abcdef"));
    }

    @Test
    void aWorkerRunsInItsOwnSessionWithSecretsInItsEnvironmentOnlyAndIsReapedWithItsExitCode() throws Exception {
        ProcessLauncher launcher = launcher();
        LaunchedWorker w = launcher.launch(spec("w1", "2", "3"));
        long pid = Long.parseLong(w.id());
        started.add(ProcessHandle.of(pid).orElseThrow());

        Path pidFile = dir.resolve("workers/ctl/w1.pid");
        assertThat(Files.readString(pidFile).trim()).startsWith(pid + " ");
        assertThat(launcher.alive("ctl")).extracting(LaunchedWorker::workerName).containsExactly("w1");
        assertThat(launcher.reap("ctl")).isEmpty();

        // Its own session (setsid): a signal to the controller's process group does not reach it. The child
        // calls setsid() just after it starts, so a busy machine can show the parent's session for a moment
        // (CI once read 0: the runner's session leader lies outside its pid namespace).
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(sessionOf(pid)).as("session id").isEqualTo(pid));
        // The secret is in the environment, never on the command line.
        String cmdline = Files.readString(Path.of("/proc/" + pid + "/cmdline")).replace('\0', ' ');
        assertThat(cmdline).contains("fake-worker.sh").doesNotContain("ghp_");
        assertThat(new String(Files.readAllBytes(Path.of("/proc/" + pid + "/environ")), StandardCharsets.UTF_8))
                .contains("GH_TOKEN=ghp_0123456789abcdef");

        await().atMost(Duration.ofSeconds(20)).until(() -> launcher.alive("ctl").isEmpty());
        List<ReapedWorker> reaped = launcher.reap("ctl");
        assertThat(reaped).containsExactly(new ReapedWorker(String.valueOf(pid), "w1", OptionalInt.of(3)));
        assertThat(pidFile).doesNotExist();
        assertThat(launcher.reap("ctl")).isEmpty();
        assertThat(Files.readString(dir.resolve("workers/ctl/w1.log")))
                .contains("worker w1 home " + dir + " token-length 20");
    }

    private static long sessionOf(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[3]);
    }

    @Test
    void aNewLauncherCountsWorkersItDidNotStartAndReapsThemWithoutAnExitCode() throws Exception {
        ProcessLauncher first = launcher();
        LaunchedWorker w = first.launch(spec("w2", "60", "0"));
        ProcessHandle handle = ProcessHandle.of(Long.parseLong(w.id())).orElseThrow();
        started.add(handle);

        // What a restarted controller builds: nothing in memory, only the pid files.
        ProcessLauncher restarted = launcher();
        assertThat(restarted.alive("ctl")).extracting(LaunchedWorker::workerName).containsExactly("w2");
        assertThat(restarted.alive("other-controller")).isEmpty();

        handle.destroyForcibly();
        await().atMost(Duration.ofSeconds(20)).until(() -> restarted.alive("ctl").isEmpty());
        assertThat(restarted.reap("ctl")).containsExactly(new ReapedWorker(w.id(), "w2", OptionalInt.empty()));
    }

    @Test
    void aPidTheSystemGaveToAnotherProcessIsNotTakenForTheWorker() throws Exception {
        ProcessLauncher launcher = launcher();
        Path workers = Files.createDirectories(dir.resolve("workers/ctl"));
        // This test's own JVM is alive, but it started at another time than the pid file says.
        long me = ProcessHandle.current().pid();
        long myStart = ProcessHandle.current().info().startInstant().orElseThrow().toEpochMilli();
        Files.writeString(workers.resolve("recycled.pid"), me + " " + (myStart - 3_600_000) + "\n");
        Files.writeString(workers.resolve("same.pid"), me + " " + myStart + "\n");
        Files.writeString(workers.resolve("garbage.pid"), "not a pid\n");

        assertThat(launcher.alive("ctl")).extracting(LaunchedWorker::workerName).containsExactly("same");
        assertThat(launcher.reap("ctl")).extracting(ReapedWorker::workerName).containsExactly("recycled");
        assertThat(workers.resolve("recycled.pid")).doesNotExist();
        assertThat(workers.resolve("same.pid")).exists();
    }

    @Test
    void aCommandThatCannotRunFailsTheLaunchWithOneClearLineAndLeavesNoPidFile() {
        ProcessLauncher launcher = new ProcessLauncher(dir.resolve("workers"), List.of("/nonexistent/java", "-jar", "x.jar"),
                Map.of());
        assertThatThrownBy(() -> launcher.launch(spec("w3", "0", "0")))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("/nonexistent/java is not an executable file")
                .hasMessageContaining("ROOMOTE_WORKER_COMMAND");
        ProcessLauncher notOnPath = new ProcessLauncher(dir.resolve("workers"), List.of("no-such-program-here"), Map.of());
        assertThatThrownBy(() -> notOnPath.launch(spec("w4", "0", "0"))).hasMessageContaining("not on PATH");
        assertThat(dir.resolve("workers/ctl/w3.pid")).doesNotExist();
    }

    @Test
    void anExitWakesTheListener() throws Exception {
        ProcessLauncher launcher = launcher();
        java.util.concurrent.atomic.AtomicInteger exits = new java.util.concurrent.atomic.AtomicInteger();
        launcher.onWorkerExit(exits::incrementAndGet);
        launcher.launch(spec("w5", "0", "0"));
        await().atMost(Duration.ofSeconds(20)).until(() -> exits.get() == 1);
    }
}
