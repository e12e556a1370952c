package io.roomote.jobs.github.git;

import io.roomote.core.config.Durations;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real {@code git} with a fixed, minimal environment (no inherited secrets, no prompts) and a time
 * limit. Credentials reach git only through {@code GIT_ASKPASS} reading an environment variable, never
 * through a URL, an argument or a config file. Whatever the caller's environment says, git reads no system or
 * global config and no replace refs: Roomote's git runs only in repositories Roomote alone writes (the mirror
 * cache, a working copy before any sandboxed process ran in it, a {@link TrustedRepository}), and their own config
 * is Roomote's.
 */
public final class Git {

    /** Output of one git command. */
    public record Result(int exitCode, String output) {
        public boolean ok() {
            return exitCode == 0;
        }
    }

    /** The environment of each git command, read afresh for every one (a token may have been replaced meanwhile). */
    @FunctionalInterface
    public interface Environment {
        Map<String, String> get() throws IOException;
    }

    /**
     * Set on every git command, over the caller's environment. The system config ({@code /etc/gitconfig}) is still
     * read: it is the operator's (proxies, CA bundles, the worker image's {@code safe.directory}) and read-only to
     * every sandbox; a global config never is, whatever HOME a caller passes.
     */
    static final Map<String, String> FIXED = Map.of("GIT_CONFIG_GLOBAL", "/dev/null",
            "GIT_NO_REPLACE_OBJECTS", "1", "GIT_TERMINAL_PROMPT", "0");

    private final Environment environment;
    private final Duration timeout;

    public Git(Map<String, String> environment, Duration timeout) {
        Map<String, String> fixed = Map.copyOf(environment);
        this.environment = () -> fixed;
        this.timeout = timeout;
    }

    public Git(Environment environment, Duration timeout) {
        this.environment = environment;
        this.timeout = timeout;
    }

    /** Runs {@code git args…} in {@code dir}; never throws for a non-zero exit. */
    public Result run(Path dir, String... args) throws IOException, InterruptedException {
        List<String> argv = new ArrayList<>();
        argv.add("git");
        argv.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true).redirectInput(new File("/dev/null"));
        if (dir != null) {
            pb.directory(dir.toFile());
        }
        pb.environment().clear();
        pb.environment().putAll(environment.get());
        pb.environment().putAll(FIXED);
        Process p = pb.start();
        // Read on another thread: reading to the end would wait for git however long it hangs.
        CompletableFuture<byte[]> out = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (var in = p.getInputStream()) {
                out.complete(in.readAllBytes());
            } catch (IOException e) {
                out.complete(new byte[0]);
            }
        }, "git-output");
        reader.setDaemon(true);
        reader.start();
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            // git's helpers (remote-http, pack-objects, ssh) hold the pipe too: end them all.
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            return new Result(124, "git " + args[0] + " timed out after " + Durations.describe(timeout));
        }
        reader.join(TimeUnit.SECONDS.toMillis(5));
        return new Result(p.exitValue(), new String(out.getNow(new byte[0]), StandardCharsets.UTF_8).strip());
    }

    /** The same git with another time limit per command. */
    public Git withTimeout(Duration limit) {
        return new Git(environment, limit);
    }

    /** Like {@link #run} but throws {@link GitException} with git's own message when it fails. */
    public String check(Path dir, String... args) throws IOException, InterruptedException {
        Result r = run(dir, args);
        if (!r.ok()) {
            throw new GitException("git " + String.join(" ", args) + " failed (exit " + r.exitCode() + "): " + r.output());
        }
        return r.output();
    }
}
