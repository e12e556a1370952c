package io.roomote.core.worker;

import io.roomote.core.metrics.JobMetrics.AttemptOutcome;

/**
 * The one job a single-job worker ({@code roomote worker --once}) ran: which, its attempt number and how the
 * attempt ended, as recorded in the database ({@code LEASE_LOST}: not recorded by this worker).
 */
public record OnceResult(long jobId, String type, int attempt, AttemptOutcome outcome) {

    /** Whether this worker recorded the attempt's outcome (whatever it was). */
    public boolean recorded() {
        return outcome != AttemptOutcome.LEASE_LOST;
    }
}
