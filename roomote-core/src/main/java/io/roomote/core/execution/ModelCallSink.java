package io.roomote.core.execution;

import io.roomote.spi.ModelCall;

/**
 * Where {@link JobRunner} keeps the model calls of the jobs it runs, beside the job's log line for each: the
 * database ({@code ModelCallRepository::record}) for the queue's runners. It may throw; the runner logs the failure
 * and the job goes on.
 */
@FunctionalInterface
public interface ModelCallSink {

    /** No keeping: each call is only a line in the job's log (the Jenkins step's worker has no database). */
    ModelCallSink NONE = (jobId, attempt, call) -> { };

    void record(long jobId, int attempt, ModelCall call);
}
