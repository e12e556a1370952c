package io.roomote.bench.api;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's {@code wrk} posting jobs with {@code post.lua} (a resource next to this class): one run, its output
 * kept verbatim and read by {@link WrkOutput}. The API token reaches the script through the environment, not a
 * file or the command line.
 */
final class Wrk {

    static final String SCRIPT = "post.lua";

    private final String executable;
    private final Path script;

    private Wrk(String executable, Path script) {
        this.executable = executable;
        this.script = script;
    }

    /** Writes the Lua script into {@code dir}. */
    static Wrk in(Path dir, String executable) throws IOException {
        Path script = dir.resolve(SCRIPT);
        try (InputStream in = Wrk.class.getResourceAsStream(SCRIPT)) {
            if (in == null) {
                throw new IOException("resource " + SCRIPT + " is missing from the bench jar");
            }
            Files.write(script, in.readAllBytes());
        }
        return new Wrk(executable, script);
    }

    /** The first line of {@code wrk --version}, e.g. {@code wrk debian/4.1.0-3+b2 [epoll] …}. */
    static String version(String executable) {
        try {
            Process p = new ProcessBuilder(executable, "--version").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(10, TimeUnit.SECONDS);
            return out.lines().findFirst().orElse("unknown").replaceAll("\\s+Copyright.*", "").trim();
        } catch (IOException e) {
            return "not found";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }

    /** The command line of one run (without the token, which goes in the environment). */
    List<String> command(String url, int threads, int connections, Duration duration, Duration timeout, String runTag) {
        List<String> cmd = new ArrayList<>(List.of(executable, "-t" + threads, "-c" + connections,
                "-d" + duration.toSeconds() + "s", "--timeout", timeout.toSeconds() + "s", "--latency",
                "-s", script.toString(), url, "--", runTag));
        return cmd;
    }

    /**
     * Runs wrk to the end; its whole output (stdout and stderr). {@code showUnusual}: the script also prints the
     * first answer of status 300 or more of each thread (it then reads every answer).
     */
    WrkOutput run(String url, int threads, int connections, Duration duration, Duration timeout, String runTag,
                  String token, boolean showUnusual) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command(url, threads, connections, duration, timeout, runTag))
                .redirectErrorStream(true);
        builder.environment().put("ROOMOTE_BENCH_TOKEN", token);
        builder.environment().put("ROOMOTE_BENCH_STATUSES", showUnusual ? "1" : "0");
        Process p = builder.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(duration.toSeconds() + 60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("wrk did not end within " + (duration.toSeconds() + 60) + " s");
        }
        if (p.exitValue() != 0) {
            throw new IOException("wrk exited with " + p.exitValue() + ":\n" + out);
        }
        return WrkOutput.parse(out);
    }
}
