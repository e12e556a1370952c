package io.roomote.core.execution;

import io.roomote.spi.Cancellation;
import io.roomote.spi.Configuration;
import io.roomote.spi.JobContext;
import io.roomote.spi.JobLogger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/**
 * The {@link JobContext} of one attempt. The work directory is created on first use, so job types that
 * need none (and the queue's pickup path) pay nothing for it.
 */
final class RunningJobContext implements JobContext {

    private final long jobId;
    private final int attempt;
    private final JobLogger log;
    private final Cancellation cancellation;
    private final Instant deadline;
    private final Duration cancelGrace;
    private final Path workRoot;
    private final Configuration config;
    private Path workDir;

    RunningJobContext(long jobId, int attempt, JobLogger log, Cancellation cancellation, Instant deadline,
                      Duration cancelGrace, Path workRoot, Configuration config) {
        this.jobId = jobId;
        this.attempt = attempt;
        this.log = log;
        this.cancellation = cancellation;
        this.deadline = deadline;
        this.cancelGrace = cancelGrace;
        this.workRoot = workRoot;
        this.config = config;
    }

    @Override
    public long jobId() {
        return jobId;
    }

    @Override
    public int attempt() {
        return attempt;
    }

    @Override
    public JobLogger log() {
        return log;
    }

    @Override
    public Cancellation cancellation() {
        return cancellation;
    }

    @Override
    public Instant deadline() {
        return deadline;
    }

    @Override
    public Duration cancelGrace() {
        return cancelGrace;
    }

    @Override
    public synchronized Path workDir() {
        if (workDir == null) {
            try {
                Files.createDirectories(workRoot);
                workDir = Files.createTempDirectory(workRoot, "job-" + jobId + "-" + attempt + "-");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create a work directory under " + workRoot + ": " + e.getMessage(), e);
            }
        }
        return workDir;
    }

    /** The work directory if the job asked for one. */
    synchronized Path createdWorkDir() {
        return workDir;
    }

    @Override
    public Configuration config() {
        return config;
    }
}
