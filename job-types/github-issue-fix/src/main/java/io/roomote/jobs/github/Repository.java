package io.roomote.jobs.github;

import io.roomote.jobs.github.git.Git;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/** The questions Roomote asks of the job's working copy, answered by git itself. */
final class Repository {

    private final Git git;
    private final Path dir;

    Repository(Git git, Path dir) {
        this.git = git;
        this.dir = dir;
    }

    /** The same working copy, each git command limited to {@code limit}. */
    Repository withTimeout(java.time.Duration limit) {
        return new Repository(git.withTimeout(limit), dir);
    }

    Path dir() {
        return dir;
    }

    String head() throws IOException, InterruptedException {
        return git.check(dir, "rev-parse", "HEAD");
    }

    Optional<String> localBranch(String branch) throws IOException, InterruptedException {
        Git.Result r = git.run(dir, "rev-parse", "--verify", "--quiet", "refs/heads/" + branch);
        return r.ok() && !r.output().isBlank() ? Optional.of(r.output()) : Optional.empty();
    }

    Optional<String> currentBranch() throws IOException, InterruptedException {
        Git.Result r = git.run(dir, "symbolic-ref", "--quiet", "--short", "HEAD");
        return r.ok() && !r.output().isBlank() ? Optional.of(r.output()) : Optional.empty();
    }

    /** The commit the remote has for {@code branch}, or empty. */
    Optional<String> remoteBranch(String branch) throws IOException, InterruptedException {
        String out = git.check(dir, "ls-remote", "--heads", "origin", "refs/heads/" + branch);
        return out.isBlank() ? Optional.empty() : Optional.of(out.split("\\s+")[0]);
    }

    int commitsBetween(String base, String tip) throws IOException, InterruptedException {
        return Integer.parseInt(git.check(dir, "rev-list", "--count", base + ".." + tip).trim());
    }

    /** The paths that differ between {@code base} and {@code tip}. */
    java.util.List<String> changedFiles(String base, String tip) throws IOException, InterruptedException {
        return git.check(dir, "diff", "--name-only", base + ".." + tip).lines().filter(l -> !l.isBlank()).toList();
    }

    /** The messages of the commits between {@code base} and {@code tip}, oldest first, each as written. */
    String commitMessages(String base, String tip) throws IOException, InterruptedException {
        return git.check(dir, "log", "--reverse", "--format=%B", base + ".." + tip).strip();
    }

    boolean hasUncommittedChanges() throws IOException, InterruptedException {
        return !git.check(dir, "status", "--porcelain").isBlank();
    }

    void push(String localRef, String remoteBranch) throws IOException, InterruptedException {
        git.check(dir, "push", "--quiet", "origin", localRef + ":refs/heads/" + remoteBranch);
    }

    /** Commits everything that is not committed yet (hooks skipped: this is a safety net). */
    void commitAll(String message) throws IOException, InterruptedException {
        git.check(dir, "add", "--all");
        git.check(dir, "commit", "--quiet", "--no-verify", "-m", message);
    }
}
