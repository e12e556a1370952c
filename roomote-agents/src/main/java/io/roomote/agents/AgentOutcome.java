package io.roomote.agents;

import java.util.Objects;

/**
 * What the agent reported. Not a verdict on the work: the job type checks the repository and GitHub itself.
 *
 * @param message a short human explanation (exit code, abort reason, last words)
 */
public record AgentOutcome(Status status, String message, AgentUsage usage) {

    public enum Status {
        /** The agent says it finished (process exited 0, or the top-level task completed). */
        FINISHED,
        /** The agent aborted its task (e.g. Roo Code's taskAborted). */
        ABORTED,
        /** The agent failed: non-zero exit, crash, lost connection. */
        FAILED,
        /** Roomote stopped it: cancellation, deadline, shutdown. */
        STOPPED
    }

    public AgentOutcome {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(message, "message");
        usage = usage == null ? AgentUsage.UNKNOWN : usage;
    }
}
