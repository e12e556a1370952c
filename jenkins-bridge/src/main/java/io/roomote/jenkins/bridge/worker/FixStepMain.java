package io.roomote.jenkins.bridge.worker;

import io.roomote.jenkins.bridge.step.FixStepResult;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.roomote.core.execution.CancellationSignal;
import io.roomote.core.logging.LogSink;
import io.roomote.spi.Cancellation;
import io.roomote.spi.JobLogger;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The worker process the Jenkins step starts on the build's node (in its container, if any):
 * {@code java -cp … io.roomote.jenkins.bridge.worker.FixStepMain <controlDir>}. It speaks {@link WorkerProtocol}:
 * reads the request and the secrets (deleting the secrets file at once), streams the job's log (already
 * redacted) to standard output, stops the job when the step creates the cancel file or the process gets
 * SIGTERM, and writes the result file last. Exit code 0 whenever a result file was written.
 */
public final class FixStepMain {

    static final Duration POLL = Duration.ofMillis(300);

    private FixStepMain() {
    }

    public static void main(String[] args) {
        if (args.length != 1) {
            System.err.println("usage: FixStepMain <control folder>");
            System.exit(2);
        }
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true, StandardCharsets.UTF_8);
        System.exit(run(Path.of(args[0]), out, FixStepRun.discover(), true));
    }

    /** Runs the job described in {@code control}; returns the exit code. */
    static int run(Path control, PrintStream out, FixStepRun runner, boolean installShutdownHook) {
        ObjectMapper mapper = new ObjectMapper();
        WorkerProtocol.Request request;
        Map<String, String> secrets;
        try {
            request = WorkerProtocol.Request.fromJson(mapper, Files.readString(control.resolve(WorkerProtocol.REQUEST)));
            secrets = readAndDeleteSecrets(mapper, control.resolve(WorkerProtocol.SECRETS));
        } catch (IOException | RuntimeException e) {
            out.println("roomote: cannot read the request in " + control + ": " + e);
            return 2;
        }
        CancellationSignal signal = new CancellationSignal();
        CountDownLatch done = new CountDownLatch(1);
        Duration grace = Duration.ofSeconds(Math.max(1, request.cancelGraceSeconds()));
        Thread watcher = new Thread(() -> watchForCancel(control, signal, done, out), "roomote-cancel-watcher");
        watcher.setDaemon(true);
        watcher.start();
        Thread hook = new Thread(() -> {
            // SIGTERM (e.g. a kill from the step as a last resort): stop the agent and let the job save its work.
            if (signal.fire(Cancellation.Reason.CANCELLED)) {
                out.println("roomote: terminated; stopping the job");
            }
            try {
                done.await(grace.toMillis() + 5_000, TimeUnit.MILLISECONDS);
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        }, "roomote-shutdown");
        if (installShutdownHook) {
            Runtime.getRuntime().addShutdownHook(hook);
        }
        Map<String, String> settings = new HashMap<>(request.settings());
        settings.putAll(secrets);
        // The control folder holds secrets.json: a sandboxed agent must not see it, wherever the workspace is.
        settings.merge("ROOMOTE_SANDBOX_HIDE", control.toAbsolutePath().toString(), (a, b) -> a + ":" + b);
        LogSink sink = (jobId, attempt, level, line) -> {
            synchronized (out) {
                out.println(level == JobLogger.Level.INFO ? line : level.name() + ": " + line);
            }
        };
        FixStepResult result;
        try {
            writeState(mapper, control, "running", request.jobId());
            result = runner.run(request.jobId(), request.repo(), request.issue(), request.payload(), settings,
                    Duration.ofSeconds(request.timeoutSeconds()), grace, Path.of(request.workRoot()), sink, signal);
        } catch (RuntimeException | IOException e) {
            result = FixStepResult.failedWithoutResult(request.jobId(), request.repo(), request.issue(),
                    "the Roomote worker failed: " + e);
        }
        try {
            writeAtomically(control.resolve(WorkerProtocol.RESULT), mapper.writerWithDefaultPrettyPrinter().writeValueAsString(result));
            writeState(mapper, control, "finished", request.jobId());
            out.println(result.summary());
            return 0;
        } catch (IOException e) {
            out.println("roomote: cannot write the result into " + control + ": " + e);
            return 3;
        } finally {
            done.countDown();
            if (installShutdownHook) {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException ignored) {
                    // already shutting down
                }
            }
        }
    }

    private static Map<String, String> readAndDeleteSecrets(ObjectMapper mapper, Path file) throws IOException {
        if (!Files.exists(file)) {
            return Map.of();
        }
        try {
            return mapper.readValue(Files.readString(file), new TypeReference<Map<String, String>>() {
            });
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** Polls for the cancel file (and for the control folder vanishing: the step is gone). */
    private static void watchForCancel(Path control, CancellationSignal signal, CountDownLatch done, PrintStream out) {
        Path cancel = control.resolve(WorkerProtocol.CANCEL);
        try {
            while (!done.await(POLL.toMillis(), TimeUnit.MILLISECONDS)) {
                if (Files.exists(cancel) || !Files.isDirectory(control)) {
                    if (signal.fire(Cancellation.Reason.CANCELLED)) {
                        out.println("roomote: cancel requested by the build; stopping the agent and keeping its work");
                    }
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void writeState(ObjectMapper mapper, Path control, String state, long jobId) throws IOException {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("state", state);
        s.put("jobId", jobId);
        s.put("pid", ProcessHandle.current().pid());
        s.put("at", Instant.now().toString());
        writeAtomically(control.resolve(WorkerProtocol.STATE), mapper.writeValueAsString(s));
    }

    private static void writeAtomically(Path target, String content) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        Files.writeString(tmp, content, StandardCharsets.UTF_8);
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
