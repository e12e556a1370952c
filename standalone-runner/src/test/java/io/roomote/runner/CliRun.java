package io.roomote.runner;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One run of {@code java io.roomote.runner.RoomoteCli ARGS} in a process of its own, as a user runs it, with
 * exactly the given environment (plus PATH): its exit code, stdout (the process log) and stderr.
 */
record CliRun(int code, String out, String err) {

    static CliRun run(Path dir, Map<String, String> env, String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx192m", "-cp", System.getProperty("java.class.path"), RoomoteCli.class.getName()));
        cmd.addAll(List.of(args));
        try {
            Files.createDirectories(dir);
            Path out = Files.createTempFile(dir, "cli", ".out");
            Path err = Files.createTempFile(dir, "cli", ".err");
            ProcessBuilder b = new ProcessBuilder(cmd).directory(dir.toFile())
                    .redirectOutput(out.toFile()).redirectError(err.toFile());
            b.environment().keySet().removeIf(k -> !k.equals("PATH"));
            b.environment().putAll(env);
            Process p = b.start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                throw new AssertionError("roomote " + String.join(" ", args) + " did not end within 120 s:\n"
                        + Files.readString(out));
            }
            return new CliRun(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** stderr without its final line break. */
    String errLine() {
        return err.strip();
    }
}
