package io.roomote.jobs.github.revise;

import java.util.Locale;

/**
 * How a review round ended, as recorded in the result's {@code outcome}. The first four complete the job; the
 * others fail it (with the result kept). Every outcome where the agent ran used a round and got a reply on the PR.
 */
public enum ReviseOutcome {
    /** New commits were pushed to the pull request's branch and Roomote replied with them. */
    REVISED,
    /** The agent ran and changed nothing; the reply says why, in its words. */
    NO_CHANGES,
    /** Nothing new to address (another round already answered it): no agent, no round used, no reply. */
    NOTHING_TO_DO,
    /** The rounds ({@code ROOMOTE_MAX_REVISIONS}) are used up: the PR was handed back to people, no agent. */
    ROUND_LIMIT_REACHED,
    /** Not a round Roomote takes: no such PR, closed, from a fork, or not opened by Roomote. No agent. */
    SKIPPED,
    /** The repository's setup step ({@code .roomote/setup.sh} or {@code ROOMOTE_SETUP_COMMAND}) failed: no agent. */
    SETUP_FAILED,
    /** The agent rewrote the branch's pushed history (amend, rebase, reset): nothing was pushed. */
    HISTORY_REWRITTEN,
    /** Someone pushed to the branch meanwhile: the push was refused, the work saved to a WIP branch. */
    PUSH_REJECTED,
    /** The push failed for another reason; the work was saved to a WIP branch when possible. */
    PUSH_FAILED,
    /** The agent failed, or left its changes uncommitted (saved to a WIP branch). */
    AGENT_FAILED,
    /** The round's model budget was used up and the agent stopped; work saved to a WIP branch. */
    BUDGET_EXCEEDED,
    TIMED_OUT,
    CANCELLED,
    INTERRUPTED,
    LEASE_LOST;

    public String value() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether the job completes (rather than fails) with this outcome. */
    public boolean completes() {
        return this == REVISED || this == NO_CHANGES || this == NOTHING_TO_DO || this == ROUND_LIMIT_REACHED;
    }

    static ReviseOutcome of(io.roomote.jobs.github.Outcome stop) {
        return valueOf(stop.name());
    }
}
