package io.roomote.core.worker;

import io.roomote.core.jobs.RetryPolicy;
import io.roomote.core.config.Settings;

import java.time.Duration;
import java.time.temporal.ChronoUnit;

/**
 * The worker pool's knobs, read from the documented environment variables.
 *
 * @param maxWorkers     jobs this runner runs at once ({@code MAX_WORKERS}, 5)
 * @param pollInterval   safety-net poll when no notification arrives ({@code POLL_INTERVAL_MS}, 5000)
 * @param jobTimeout     deadline of one attempt ({@code JOB_TIMEOUT}, 30m)
 * @param cancelGrace    how long a job may take to stop once asked ({@code JOB_CANCEL_GRACE}, 30s)
 * @param leaseDuration  how long a claim lasts without a heartbeat ({@code LEASE_DURATION}, 60s)
 * @param shutdownGrace  how long a stopping runner lets running jobs finish ({@code SHUTDOWN_GRACE}, 30s)
 * @param claimAhead     jobs claimed beyond the free slots, to start the moment a slot frees ({@code CLAIM_AHEAD},
 *                       {@code MAX_WORKERS}; 0 claims only for free slots)
 * @param aheadHold      how long a job claimed ahead waits for a free slot before it is handed back to the queue
 *                       untouched ({@code CLAIM_AHEAD_HOLD}, 500ms; at most a heartbeat interval, as its lease is
 *                       not renewed meanwhile), so a runner busy with long jobs never keeps a queued job from an
 *                       idle one
 */
public record WorkerSettings(int maxWorkers, Duration pollInterval, Duration jobTimeout, Duration cancelGrace,
                             Duration leaseDuration, Duration shutdownGrace, RetryPolicy retry, int claimAhead, Duration aheadHold) {

    public WorkerSettings {
        if (claimAhead < 0) {
            throw new IllegalArgumentException("claimAhead must not be negative");
        }
    }

    public static WorkerSettings from(Settings s) {
        Duration lease = s.getDuration("LEASE_DURATION", Duration.ofSeconds(60), ChronoUnit.SECONDS);
        if (lease.toMillis() < 300) {
            throw new io.roomote.core.config.ConfigurationException("LEASE_DURATION must be at least 300ms");
        }
        int maxWorkers = s.getInt("MAX_WORKERS", 5, 1);
        return new WorkerSettings(
                maxWorkers,
                Duration.ofMillis(s.getInt("POLL_INTERVAL_MS", 5000, 10)),
                s.getDuration("JOB_TIMEOUT", Duration.ofMinutes(30), ChronoUnit.MINUTES),
                s.getDuration("JOB_CANCEL_GRACE", Duration.ofSeconds(30), ChronoUnit.SECONDS),
                lease,
                s.getDuration("SHUTDOWN_GRACE", Duration.ofSeconds(30), ChronoUnit.SECONDS),
                new RetryPolicy(
                        s.getInt("JOB_MAX_ATTEMPTS", 3, 1),
                        Duration.ofMillis(s.getInt("JOB_RETRY_BACKOFF_MS", 2000, 0)),
                        s.getDuration("JOB_RETRY_MAX_BACKOFF", Duration.ofHours(1), ChronoUnit.SECONDS)),
                s.getInt("CLAIM_AHEAD", maxWorkers, 0),
                s.getDuration("CLAIM_AHEAD_HOLD", Duration.ofMillis(500), ChronoUnit.MILLIS));
    }

    /** Heartbeats renew leases three times per lease period, so one missed beat loses nothing. */
    public Duration heartbeatInterval() {
        return leaseDuration.dividedBy(3);
    }
}
