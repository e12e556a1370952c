package io.roomote.bench.soak;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One incarnation of a runner process ({@code java -jar roomote.jar worker}) of the soak. Its id in
 * {@code cloud_jobs.lease_owner} is set by the soak, so the jobs it held when it was killed can be found.
 * Only this process is ever signalled, by its own pid.
 */
final class RunnerProcess {

    private final String id;
    private final Process process;
    private final Path log;
    private boolean ready;

    private RunnerProcess(String id, Process process, Path log) {
        this.id = id;
        this.process = process;
        this.log = log;
    }

    /**
     * @param env the runner's whole environment: nothing of the soak's own (tokens, a .env) is passed on, and
     *            it runs in {@code dir}, where there is no .env file
     */
    static RunnerProcess start(String id, Path runnerJar, Path dir, Map<String, String> env) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-jar", runnerJar.toString(), "worker"));
        Path log = dir.resolve(id + ".log");
        ProcessBuilder builder = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().clear();
        builder.environment().putAll(env);
        builder.environment().put("ROOMOTE_RUNNER_ID", id);
        return new RunnerProcess(id, builder.start(), log);
    }

    String id() {
        return id;
    }

    long pid() {
        return process.pid();
    }

    /** True once its worker pool has started (its log says so): from then on it claims jobs. */
    boolean isReady() {
        if (!ready && process.isAlive()) {
            try {
                ready = Files.readString(log).contains("worker " + id + " started");
            } catch (IOException e) {
                return false;
            }
        }
        return ready && process.isAlive();
    }

    void awaitReady(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!isReady()) {
            if (!process.isAlive()) {
                throw new IllegalStateException("runner " + id + " exited at start (exit code " + process.exitValue() + "); see " + log);
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("runner " + id + " did not start within " + timeout.toSeconds() + " s; see " + log);
            }
            Thread.sleep(200);
        }
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** kill -9, and waits until it is gone. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    void pause() throws InterruptedException {
        DebianPostgres.signal(process.pid(), "STOP");
    }

    void resume() throws InterruptedException {
        DebianPostgres.signal(process.pid(), "CONT");
    }

    /** SIGTERM (a graceful stop), then kill -9 after {@code seconds}. */
    void stop(int seconds) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            kill();
        }
    }
}
