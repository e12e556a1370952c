package io.roomote.jobs.github;

import io.roomote.jobs.github.git.Git;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/** The questions Roomote asks of the job's working copy, answered by git itself. */
public final class Repository {

    private final Git git;
    private final Path dir;

    public Repository(Git git, Path dir) {
        this.git = git;
        this.dir = dir;
    }

    /** The same working copy, each git command limited to {@code limit}. */
    public Repository withTimeout(java.time.Duration limit) {
        return new Repository(git.withTimeout(limit), dir);
    }

    public Path dir() {
        return dir;
    }

    public String head() throws IOException, InterruptedException {
        return git.check(dir, "rev-parse", "HEAD");
    }

    public Optional<String> localBranch(String branch) throws IOException, InterruptedException {
        Git.Result r = git.run(dir, "rev-parse", "--verify", "--quiet", "refs/heads/" + branch);
        return r.ok() && !r.output().isBlank() ? Optional.of(r.output()) : Optional.empty();
    }

    public Optional<String> currentBranch() throws IOException, InterruptedException {
        Git.Result r = git.run(dir, "symbolic-ref", "--quiet", "--short", "HEAD");
        return r.ok() && !r.output().isBlank() ? Optional.of(r.output()) : Optional.empty();
    }

    /** The commit the remote has for {@code branch}, or empty. */
    public Optional<String> remoteBranch(String branch) throws IOException, InterruptedException {
        String out = git.check(dir, "ls-remote", "--heads", "origin", "refs/heads/" + branch);
        return out.isBlank() ? Optional.empty() : Optional.of(out.split("\\s+")[0]);
    }

    public int commitsBetween(String base, String tip) throws IOException, InterruptedException {
        return Integer.parseInt(git.check(dir, "rev-list", "--count", base + ".." + tip).trim());
    }

    /** The paths that differ between {@code base} and {@code tip}. */
    public java.util.List<String> changedFiles(String base, String tip) throws IOException, InterruptedException {
        return git.check(dir, "diff", "--name-only", base + ".." + tip).lines().filter(l -> !l.isBlank()).toList();
    }

    /** The messages of the commits between {@code base} and {@code tip}, oldest first, each as written. */
    public String commitMessages(String base, String tip) throws IOException, InterruptedException {
        return git.check(dir, "log", "--reverse", "--format=%B", base + ".." + tip).strip();
    }

    public boolean hasUncommittedChanges() throws IOException, InterruptedException {
        return !git.check(dir, "status", "--porcelain").isBlank();
    }

    public void push(String localRef, String remoteBranch) throws IOException, InterruptedException {
        git.check(dir, "push", "--quiet", "origin", localRef + ":refs/heads/" + remoteBranch);
    }

    /** Whether {@code ancestor} is {@code tip} or one of its ancestors (false when either is unknown here). */
    public boolean isAncestor(String ancestor, String tip) throws IOException, InterruptedException {
        return git.run(dir, "merge-base", "--is-ancestor", ancestor, tip).ok();
    }

    /** {@code git log --reverse --format=<format> base..tip}: the commits between them, oldest first. */
    public String log(String base, String tip, String format) throws IOException, InterruptedException {
        return git.check(dir, "log", "--reverse", "--format=" + format, base + ".." + tip);
    }

    /** Any other git command in the working copy; throws with git's words when it fails. */
    public String git(String... args) throws IOException, InterruptedException {
        return git.check(dir, args);
    }

    /** Commits everything that is not committed yet (hooks skipped: this is a safety net). */
    public void commitAll(String message) throws IOException, InterruptedException {
        git.check(dir, "add", "--all");
        git.check(dir, "commit", "--quiet", "--no-verify", "-m", message);
    }
}
