package io.roomote.spi;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/** What a running job may use. One context per attempt. */
public interface JobContext {

    /** The job's id, {@code cloud_jobs.id}. */
    long jobId();

    /** 1 for the first attempt, 2 for the first retry, … */
    int attempt();

    /** Lines written here go to the job's stored log (secrets redacted) and, where there is one, a console. */
    JobLogger log();

    /** Fires when the job must stop: cancelled, deadline reached, lease lost or runner shutting down. */
    Cancellation cancellation();

    /** When the job will be cancelled for taking too long. */
    Instant deadline();

    /**
     * How long the job has, once its {@link #cancellation()} fires, to return: after that it is abandoned and
     * whatever it returns or throws is lost. A job that saves work when stopped must fit the saving in here.
     */
    Duration cancelGrace();

    /** A private, empty directory for this attempt; it is deleted after the attempt. */
    Path workDir();

    /** Roomote's configuration: environment variables, {@code .env} entries and runner settings. */
    Configuration config();

    /**
     * Where the model calls of this attempt are recorded. By default they are only written to the job's log;
     * the runners keep them with the job.
     */
    default ModelCallLog modelCalls() {
        return call -> log().info("model call: " + call.provider() + " " + call.model() + " status " + call.status()
                + ", tokens " + call.tokensIn() + " in / " + call.tokensOut() + " out"
                + (call.costUsd() != null ? ", $" + call.costUsd() : "") + (call.error() != null ? ": " + call.error() : ""));
    }
}
