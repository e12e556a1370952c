package io.roomote.agents.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Real git repositories for agent tests: a bare repository as {@code origin} and a working copy cloned from
 * it with one commit ({@code README.md}), as a job's workspace would be.
 */
public final class TestRepos {

    private TestRepos() {
    }

    /** A bare {@code origin.git} and a clone {@code workspace} under {@code root}; returns the workspace. */
    public static Path workspaceWithOrigin(Path root, String readme) throws IOException, InterruptedException {
        Path origin = root.resolve("origin.git");
        Path seed = root.resolve("seed");
        Path workspace = root.resolve("workspace");
        git(root, "init", "-q", "--bare", "-b", "main", origin.toString());
        git(root, "init", "-q", "-b", "main", seed.toString());
        configure(seed);
        Files.writeString(seed.resolve("README.md"), readme, StandardCharsets.UTF_8);
        git(seed, "add", "README.md");
        git(seed, "commit", "-q", "-m", "Initial commit");
        git(seed, "push", "-q", origin.toString(), "main");
        git(root, "clone", "-q", origin.toString(), workspace.toString());
        configure(workspace);
        return workspace;
    }

    public static Path origin(Path workspace) {
        return workspace.resolveSibling("origin.git");
    }

    private static void configure(Path repo) throws IOException, InterruptedException {
        git(repo, "config", "user.name", "Roomote Test");
        git(repo, "config", "user.email", "roomote-test@example.invalid");
        git(repo, "config", "commit.gpgsign", "false");
    }

    /** Runs git in {@code dir} and returns its trimmed stdout; fails on a non-zero exit. */
    public static String git(Path dir, String... args) throws IOException, InterruptedException {
        List<String> argv = new ArrayList<>(List.of("git"));
        argv.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(argv).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().put("GIT_TERMINAL_PROMPT", "0");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("git " + String.join(" ", args) + " failed in " + dir + ": " + out);
        }
        return out.strip();
    }

    /** Like {@link #git} but returns null instead of failing (e.g. a ref that does not exist). */
    public static String gitOrNull(Path dir, String... args) throws InterruptedException {
        try {
            return git(dir, args);
        } catch (IOException e) {
            return null;
        }
    }
}
