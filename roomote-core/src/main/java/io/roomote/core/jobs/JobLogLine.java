package io.roomote.core.jobs;

import java.time.Instant;

/** One stored log line; {@code seq} orders the lines of a job and is the cursor for following. */
public record JobLogLine(long seq, long jobId, int attempt, String level, String line, Instant loggedAt) {
}
