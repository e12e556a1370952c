package io.roomote.controller.docker;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One finished engine command ({@code docker ps}, {@code docker run}, …), run with a time limit so that a hung
 * engine cannot hold up the controller's loop.
 *
 * @param exitCode the exit code, or -1 when it could not start or ran out of time
 * @param output   standard output
 * @param error    standard error, or why it did not run
 */
record CommandResult(int exitCode, String output, String error) {

    boolean succeeded() {
        return exitCode == 0;
    }

    /** The first non-blank line of standard error (else of the output): the engine's own reason, in one line. */
    String firstErrorLine() {
        for (String text : List.of(error, output)) {
            for (String line : text.split("\n")) {
                if (!line.isBlank()) {
                    return line.strip();
                }
            }
        }
        return "exit code " + exitCode;
    }

    /** Runs {@code argv} with this JVM's environment (DOCKER_HOST and friends), stdin from /dev/null. */
    static CommandResult run(List<String> argv, Duration timeout) {
        Process process;
        try {
            process = new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        } catch (IOException e) {
            return new CommandResult(-1, "", "could not start " + argv.get(0) + ": " + e.getMessage());
        }
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> drain(process.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> drain(process.getErrorStream()));
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                return new CommandResult(-1, "", argv.get(0) + " " + argv.get(1) + " did not finish within "
                        + timeout.toSeconds() + " s");
            }
            return new CommandResult(process.exitValue(), out.get(5, TimeUnit.SECONDS), err.get(5, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            return new CommandResult(-1, "", "interrupted");
        } catch (Exception e) {
            // The output could not be read in time although the command ended (a child kept the pipe open).
            return new CommandResult(process.exitValue(), "", "");
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
