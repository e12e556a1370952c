package io.roomote.core.host;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs a short host command (a probe, {@code docker rm -f}, {@code docker ps}) with a time limit, so that a hung
 * engine or binary cannot hold up a job, the runner's start or the controller's loop.
 *
 * @param exitCode the command's exit code, or -1 when it could not start or ran out of time
 * @param output   its standard output
 * @param error    its standard error, or why it did not run
 */
public record HostCommand(int exitCode, String output, String error) {

    public boolean succeeded() {
        return exitCode == 0;
    }

    /** The first non-blank line of the error output (or of the output), for one-line messages. */
    public String firstErrorLine() {
        for (String text : List.of(error, output)) {
            for (String line : text.split("\n")) {
                if (!line.isBlank()) {
                    return line.strip();
                }
            }
        }
        return "exit code " + exitCode;
    }

    /** Runs {@code argv} with this JVM's environment, stdin from /dev/null; kills it after {@code timeout}. */
    public static HostCommand run(List<String> argv, Duration timeout) {
        Process process;
        try {
            process = new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        } catch (IOException e) {
            return new HostCommand(-1, "", "could not start " + argv.get(0) + ": " + e.getMessage());
        }
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> drain(process.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> drain(process.getErrorStream()));
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                // The program and its sub-command (docker ps, docker run): which call hung.
                return new HostCommand(-1, "", String.join(" ", argv.subList(0, Math.min(2, argv.size())))
                        + " did not finish within " + timeout.toSeconds() + " s");
            }
            return new HostCommand(process.exitValue(), out.get(5, TimeUnit.SECONDS), err.get(5, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            return new HostCommand(-1, "", "interrupted");
        } catch (Exception e) {
            // The output could not be read in time although the command ended (a child kept the pipe open).
            return new HostCommand(process.exitValue(), "", "");
        }
    }

    private static String drain(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
