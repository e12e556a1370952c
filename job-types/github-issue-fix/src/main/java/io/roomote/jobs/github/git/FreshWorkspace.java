package io.roomote.jobs.github.git;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The job's working copy as Roomote made it from the mirror cache, before any sandboxed process (the repository's
 * setup, the agent) ran in it: the only time Roomote runs git there. {@link #handOver} ends that time: from then
 * on its {@code .git} is the agent's, every call here fails, and the agent's work reaches Roomote only through the
 * sandboxed export into a {@link TrustedRepository}.
 */
public final class FreshWorkspace {

    private final Git git;
    private final Path dir;
    private boolean handedOver;

    public FreshWorkspace(Git git, Path dir) {
        this.git = git;
        this.dir = dir;
    }

    public synchronized String head() throws IOException, InterruptedException {
        return git.check(open(), "rev-parse", "HEAD");
    }

    public synchronized Optional<String> currentBranch() throws IOException, InterruptedException {
        Git.Result r = git.run(open(), "symbolic-ref", "--quiet", "--short", "HEAD");
        return r.ok() && !r.output().isBlank() ? Optional.of(r.output()) : Optional.empty();
    }

    /** The commit the remote has for {@code branch}, or empty. */
    public synchronized Optional<String> remoteBranch(String branch) throws IOException, InterruptedException {
        String out = git.check(open(), "ls-remote", "--heads", "origin", "refs/heads/" + branch);
        return out.isBlank() ? Optional.empty() : Optional.of(out.split("\\s+")[0]);
    }

    /** {@code git checkout -B branch commit}. */
    public synchronized void checkout(String branch, String commit) throws IOException, InterruptedException {
        git.check(open(), "checkout", "--quiet", "-B", branch, commit);
    }

    /** The folder, for the sandboxed processes that work in it from now on; Roomote's git no longer runs there. */
    public synchronized Path handOver() {
        handedOver = true;
        return dir;
    }

    private Path open() {
        if (handedOver) {
            throw new IllegalStateException("the workspace was handed to sandboxed processes: Roomote runs no git"
                    + " in it any more (use the job's TrustedRepository)");
        }
        return dir;
    }
}
