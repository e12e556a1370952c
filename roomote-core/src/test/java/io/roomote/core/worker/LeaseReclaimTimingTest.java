package io.roomote.core.worker;

import io.roomote.core.Roomote;
import io.roomote.core.jobs.Job;
import io.roomote.core.jobs.JobStatus;
import io.roomote.core.jobs.Lease;
import io.roomote.core.jobs.NewJob;
import io.roomote.core.store.JobRepository;
import io.roomote.core.testing.QueueFixture;
import io.roomote.core.testing.SettableClock;
import io.roomote.core.testing.TestJobType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.roomote.core.testing.QueueFixture.awaitStatus;
import static io.roomote.core.testing.QueueFixture.json;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A runner that dies holding a job: its job must run again within lease + 1 s of its last heartbeat, plus its
 * backoff. The dead runner is a claim through the repository that is never renewed nor handed back — exactly
 * what a runner killed with {@code kill -9} right after claiming leaves in the table. Both ends of the
 * measured span are read from the queue's time (the dead lease's {@code heartbeat_at}, the new attempt's
 * {@code started_at}).
 *
 * <p>The first two tests run on a settable clock with the live runner's pool in manual mode: they follow the
 * pool's own plan of checks ({@link ReclaimRound#nextCheckIn()}, what its timer waits for) by moving the clock,
 * so they test the planning without waiting for a lease to run out in real time. The last test keeps real time
 * on purpose: it covers the path a manual pool leaves out, the timer that announces a job when its backoff ends
 * ({@code NOTIFY}) and the dispatcher that wakes on it.
 */
class LeaseReclaimTimingTest {

    private static final List<String> TYPES = List.of("test.work");
    private static final Duration SLACK = Duration.ofSeconds(1);

    private final QueueFixture fixture = new QueueFixture();
    private final SettableClock clock = SettableClock.startingNow();
    private final JobRepository jobs = fixture.repository(clock);

    @AfterEach
    void close() {
        fixture.close();
    }

    /**
     * Runs the pool's reclaim checks as its timer would, moving the clock by the wait each check plans, until one
     * takes a lease back.
     */
    private ReclaimRound reclaimAsTheTimerWould(WorkerPool pool) {
        ReclaimRound round = pool.runOneReclaim();
        for (int checks = 1; round.reclaimed().isEmpty(); checks++) {
            assertThat(checks).as("checks before the lease was taken back").isLessThan(100);
            clock.advance(round.nextCheckIn());
            round = pool.runOneReclaim();
        }
        return round;
    }

    @Test
    void aDeadRunnersJobIsTakenBackWhenItsLeaseEndsNotAtTheNextHeartbeatTick() {
        Duration lease = Duration.ofSeconds(9);
        long id = jobs.insert(NewJob.of("test.work", json("{}")), 3).job().id();
        Lease dead = jobs.claim("dead-runner", 1, lease, TYPES).get(0);
        // The live runner's checks every lease/3 (3 s) would fall 2 s after the lease's end (at 2, 5, 8, 11 s).
        clock.advance(Duration.ofSeconds(2));
        Roomote live = startLive(lease, Duration.ZERO);
        WorkerPool pool = live.workers().orElseThrow();

        ReclaimRound reclaim = reclaimAsTheTimerWould(pool);
        assertThat(reclaim.reclaimed()).extracting(r -> r.job().id()).containsExactly(id);
        assertThat(reclaim.reclaimed().get(0).dueIn()).isZero();
        assertThat(pool.runOneDispatch().started()).containsExactly(id);
        Job done = awaitStatus(live, id, JobStatus.COMPLETED, Duration.ofSeconds(30));

        assertThat(done.attempts()).isEqualTo(2);
        assertThat(Duration.between(dead.job().heartbeatAt(), done.startedAt()))
                .isLessThanOrEqualTo(lease.plus(SLACK));
    }

    @Test
    void aReclaimedJobWithABackoffRunsWhenTheBackoffEndsNotAtTheNextPoll() {
        Duration lease = Duration.ofMillis(1500);
        Duration backoff = Duration.ofSeconds(1);
        long id = jobs.insert(NewJob.of("test.work", json("{}")), 3).job().id();
        Lease dead = jobs.claim("dead-runner", 1, lease, TYPES).get(0);
        Roomote live = startLive(lease, backoff);
        WorkerPool pool = live.workers().orElseThrow();

        ReclaimRound reclaim = reclaimAsTheTimerWould(pool);
        // What the pool's timer waits before it announces the job (NOTIFY), instead of the next poll.
        assertThat(reclaim.reclaimed().get(0).dueIn()).isEqualTo(backoff);
        clock.advance(backoff.minusMillis(1));
        assertThat(pool.runOneDispatch().started()).as("still in its backoff").isEmpty();
        clock.advance(Duration.ofMillis(1));
        assertThat(pool.runOneDispatch().started()).containsExactly(id);
        Job done = awaitStatus(live, id, JobStatus.COMPLETED, Duration.ofSeconds(30));

        assertThat(done.attempts()).isEqualTo(2);
        assertThat(done.error()).isNull();
        assertThat(Duration.between(dead.job().heartbeatAt(), done.startedAt()))
                .isLessThanOrEqualTo(lease.plus(SLACK).plus(backoff));
    }

    @Test
    void aRetriedAttemptRunsWhenItsBackoffEndsNotAtTheNextPoll() {
        Duration backoff = Duration.ofMillis(500);
        List<Long> attemptTimes = new java.util.concurrent.CopyOnWriteArrayList<>();
        Roomote live = fixture.start(true, Map.of("LEASE_DURATION", "60s", "POLL_INTERVAL_MS", "5000",
                "JOB_RETRY_BACKOFF_MS", Long.toString(backoff.toMillis())), new TestJobType("test.work", (p, c) -> {
                    attemptTimes.add(System.nanoTime());
                    if (attemptTimes.size() == 1) {
                        throw new java.io.IOException("flaky"); // retryable
                    }
                    return Map.of("ok", true);
                }));
        long id = fixture.repository().insert(NewJob.of("test.work", json("{}")), 3).job().id();

        Job done = awaitStatus(live, id, JobStatus.COMPLETED, Duration.ofSeconds(30));

        // The second attempt starts when the 500 ms backoff ends; waiting for the 5 s poll would take ~5 s.
        assertThat(done.attempts()).isEqualTo(2);
        assertThat(Duration.ofNanos(attemptTimes.get(1) - attemptTimes.get(0))).isLessThan(backoff.plus(SLACK));
    }

    /** A live runner on the test's clock, its pool driven by the test. */
    private Roomote startLive(Duration lease, Duration backoff) {
        return fixture.startManual(clock, Map.of(
                        "LEASE_DURATION", lease.toMillis() + "ms",
                        "JOB_RETRY_BACKOFF_MS", Long.toString(backoff.toMillis())),
                new TestJobType("test.work", (p, c) -> Map.of("ok", true)));
    }
}
