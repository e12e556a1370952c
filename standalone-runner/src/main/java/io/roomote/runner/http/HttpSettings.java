package io.roomote.runner.http;

import io.roomote.core.config.Settings;

import java.time.Duration;
import java.time.temporal.ChronoUnit;

/**
 * How Roomote's HTTP ports treat slow and silent clients (see README, "Configuration").
 *
 * @param logHeartbeat {@code LOG_STREAM_HEARTBEAT} (5s): a followed log sends a comment line this often when it has
 *                     nothing else to say, so a client that went away is noticed and its stream slot freed
 * @param idleTimeout  {@code HTTP_IDLE_TIMEOUT} (10s): how long a request's body may stop arriving, or its answer stop
 *                     leaving, before the request is cut off (a stalled body gets a 408)
 * @param maxBatchJobs {@code API_MAX_BATCH_JOBS} (1000): most jobs one {@code POST /api/jobs/batch} may list; more
 *                     answers 413 (one transaction holds the batch's rows locked until it commits)
 */
public record HttpSettings(Duration logHeartbeat, Duration idleTimeout, int maxBatchJobs) {

    public static final HttpSettings DEFAULTS = new HttpSettings(Duration.ofSeconds(5), Duration.ofSeconds(10), 1000);

    public HttpSettings {
        if (maxBatchJobs < 1) {
            throw new io.roomote.core.config.ConfigurationException("API_MAX_BATCH_JOBS must be at least 1, got "
                    + maxBatchJobs);
        }
    }

    public static HttpSettings from(Settings s) {
        return new HttpSettings(
                s.getDuration("LOG_STREAM_HEARTBEAT", DEFAULTS.logHeartbeat(), ChronoUnit.SECONDS),
                s.getDuration("HTTP_IDLE_TIMEOUT", DEFAULTS.idleTimeout(), ChronoUnit.SECONDS),
                s.getInt("API_MAX_BATCH_JOBS", DEFAULTS.maxBatchJobs(), 1));
    }
}
