package io.roomote.jobs.github;

import java.util.Locale;

/** How a fix job ended, as recorded in the result's {@code outcome}. Only PR_OPENED completes a job. */
public enum Outcome {
    /** A pull request for the work exists (opened by the agent or by Roomote). */
    PR_OPENED,
    /** The agent finished without changing anything. */
    NO_CHANGES,
    /** The branch was pushed but no pull request could be opened. */
    PUSHED_WITHOUT_PR,
    /** The agent failed, aborted or left its work uncommitted. */
    AGENT_FAILED,
    /** The deadline passed; work in progress was saved to a WIP branch when there was any. */
    TIMED_OUT,
    /** Cancelled; work in progress was saved to a WIP branch when there was any. */
    CANCELLED,
    /**
     * Stopped because the runner shut down: the job goes back to the queue (this attempt is not counted);
     * work in progress was saved to a WIP branch when there was any.
     */
    INTERRUPTED,
    /** Stopped because the queue took the job's lease back: another runner owns the job, nothing is recorded. */
    LEASE_LOST,
    /**
     * The job's model budget ({@code ROOMOTE_MAX_COST_USD}, {@code ROOMOTE_MAX_TOKENS}, or the payload's lower
     * limits) was used up: the gateway refused further calls and the agent was stopped; work in progress was
     * saved to a WIP branch when there was any.
     */
    BUDGET_EXCEEDED,
    /**
     * The repository's setup ({@code .roomote/setup.sh} or {@code ROOMOTE_SETUP_COMMAND}) exited non-zero or ran
     * past {@code ROOMOTE_SETUP_TIMEOUT}: the agent never started; the reason carries the setup's last output.
     */
    SETUP_FAILED,
    /** Nothing to do: the issue is closed, missing, or already has an open pull request from Roomote. */
    SKIPPED;

    public String value() {
        return name().toLowerCase(Locale.ROOT);
    }
}
