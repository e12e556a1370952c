package io.roomote.jobs.github.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Real bare git repositories under one folder, standing for GitHub's git server: {@code file://<root>} is
 * the {@code GITHUB_SERVER_URL}, so {@code <root>/owner/repo.git} is what Roomote clones and pushes to.
 */
public final class GitRemotes {

    private final Path root;

    public GitRemotes(Path root) {
        this.root = root;
    }

    public String serverUrl() {
        return root.toUri().toString().replaceAll("/$", "");
    }

    public Path root() {
        return root;
    }

    /** A bare repository whose main branch has one commit with {@code file} = {@code content}. */
    public Path create(String repo, String file, String content) throws IOException, InterruptedException {
        Path bare = root.resolve(repo + ".git");
        Files.createDirectories(bare);
        git(null, "init", "--quiet", "--bare", "--initial-branch=main", bare.toString());
        Path seed = Files.createTempDirectory("seed");
        git(null, "init", "--quiet", "--initial-branch=main", seed.toString());
        Files.writeString(seed.resolve(file), content, StandardCharsets.UTF_8);
        git(seed, "add", ".");
        git(seed, "-c", "user.name=Seed", "-c", "user.email=seed@example.com", "commit", "--quiet", "-m", "initial");
        git(seed, "push", "--quiet", bare.toUri().toString(), "main");
        return bare;
    }

    /**
     * Commits {@code file} = {@code content} on {@code branch} of a bare remote (created from main when it does not
     * exist) as {@code author} would push it; returns the new commit.
     */
    public String commit(String repo, String branch, String file, String content, String message)
            throws IOException, InterruptedException {
        Path work = Files.createTempDirectory("push");
        git(null, "clone", "--quiet", root.resolve(repo + ".git").toUri().toString(), work.toString());
        boolean exists = !git(work, "ls-remote", "--heads", "origin", branch).isBlank();
        git(work, "checkout", "--quiet", exists ? branch : "-b", exists ? "--" : branch);
        Files.writeString(work.resolve(file), content, StandardCharsets.UTF_8);
        git(work, "add", ".");
        git(work, "-c", "user.name=Roomote", "-c", "user.email=roomote@users.noreply.github.com", "commit", "--quiet",
                "-m", message);
        git(work, "push", "--quiet", "origin", branch);
        return git(work, "rev-parse", "HEAD");
    }

    /** Output of a git command in a bare remote, e.g. {@code show main:file}; throws on failure. */
    public String inRemote(String repo, String... args) throws IOException, InterruptedException {
        List<String> argv = new ArrayList<>(List.of("--git-dir", root.resolve(repo + ".git").toString()));
        argv.addAll(List.of(args));
        return git(null, argv.toArray(String[]::new));
    }

    /** Branch names on a remote. */
    public List<String> branches(String repo) throws IOException, InterruptedException {
        String out = inRemote(repo, "for-each-ref", "--format=%(refname:short)", "refs/heads");
        return out.isBlank() ? List.of() : List.of(out.split("\n"));
    }

    static String git(Path dir, String... args) throws IOException, InterruptedException {
        List<String> argv = new ArrayList<>();
        argv.add("git");
        argv.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true);
        if (dir != null) {
            pb.directory(dir.toFile());
        }
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (p.waitFor() != 0) {
            throw new IOException("git " + String.join(" ", args) + " failed: " + out);
        }
        return out;
    }
}
