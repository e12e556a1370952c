package io.roomote.core.execution;

import io.roomote.spi.Cancellation;
import io.roomote.spi.Configuration;
import io.roomote.spi.JobContext;
import io.roomote.spi.JobLogger;

import java.nio.file.Path;
import java.time.Instant;

/** The {@link JobContext} of one attempt. */
record RunningJobContext(long jobId, int attempt, JobLogger log, Cancellation cancellation, Instant deadline,
                         Path workDir, Configuration config) implements JobContext {
}
