package io.roomote.core.execution;

import com.fasterxml.jackson.databind.JsonNode;
import io.roomote.core.logging.LogSink;

import java.time.Duration;
import java.util.Objects;

/**
 * One attempt of one job, as {@link JobRunner} needs it: no queue involved. The Jenkins step and the worker
 * pool both build these.
 *
 * @param timeout      the job is cancelled with reason TIMED_OUT this long after it starts
 * @param cancellation fire it to stop the job (the runner also fires it at the deadline)
 * @param logSink      where the job's log lines go (already redacted)
 */
public record JobRequest(long jobId, int attempt, String type, JsonNode payload, Duration timeout,
                         CancellationSignal cancellation, LogSink logSink) {
    public JobRequest {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(cancellation, "cancellation");
        Objects.requireNonNull(logSink, "logSink");
    }
}
