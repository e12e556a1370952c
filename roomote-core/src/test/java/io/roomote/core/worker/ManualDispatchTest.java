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
import io.roomote.spi.JobFailedException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import static io.roomote.core.testing.QueueFixture.awaitStatus;
import static io.roomote.core.testing.QueueFixture.enqueue;
import static io.roomote.core.testing.QueueFixture.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The worker pool's manual mode and the queue's settable time, on a real PostgreSQL with real job attempts on the
 * pool's worker threads: nothing is claimed, renewed or reclaimed unless the test runs a round, and nothing is due
 * or expired until the test moves the clock. No test here waits for real time to pass; Awaitility waits only for
 * a worker thread to finish an attempt.
 */
class ManualDispatchTest {

    private static final Duration WITHIN = Duration.ofSeconds(20);
    private static final List<String> TYPES = List.of("test.work");

    private final QueueFixture fixture = new QueueFixture();
    private final SettableClock clock = SettableClock.startingNow();

    @AfterEach
    void close() {
        fixture.close();
    }

    private static void awaitAttemptRecorded(Roomote roomote, long id, int attempts, JobStatus status) {
        WorkerPool pool = roomote.workers().orElseThrow();
        await().atMost(WITHIN).until(() -> {
            Job job = roomote.queue().get(id).orElseThrow();
            return job.attempts() == attempts && job.status() == status && pool.busy() == 0;
        });
    }

    @Test
    void aJobDueInAnHourIsNotClaimedUntilTheClockHasMovedAnHour() {
        AtomicInteger calls = new AtomicInteger();
        Roomote roomote = fixture.startManual(clock, Map.of("JOB_RETRY_BACKOFF_MS", "3600000"),
                new TestJobType("test.work", (payload, ctx) -> {
                    if (calls.incrementAndGet() == 1) {
                        throw JobFailedException.retryable("upstream down", null);
                    }
                    return Map.of("attempt", ctx.attempt());
                }));
        WorkerPool pool = roomote.workers().orElseThrow();
        long id = enqueue(roomote, "test.work", "{}");
        Instant failedAt = clock.instant();

        assertThat(pool.runOneDispatch().started()).containsExactly(id);
        awaitAttemptRecorded(roomote, id, 1, JobStatus.PENDING);
        assertThat(roomote.queue().get(id).orElseThrow().runAt()).isEqualTo(failedAt.plus(Duration.ofHours(1)));

        assertThat(pool.runOneDispatch().started()).isEmpty();
        clock.advance(Duration.ofHours(1).minusMillis(1));
        assertThat(pool.runOneDispatch().started()).as("one millisecond before it is due").isEmpty();
        clock.advance(Duration.ofMillis(1));
        assertThat(pool.runOneDispatch().started()).containsExactly(id);

        Job done = awaitStatus(roomote, id, JobStatus.COMPLETED, WITHIN);
        assertThat(done.attempts()).isEqualTo(2);
        assertThat(done.startedAt()).isEqualTo(failedAt.plus(Duration.ofHours(1)));
        assertThat(calls.get()).isEqualTo(2);
    }

    @Test
    void aLeaseThatExpiresAtClockPlusTenMinutesIsReclaimedOnlyOnceTheClockIsPastIt() {
        Instant claimedAt = clock.instant();
        JobRepository deadRunner = fixture.repository(clock);
        long id = deadRunner.insert(NewJob.of("test.work", json("{}")), 3).job().id();
        Lease dead = deadRunner.claim("dead-runner", 1, Duration.ofMinutes(10), TYPES).get(0);
        assertThat(dead.job().leaseExpiresAt()).isEqualTo(claimedAt.plus(Duration.ofMinutes(10)));
        Roomote live = fixture.startManual(clock, Map.of("JOB_RETRY_BACKOFF_MS", "30000"),
                new TestJobType("test.work", (payload, ctx) -> Map.of("attempt", ctx.attempt())));
        WorkerPool pool = live.workers().orElseThrow();

        ReclaimRound first = pool.runOneReclaim();
        assertThat(first.reclaimed()).isEmpty();
        // The lease ends in 10 minutes; the pool checks again at most a heartbeat (LEASE_DURATION 60s / 3) later.
        assertThat(first.nextCheckIn()).isEqualTo(Duration.ofSeconds(20));
        clock.advance(Duration.ofMinutes(10));
        assertThat(pool.runOneReclaim().reclaimed()).as("expires at, not before, that instant").isEmpty();
        clock.advance(Duration.ofMillis(1));
        ReclaimRound reclaim = pool.runOneReclaim();

        assertThat(reclaim.reclaimed()).extracting(r -> r.job().id()).containsExactly(id);
        JobRepository.Reclaimed back = reclaim.reclaimed().get(0);
        assertThat(back.job().status()).isEqualTo(JobStatus.PENDING);
        assertThat(back.job().error()).isEqualTo(
                "lease expired: runner dead-runner stopped renewing it during attempt 1 of 3; will retry");
        assertThat(back.dueIn()).isEqualTo(Duration.ofSeconds(30));
        assertThat(pool.runOneDispatch().started()).as("its backoff has not passed").isEmpty();
        clock.advance(Duration.ofSeconds(30));
        assertThat(pool.runOneDispatch().started()).containsExactly(id);
        Job done = awaitStatus(live, id, JobStatus.COMPLETED, WITHIN);
        assertThat(done.attempts()).isEqualTo(2);
        assertThat(done.result().get("attempt").asInt()).isEqualTo(2);
    }

    @Test
    void aHeartbeatKeepsARunningJobsLeaseWhileTheClockMovesOn() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch running = new CountDownLatch(1);
        Roomote roomote = fixture.startManual(clock, Map.of("LEASE_DURATION", "60s"),
                new TestJobType("test.work", (payload, ctx) -> {
                    running.countDown();
                    release.await();
                    return Map.of("ok", true);
                }));
        WorkerPool pool = roomote.workers().orElseThrow();
        try {
            long id = enqueue(roomote, "test.work", "{}");
            pool.runOneDispatch();
            assertThat(running.await(20, java.util.concurrent.TimeUnit.SECONDS)).isTrue();

            clock.advance(Duration.ofSeconds(40));
            assertThat(pool.runOneHeartbeat()).containsExactly(id);
            Instant renewedAt = clock.instant();
            clock.advance(Duration.ofSeconds(40)); // past the first lease's end, within the renewed one
            assertThat(pool.runOneReclaim().reclaimed()).isEmpty();

            Job job = roomote.queue().get(id).orElseThrow();
            assertThat(job.status()).isEqualTo(JobStatus.PROCESSING);
            assertThat(job.leaseExpiresAt()).isEqualTo(renewedAt.plus(Duration.ofSeconds(60)));
            assertThat(job.heartbeatAt()).isEqualTo(renewedAt);
            release.countDown();
            assertThat(awaitStatus(roomote, id, JobStatus.COMPLETED, WITHIN).attempts()).isEqualTo(1);
        } finally {
            release.countDown();
        }
    }

    /** Fix: with no job processing the pool planned its next check 100 ms ahead (a reclaim query 10 times a second). */
    @Test
    void anIdlePoolChecksForExpiredLeasesOncePerHeartbeat() {
        Roomote roomote = fixture.startManual(clock, Map.of("LEASE_DURATION", "60s"),
                new TestJobType("test.work", (payload, ctx) -> null));

        assertThat(roomote.workers().orElseThrow().runOneReclaim().nextCheckIn()).isEqualTo(Duration.ofSeconds(20));
    }

    @Test
    void theHooksRefuseAPoolThatRunsItsOwnDispatcher() {
        Roomote roomote = fixture.start(true, Map.of(), new TestJobType("test.work", (payload, ctx) -> null));
        WorkerPool pool = roomote.workers().orElseThrow();

        assertThatThrownBy(pool::runOneDispatch).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("startManual()");
        assertThatThrownBy(pool::runOneReclaim).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(pool::runOneHeartbeat).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(pool::startManual).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("already started");
    }

    @Test
    void aManualPoolClaimsNothingUntilItIsToldTo() {
        AtomicInteger runs = new AtomicInteger();
        Roomote roomote = fixture.startManual(clock, Map.of("MAX_WORKERS", "2", "CLAIM_AHEAD", "0"),
                new TestJobType("test.work", (payload, ctx) -> runs.incrementAndGet()));
        WorkerPool pool = roomote.workers().orElseThrow();
        List<Long> ids = List.of(enqueue(roomote, "test.work", "{}"), enqueue(roomote, "test.work", "{}"),
                enqueue(roomote, "test.work", "{}"));

        // Enqueueing notified the pool; only a round claims, and only as many as its free slots.
        assertThat(roomote.queue().get(ids.get(0)).orElseThrow().status()).isEqualTo(JobStatus.PENDING);
        Dispatch first = pool.runOneDispatch();
        assertThat(first.started()).containsExactly(ids.get(0), ids.get(1));
        assertThat(first.held()).isEmpty();
        awaitStatus(roomote, ids.get(1), JobStatus.COMPLETED, WITHIN);
        await().atMost(WITHIN).until(() -> pool.busy() == 0);
        assertThat(roomote.queue().get(ids.get(2)).orElseThrow().status()).isEqualTo(JobStatus.PENDING);
        assertThat(pool.runOneDispatch().started()).containsExactly(ids.get(2));
        awaitStatus(roomote, ids.get(2), JobStatus.COMPLETED, WITHIN);
        assertThat(runs.get()).isEqualTo(3);
    }
}
