package io.roomote.jobs.github;

import io.roomote.jobs.github.git.TrustedRepository;

import java.io.IOException;
import java.time.Duration;
import java.util.Optional;

/**
 * What the agent left, as Roomote's own {@link TrustedRepository} holds it after the {@link AgentExport}: its
 * branches under {@code refs/agent/heads/}, its HEAD, the branch HEAD named, and — when it left changes
 * uncommitted — a WIP commit of them on top of HEAD. Everything Roomote asks or pushes after the agent goes
 * through here, never through the agent's workspace.
 *
 * <p>A branch whose tip the export left out (it was the job's base or one of its ancestors: nothing new) is
 * reported as absent, as is a branch of no new commit.
 */
public final class AgentWork {

    private final TrustedRepository repository;
    private final String head;
    private final Optional<String> currentBranch;
    private final Optional<String> wip;

    AgentWork(TrustedRepository repository, String head, Optional<String> currentBranch, Optional<String> wip) {
        this.repository = repository;
        this.head = head;
        this.currentBranch = currentBranch;
        this.wip = wip;
    }

    /** The trusted repository the work was fetched into: for ancestry, commits, changed files, pushes. */
    public TrustedRepository repository() {
        return repository;
    }

    /** The same work, each git command limited to {@code limit}. */
    public AgentWork withTimeout(Duration limit) {
        return new AgentWork(repository.withTimeout(limit), head, currentBranch, wip);
    }

    /** The commit the agent's HEAD was at. */
    public String head() {
        return head;
    }

    /** The branch the agent's HEAD named (empty: detached). */
    public Optional<String> currentBranch() {
        return currentBranch;
    }

    /** The tip of the agent's local {@code branch}, when it has commits the job's base has not. */
    public Optional<String> localBranch(String branch) throws IOException, InterruptedException {
        return repository.resolve(TrustedRepository.AGENT_HEADS + branch);
    }

    /** The ref to push for the agent's local {@code branch}. */
    public static String ref(String branch) {
        return TrustedRepository.AGENT_HEADS + branch;
    }

    /** Whether the agent left changes it did not commit (tracked or not, as {@code git status} would list them). */
    public boolean hasUncommittedChanges() {
        return wip.isPresent();
    }

    /**
     * The commit that holds all of the agent's work: with uncommitted changes, a commit of them on top of HEAD
     * with {@code message} (made here by Roomote from the export's snapshot of the working tree); else HEAD.
     */
    public String everything(String message) throws IOException, InterruptedException {
        if (wip.isEmpty()) {
            return head;
        }
        return repository.recommit(wip.get(), message);
    }
}
