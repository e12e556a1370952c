package io.roomote.core.store;

import io.roomote.core.jobs.FinishedAs;
import io.roomote.core.jobs.JobStatus;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The state of the queue at a glance, as the dashboard's overview shows it.
 *
 * @param counts              jobs per status; exact up to {@link StatusCount#estimated() a limit}, estimated above it
 * @param finished            finished jobs by how they ended (skipped and no-change jobs are not failures), counted
 *                            like {@code counts}
 * @param runners             runners holding leases now (busy), plus this process's pool even when idle
 * @param throughput          jobs finished recently
 * @param latency             pickup latency and run time of jobs finished in the last hour
 * @param oldestPendingAt     creation time of the oldest pending job (null when none is pending)
 * @param oldestClaimableAt   earliest {@code run_at} of a pending job that may run now (null when none)
 * @param at                  database time the figures were read at
 */
public record QueueStats(Map<JobStatus, StatusCount> counts, Map<FinishedAs, StatusCount> finished, List<RunnerLoad> runners, Throughput throughput,
                         Latency latency, Instant oldestPendingAt, Instant oldestClaimableAt, Instant at) {

    /** A count and whether it is the planner's estimate (tables with very many jobs of that status). */
    public record StatusCount(long value, boolean estimated) {
    }

    /**
     * One runner's load. {@code busy} is the number of processing jobs whose lease it holds. {@code capacity}
     * (its {@code MAX_WORKERS}) is known only for the process asking: other runners do not record theirs.
     */
    public record RunnerLoad(String owner, int busy, Integer capacity, Instant lastHeartbeat, boolean local) {
    }

    /**
     * Jobs that finished in the last 24 hours, one bucket per hour, oldest first (the last bucket is the hour so
     * far), and those of the last hour by how they ended.
     */
    public record Throughput(Map<FinishedAs, Long> lastHour, long finishedLastDay, List<Long> hourly) {
        public long finishedLastHour() {
            return lastHour.values().stream().mapToLong(Long::longValue).sum();
        }

        public long lastHour(FinishedAs f) {
            return lastHour.getOrDefault(f, 0L);
        }
    }

    /**
     * Of the jobs that ran and finished in the last hour: how long they waited to be picked up once they could
     * run ({@code started_at - run_at}) and how long their last attempt ran. Null figures when {@code sample} is 0.
     */
    public record Latency(int sample, Duration pickupP50, Duration pickupP95, Duration runP50, Duration runP95) {
    }

    public long total() {
        return counts.values().stream().mapToLong(StatusCount::value).sum();
    }

    public boolean anyEstimated() {
        return counts.values().stream().anyMatch(StatusCount::estimated);
    }
}
