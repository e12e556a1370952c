package io.roomote.bench.soak;

import java.nio.file.Path;
import java.time.Duration;

/**
 * What one crash soak does.
 *
 * @param jobs             jobs of {@code bench.soak}, enqueued evenly over {@code window}
 * @param kills            kill -9 of a random runner at random moments of the window, each restarted at once
 * @param stops            SIGSTOP of a random runner for one lease plus 5 s, then SIGCONT
 * @param postgresRestarts fast shutdown and start of PostgreSQL
 * @param minSleep         shortest work of a job (between its side effect's start and end)
 * @param maxSleep         longest work of a job
 * @param lease            the runners' LEASE_DURATION
 * @param maxWorkers       the runners' MAX_WORKERS
 * @param maxGap           once both runners are up, a burst of jobs is enqueued and the next fault comes a random
 *                         0.3 s to this later, while they run
 * @param seed             of every random choice (faults, targets, job times)
 * @param runnerJar        the shaded runner jar ({@code standalone-runner/target/roomote.jar})
 * @param postgresBin      the bin folder of Debian's PostgreSQL
 * @param keep             keep the soak's folder (data, runner logs) afterwards; it is kept anyway on a failure
 */
public record SoakSettings(int jobs, int kills, int stops, int postgresRestarts, Duration minSleep, Duration maxSleep,
                           Duration lease, int maxWorkers, Duration maxGap, long seed, Path runnerJar, Path postgresBin,
                           boolean keep) {

    public SoakSettings {
        if (jobs < 1 || kills < 0 || stops < 0 || postgresRestarts < 0 || maxWorkers < 1) {
            throw new IllegalArgumentException("jobs and workers must be positive, faults not negative");
        }
        if (minSleep.isNegative() || maxSleep.compareTo(minSleep) < 0) {
            throw new IllegalArgumentException("need 0 <= min sleep <= max sleep");
        }
        if (maxGap.toMillis() < 300) {
            throw new IllegalArgumentException("the gap before a fault is at least 0.3 s");
        }
        // The runners run in the soak's own folder.
        runnerJar = runnerJar.toAbsolutePath();
    }

    /** The soak of issue 14: 200 jobs, 10 kills, a PostgreSQL restart and a stop past the lease. */
    public static SoakSettings full(Path runnerJar, Path postgresBin, long seed) {
        return new SoakSettings(200, 10, 1, 1, Duration.ofMillis(200), Duration.ofSeconds(3), Duration.ofSeconds(10), 5,
                Duration.ofMillis(1500), seed, runnerJar, postgresBin, false);
    }

    /** The CI form: 40 jobs, 3 kills (and the restart and the stop), within 3 minutes. */
    public static SoakSettings ci(Path runnerJar, Path postgresBin, long seed) {
        return new SoakSettings(40, 3, 1, 1, Duration.ofMillis(200), Duration.ofSeconds(3), Duration.ofSeconds(10), 5,
                Duration.ofMillis(1500), seed, runnerJar, postgresBin, false);
    }

    public SoakSettings withKeep(boolean keep) {
        return new SoakSettings(jobs, kills, stops, postgresRestarts, minSleep, maxSleep, lease, maxWorkers, maxGap, seed,
                runnerJar, postgresBin, keep);
    }

    /** How long a SIGSTOP lasts: past the lease, so that another runner takes the jobs back. */
    Duration stopLength() {
        return lease.plusSeconds(5);
    }
}
