package io.roomote.core.worker;

import io.roomote.core.Roomote;
import io.roomote.core.jobs.Job;
import io.roomote.core.jobs.JobLogLine;
import io.roomote.core.jobs.JobStatus;
import io.roomote.core.testing.EchoJobType;
import io.roomote.core.testing.QueueFixture;
import io.roomote.core.testing.SettableClock;
import io.roomote.core.testing.TestJobType;
import io.roomote.spi.Cancellation;
import io.roomote.spi.JobFailedException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static io.roomote.core.testing.QueueFixture.awaitStatus;
import static io.roomote.core.testing.QueueFixture.enqueue;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The worker pool against a real PostgreSQL: running, capping, deadlines, cancelling, retrying. Backoffs, expired
 * leases and heartbeats are tested on a settable clock with the pool in manual mode (the test runs each dispatch,
 * reclaim and heartbeat round), so none of them waits for real time to pass.
 */
class WorkerPoolTest {

    private static final Duration WITHIN = Duration.ofSeconds(20);

    private final QueueFixture fixture = new QueueFixture();
    private final SettableClock clock = SettableClock.startingNow();

    @AfterEach
    void close() {
        fixture.close();
    }

    /** A job type that counts how many of its jobs run at once. */
    private static final class ConcurrencyProbe {
        final AtomicInteger now = new AtomicInteger();
        final AtomicInteger max = new AtomicInteger();
        final AtomicInteger done = new AtomicInteger();

        TestJobType type(String id) {
            return new TestJobType(id, (payload, ctx) -> {
                int current = now.incrementAndGet();
                max.accumulateAndGet(current, Math::max);
                try {
                    Thread.sleep(25); // stands for work, so that jobs overlap
                } finally {
                    now.decrementAndGet();
                    done.incrementAndGet();
                }
                return Map.of("ok", true);
            });
        }
    }

    /**
     * A slot is the handler's, not the outcome's write: with one worker, the next job starts while the first job's
     * success is still waiting to be recorded (its row held by another transaction here, standing for a slow
     * commit), and both are recorded once the row is free. Before, the slot stayed taken until the commit.
     */
    @Test
    void theNextJobStartsWhileTheFirstJobsOutcomeIsStillBeingRecorded() throws Exception {
        CountDownLatch firstReturned = new CountDownLatch(1);
        CountDownLatch secondStarted = new CountDownLatch(1);
        AtomicReference<java.sql.Connection> rowLock = new AtomicReference<>();
        Roomote roomote = fixture.start(true, Map.of("MAX_WORKERS", "1"), new TestJobType("test.slot", (payload, ctx) -> {
            if (payload.get("n").asInt() == 1) {
                // Lock this job's own row in another transaction: recording the success waits for it.
                java.sql.Connection c = fixture.database().connection();
                c.setAutoCommit(false);
                try (java.sql.Statement st = c.createStatement()) {
                    st.executeQuery("SELECT 1 FROM cloud_jobs WHERE id = " + ctx.jobId() + " FOR UPDATE").close();
                }
                rowLock.set(c);
                firstReturned.countDown();
            } else {
                secondStarted.countDown();
            }
            return Map.of("n", payload.get("n").asInt());
        }));
        long first = enqueue(roomote, "test.slot", "{\"n\":1}");
        assertThat(firstReturned.await(20, TimeUnit.SECONDS)).isTrue();
        long second = enqueue(roomote, "test.slot", "{\"n\":2}");

        try {
            assertThat(secondStarted.await(20, TimeUnit.SECONDS)).as("second job started").isTrue();
            assertThat(roomote.queue().get(first).orElseThrow().status()).isEqualTo(JobStatus.PROCESSING);
        } finally {
            rowLock.get().commit();
            rowLock.get().close();
        }
        assertThat(awaitStatus(roomote, first, JobStatus.COMPLETED, WITHIN).result().get("n").asInt()).isEqualTo(1);
        assertThat(awaitStatus(roomote, second, JobStatus.COMPLETED, WITHIN).result().get("n").asInt()).isEqualTo(2);
    }

    @Test
    void aJobIsClaimedRunAndCompletedWithItsResultAndLog() {
        Roomote roomote = fixture.start(true, Map.of(), new EchoJobType());

        long id = enqueue(roomote, "test.echo", "{\"message\":\"ab\",\"times\":2}");

        Job job = awaitStatus(roomote, id, JobStatus.COMPLETED, WITHIN);
        assertThat(job.result().get("echo").asText()).isEqualTo("abab");
        assertThat(job.attempts()).isEqualTo(1);
        assertThat(job.startedAt()).isNotNull();
        assertThat(job.completedAt()).isAfterOrEqualTo(job.startedAt());
        assertThat(job.leaseOwner()).isNull();
        assertThat(roomote.queue().logs(id, 0, 100)).extracting(JobLogLine::line)
                .anyMatch(l -> l.equals("echoing ab"))
                .anyMatch(l -> l.contains("attempt 1 succeeded"));
    }

    @Test
    void fiftyJobsNeverRunMoreThanMaxWorkersAtOnceAndAllFinish() {
        ConcurrencyProbe probe = new ConcurrencyProbe();
        Roomote roomote = fixture.start(true, Map.of("MAX_WORKERS", "5"), probe.type("test.work"));

        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            ids.add(enqueue(roomote, "test.work", "{}"));
        }

        await().atMost(Duration.ofSeconds(60)).until(() -> roomote.queue().counts().get(JobStatus.COMPLETED) == 50);
        assertThat(probe.max.get()).isEqualTo(5);
        assertThat(probe.done.get()).isEqualTo(50);
        assertThat(ids).allSatisfy(id -> assertThat(roomote.queue().get(id).orElseThrow().attempts()).isEqualTo(1));
    }

    @Test
    void eachRunnerOnOneDatabaseKeepsItsOwnCap() {
        ConcurrencyProbe a = new ConcurrencyProbe();
        ConcurrencyProbe b = new ConcurrencyProbe();
        Roomote runnerA = fixture.start(true, Map.of("MAX_WORKERS", "3", "ROOMOTE_RUNNER_ID", "a"), a.type("test.work"));
        Roomote runnerB = fixture.start(true, Map.of("MAX_WORKERS", "2", "ROOMOTE_RUNNER_ID", "b"), b.type("test.work"));

        for (int i = 0; i < 60; i++) {
            enqueue(runnerA, "test.work", "{}");
        }

        await().atMost(Duration.ofSeconds(60)).until(() -> runnerB.queue().counts().get(JobStatus.COMPLETED) == 60);
        assertThat(a.max.get()).isBetween(1, 3);
        assertThat(b.max.get()).isBetween(1, 2);
        assertThat(a.done.get() + b.done.get()).isEqualTo(60);
        assertThat(a.done.get()).isPositive();
        assertThat(b.done.get()).isPositive();
    }

    @Test
    void aJobPastItsDeadlineIsStoppedAndRecordedAsTimedOut() {
        AtomicReference<Cancellation.Reason> seen = new AtomicReference<>();
        TestJobType slow = new TestJobType("test.slow", (payload, ctx) -> {
            CountDownLatch stop = new CountDownLatch(1);
            ctx.cancellation().onCancel(stop::countDown);
            stop.await();
            seen.set(ctx.cancellation().reason().orElseThrow());
            ctx.cancellation().throwIfCancelled();
            return null;
        });
        Roomote roomote = fixture.start(true, Map.of("JOB_TIMEOUT", "300ms"), slow);

        long id = enqueue(roomote, "test.slow", "{}");

        Job job = awaitStatus(roomote, id, JobStatus.FAILED, WITHIN);
        assertThat(job.error()).isEqualTo("timed out after 300 ms");
        assertThat(job.attempts()).isEqualTo(1);
        assertThat(seen.get()).isEqualTo(Cancellation.Reason.TIMED_OUT);
    }

    @Test
    void aJobThatIgnoresItsDeadlineIsAbandonedAfterTheGracePeriod() throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        TestJobType stubborn = new TestJobType("test.stubborn", (payload, ctx) -> {
            never.await(); // ignores cancellation
            return null;
        });
        Roomote roomote = fixture.start(true, Map.of("JOB_TIMEOUT", "200ms", "JOB_CANCEL_GRACE", "200ms"), stubborn);
        try {
            long id = enqueue(roomote, "test.stubborn", "{}");

            Job job = awaitStatus(roomote, id, JobStatus.FAILED, WITHIN);
            assertThat(job.error()).isEqualTo("timed out after 200 ms");
            assertThat(roomote.queue().logs(id, 0, 100)).extracting(JobLogLine::line)
                    .anyMatch(l -> l.contains("did not stop within 200 ms"));
        } finally {
            never.countDown();
        }
    }

    @Test
    void aRunningJobCanBeCancelled() throws Exception {
        CountDownLatch running = new CountDownLatch(1);
        AtomicReference<Cancellation.Reason> seen = new AtomicReference<>();
        TestJobType waits = new TestJobType("test.waits", (payload, ctx) -> {
            CountDownLatch stop = new CountDownLatch(1);
            ctx.cancellation().onCancel(stop::countDown);
            running.countDown();
            stop.await();
            seen.set(ctx.cancellation().reason().orElseThrow());
            throw JobFailedException.permanent("stopped on request", Map.of("wip", "branch-x"));
        });
        Roomote roomote = fixture.start(true, Map.of(), waits);
        long id = enqueue(roomote, "test.waits", "{}");
        assertThat(running.await(20, TimeUnit.SECONDS)).isTrue();

        var result = roomote.queue().cancel(id);

        assertThat(result.outcome().name()).isEqualTo("CANCEL_REQUESTED");
        Job job = awaitStatus(roomote, id, JobStatus.CANCELLED, WITHIN);
        assertThat(seen.get()).isEqualTo(Cancellation.Reason.CANCELLED);
        assertThat(job.error()).isEqualTo("cancelled by request");
        assertThat(job.result().get("wip").asText()).isEqualTo("branch-x");
    }

    @Test
    void aCancelledPendingJobNeverRuns() {
        AtomicInteger runs = new AtomicInteger();
        TestJobType counted = new TestJobType("test.counted", (payload, ctx) -> runs.incrementAndGet());
        Roomote api = fixture.start(false, Map.of(), counted);
        long cancelled = enqueue(api, "test.counted", "{}");
        api.queue().cancel(cancelled);
        long other = enqueue(api, "test.counted", "{}");

        Roomote worker = fixture.start(true, Map.of(), counted);

        awaitStatus(worker, other, JobStatus.COMPLETED, WITHIN);
        assertThat(runs.get()).isEqualTo(1);
        assertThat(worker.queue().get(cancelled).orElseThrow().status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(worker.queue().get(cancelled).orElseThrow().attempts()).isZero();
    }

    /** Waits (for a worker thread, not for time) until the job's attempt {@code attempts} is recorded as {@code status}. */
    private static Job awaitAttempt(Roomote roomote, long id, int attempts, JobStatus status) {
        WorkerPool pool = roomote.workers().orElseThrow();
        await().atMost(WITHIN).until(() -> {
            Job job = roomote.queue().get(id).orElseThrow();
            return job.attempts() == attempts && job.status() == status && pool.busy() == 0;
        });
        return roomote.queue().get(id).orElseThrow();
    }

    @Test
    void retryableFailuresAreRetriedWithExponentialBackoffThenFailForGood() {
        List<Instant> attempts = new CopyOnWriteArrayList<>();
        TestJobType flaky = new TestJobType("test.flaky", (payload, ctx) -> {
            attempts.add(clock.instant());
            throw JobFailedException.retryable("network unreachable", null);
        });
        Roomote roomote = fixture.startManual(clock, Map.of("JOB_RETRY_BACKOFF_MS", "150"), flaky);
        WorkerPool pool = roomote.workers().orElseThrow();
        long id = enqueue(roomote, "test.flaky", "{}");

        assertThat(pool.runOneDispatch().started()).containsExactly(id);
        // After attempt n the job is due base × 2^(n-1) later, not a millisecond sooner.
        for (int attempt = 1; attempt <= 2; attempt++) {
            Duration backoff = Duration.ofMillis(150L << (attempt - 1));
            Job waiting = awaitAttempt(roomote, id, attempt, JobStatus.PENDING);
            assertThat(waiting.runAt()).isEqualTo(attempts.get(attempt - 1).plus(backoff));
            clock.advance(backoff.minusMillis(1));
            assertThat(pool.runOneDispatch().started()).as("before the backoff after attempt " + attempt).isEmpty();
            clock.advance(Duration.ofMillis(1));
            assertThat(pool.runOneDispatch().started()).containsExactly(id);
        }

        Job job = awaitAttempt(roomote, id, 3, JobStatus.FAILED);
        assertThat(job.error()).isEqualTo("network unreachable (gave up after 3 attempts)");
        assertThat(attempts).hasSize(3);
        assertThat(Duration.between(attempts.get(0), attempts.get(1))).isEqualTo(Duration.ofMillis(150));
        assertThat(Duration.between(attempts.get(1), attempts.get(2))).isEqualTo(Duration.ofMillis(300));
    }

    @Test
    void aRetryableFailureFollowedBySuccessCompletesOnTheSecondAttempt() {
        AtomicInteger calls = new AtomicInteger();
        TestJobType once = new TestJobType("test.once", (payload, ctx) -> {
            if (calls.incrementAndGet() == 1) {
                throw new java.io.IOException("connection reset");
            }
            return Map.of("attempt", ctx.attempt());
        });
        Roomote roomote = fixture.startManual(clock, Map.of("JOB_RETRY_BACKOFF_MS", "50"), once);
        WorkerPool pool = roomote.workers().orElseThrow();
        long id = enqueue(roomote, "test.once", "{}");

        pool.runOneDispatch();
        awaitAttempt(roomote, id, 1, JobStatus.PENDING);
        clock.advance(Duration.ofMillis(50));
        assertThat(pool.runOneDispatch().started()).containsExactly(id);

        Job job = awaitStatus(roomote, id, JobStatus.COMPLETED, WITHIN);
        assertThat(job.attempts()).isEqualTo(2);
        assertThat(job.result().get("attempt").asInt()).isEqualTo(2);
    }

    @Test
    void finalFailuresAreNotRetried() {
        AtomicInteger calls = new AtomicInteger();
        TestJobType bad = new TestJobType("test.bad", (payload, ctx) -> {
            calls.incrementAndGet();
            throw JobFailedException.permanent("the issue is closed");
        });
        TestJobType bug = new TestJobType("test.bug", (payload, ctx) -> {
            calls.incrementAndGet();
            throw new IllegalStateException("boom");
        });
        Roomote roomote = fixture.start(true, Map.of("JOB_RETRY_BACKOFF_MS", "10"), bad, bug);

        Job closed = awaitStatus(roomote, enqueue(roomote, "test.bad", "{}"), JobStatus.FAILED, WITHIN);
        Job crashed = awaitStatus(roomote, enqueue(roomote, "test.bug", "{}"), JobStatus.FAILED, WITHIN);

        assertThat(closed.error()).isEqualTo("the issue is closed");
        assertThat(crashed.error()).isEqualTo("IllegalStateException: boom");
        assertThat(closed.attempts()).isEqualTo(1);
        assertThat(crashed.attempts()).isEqualTo(1);
        assertThat(calls.get()).isEqualTo(2);
    }

    @Test
    void aFailedJobRetriedThroughTheQueueRunsAgain() {
        AtomicInteger calls = new AtomicInteger();
        TestJobType secondTime = new TestJobType("test.second", (payload, ctx) -> {
            if (calls.incrementAndGet() == 1) {
                throw JobFailedException.permanent("first run fails");
            }
            return Map.of("ran", calls.get());
        });
        Roomote roomote = fixture.start(true, Map.of(), secondTime);
        long id = enqueue(roomote, "test.second", "{}");
        awaitStatus(roomote, id, JobStatus.FAILED, WITHIN);

        roomote.queue().retry(id);

        Job job = awaitStatus(roomote, id, JobStatus.COMPLETED, WITHIN);
        assertThat(job.result().get("ran").asInt()).isEqualTo(2);
        assertThat(job.error()).isNull();
    }

    @Test
    void anExpiredLeaseOfADeadRunnerIsTakenBackAndTheJobRetried() {
        AtomicInteger runs = new AtomicInteger();
        TestJobType work = new TestJobType("test.work", (payload, ctx) -> Map.of("attempt", ctx.attempt(), "run", runs.incrementAndGet()));
        Roomote survivor = fixture.startManual(clock, Map.of("LEASE_DURATION", "600ms", "JOB_RETRY_BACKOFF_MS", "50"), work);
        WorkerPool pool = survivor.workers().orElseThrow();
        long id = enqueue(survivor, "test.work", "{}");
        // A runner claims the job and dies: it never renews its 200 ms lease.
        assertThat(fixture.repository(clock).claim("dead-runner", 1, Duration.ofMillis(200), List.of("test.work"))).hasSize(1);

        clock.advance(Duration.ofMillis(200));
        assertThat(pool.runOneReclaim().reclaimed()).as("at its end, not yet past it").isEmpty();
        clock.advance(Duration.ofMillis(1));
        assertThat(pool.runOneReclaim().reclaimed()).extracting(r -> r.dueIn()).containsExactly(Duration.ofMillis(50));
        clock.advance(Duration.ofMillis(50));
        assertThat(pool.runOneDispatch().started()).containsExactly(id);

        Job job = awaitStatus(survivor, id, JobStatus.COMPLETED, WITHIN);
        assertThat(job.attempts()).isEqualTo(2);
        assertThat(job.result().get("attempt").asInt()).isEqualTo(2);
        assertThat(runs.get()).isEqualTo(1);
    }

    @Test
    void anExpiredLeaseWithNoAttemptsLeftFailsWithAClearError() {
        TestJobType work = new TestJobType("test.work", (payload, ctx) -> null);
        Roomote survivor = fixture.startManual(clock, Map.of("LEASE_DURATION", "600ms"), work);
        long id = survivor.queue().enqueue(new io.roomote.core.queue.EnqueueRequest("test.work",
                QueueFixture.json("{}"), null, 1)).job().id();
        fixture.repository(clock).claim("dead-runner", 1, Duration.ofMillis(100), List.of("test.work"));

        clock.advance(Duration.ofMillis(101));
        assertThat(survivor.workers().orElseThrow().runOneReclaim().reclaimed()).extracting(r -> r.job().id())
                .containsExactly(id);

        Job job = survivor.queue().get(id).orElseThrow();
        assertThat(job.status()).isEqualTo(JobStatus.FAILED);
        assertThat(job.error()).isEqualTo("lease expired: runner dead-runner stopped renewing it during attempt 1 of 1;"
                + " no attempts left");
        assertThat(job.completedAt()).isNotNull();
    }

    @Test
    void aRunnerWhoseLeaseWasTakenStopsItsJobAndRecordsNothing() throws Exception {
        CountDownLatch running = new CountDownLatch(1);
        AtomicReference<Cancellation.Reason> seen = new AtomicReference<>();
        TestJobType waits = new TestJobType("test.waits", (payload, ctx) -> {
            CountDownLatch stop = new CountDownLatch(1);
            ctx.cancellation().onCancel(stop::countDown);
            running.countDown();
            stop.await();
            seen.set(ctx.cancellation().reason().orElseThrow());
            return Map.of("should", "not be recorded");
        });
        Roomote roomote = fixture.startManual(clock, Map.of("LEASE_DURATION", "600ms"), waits);
        WorkerPool pool = roomote.workers().orElseThrow();
        long id = enqueue(roomote, "test.waits", "{}");
        pool.runOneDispatch();
        assertThat(running.await(20, TimeUnit.SECONDS)).isTrue();

        // Another runner took the job over (as the reaper and a new claim would): new owner, new token.
        fixture.sql("UPDATE cloud_jobs SET lease_owner = 'thief', lease_token = nextval('cloud_jobs_lease_token_seq'),"
                + " lease_expires_at = now() + interval '1 hour' WHERE id = " + id);

        // The next heartbeat finds the token unknown.
        assertThat(pool.runOneHeartbeat()).isEmpty();
        await().atMost(WITHIN).until(() -> seen.get() != null);
        assertThat(seen.get()).isEqualTo(Cancellation.Reason.LEASE_LOST);
        await().atMost(WITHIN).until(() -> roomote.workers().orElseThrow().busy() == 0);
        Job job = roomote.queue().get(id).orElseThrow();
        assertThat(job.status()).isEqualTo(JobStatus.PROCESSING);
        assertThat(job.leaseOwner()).isEqualTo("thief");
        assertThat(job.result()).isNull();
    }

    @Test
    void gracefulShutdownHandsUnfinishedJobsBackToTheQueue() throws Exception {
        CountDownLatch running = new CountDownLatch(1);
        AtomicInteger calls = new AtomicInteger();
        TestJobType waits = new TestJobType("test.waits", (payload, ctx) -> {
            if (calls.incrementAndGet() > 1) {
                return Map.of("finished", "by the next runner");
            }
            CountDownLatch stop = new CountDownLatch(1);
            ctx.cancellation().onCancel(stop::countDown);
            running.countDown();
            stop.await();
            ctx.cancellation().throwIfCancelled();
            return null;
        });
        Roomote first = fixture.start(true, Map.of("SHUTDOWN_GRACE", "200ms"), waits);
        long id = enqueue(first, "test.waits", "{}");
        assertThat(running.await(20, TimeUnit.SECONDS)).isTrue();

        first.close();

        Job released = first.queue().get(id).orElseThrow();
        assertThat(released.status()).isEqualTo(JobStatus.PENDING);
        assertThat(released.attempts()).isZero();
        assertThat(released.leaseOwner()).isNull();

        Roomote second = fixture.start(true, Map.of(), waits);
        Job job = awaitStatus(second, id, JobStatus.COMPLETED, WITHIN);
        assertThat(job.result().get("finished").asText()).isEqualTo("by the next runner");
        assertThat(job.attempts()).isEqualTo(1);
    }
}
