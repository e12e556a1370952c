package io.roomote.core.execution;

import io.roomote.spi.Cancellation;
import io.roomote.spi.Configuration;
import io.roomote.spi.JobContext;
import io.roomote.spi.JobLogger;
import io.roomote.spi.ModelCall;
import io.roomote.spi.ModelCallLog;
import io.roomote.core.logging.SecretRedactor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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

    private static final Logger logger = LoggerFactory.getLogger(RunningJobContext.class);

    private final long jobId;
    private final int attempt;
    private final JobLogger log;
    private final Cancellation cancellation;
    private final Instant deadline;
    private final Duration cancelGrace;
    private final Path workRoot;
    private final Configuration config;
    private final ModelCallLog modelCalls;
    private Path workDir;

    /**
     * @param modelCallSink keeps each model call (besides the job's log line the default {@link #modelCalls()} writes)
     * @param redactor      masks secrets in a call's texts before they are kept
     */
    RunningJobContext(long jobId, int attempt, JobLogger log, Cancellation cancellation, Instant deadline,
                      Duration cancelGrace, Path workRoot, Configuration config, ModelCallSink modelCallSink,
                      SecretRedactor redactor) {
        this.jobId = jobId;
        this.attempt = attempt;
        this.log = log;
        this.cancellation = cancellation;
        this.deadline = deadline;
        this.cancelGrace = cancelGrace;
        this.workRoot = workRoot;
        this.config = config;
        this.modelCalls = keeping(JobContext.super.modelCalls(), modelCallSink, redactor);
    }

    /** The log line for each call, then the call kept; never throws (a gateway must not fail for the bookkeeping). */
    private ModelCallLog keeping(ModelCallLog logLine, ModelCallSink sink, SecretRedactor redactor) {
        return call -> {
            try {
                logLine.record(call);
            } catch (RuntimeException e) {
                logger.warn("job {}: could not log a model call: {}", jobId, e.toString());
            }
            if (sink == ModelCallSink.NONE || call == null) {
                return;
            }
            ModelCall safe = new ModelCall(call.at(), redact(redactor, call.provider()), redact(redactor, call.model()),
                    call.tokensIn(), call.tokensOut(), call.costUsd(), call.status(), call.durationMs(),
                    redact(redactor, call.error()));
            try {
                sink.record(jobId, attempt, safe);
            } catch (RuntimeException e) {
                logger.warn("job {} attempt {}: could not store a model call ({} {}, status {}); the job goes on: {}",
                        jobId, attempt, safe.provider(), safe.model(), safe.status(), redact(redactor, oneLine(e)));
            }
        };
    }

    private static String redact(SecretRedactor redactor, String s) {
        return s == null ? null : redactor.redact(s);
    }

    /** The failure and its root cause in one line (no stack trace: an outage would print one per call). */
    private static String oneLine(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String text = root == e ? e.toString() : e.getMessage() + ": " + root;
        return text.replaceAll("\\s+", " ");
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

    @Override
    public ModelCallLog modelCalls() {
        return modelCalls;
    }
}
