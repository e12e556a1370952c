package io.roomote.core.worker;

import io.roomote.core.Roomote;
import io.roomote.core.jobs.Job;
import io.roomote.core.jobs.JobStatus;
import io.roomote.core.testing.QueueFixture;
import io.roomote.core.testing.SettableClock;
import io.roomote.core.testing.TestJobType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;

import static io.roomote.core.testing.QueueFixture.awaitStatus;
import static io.roomote.core.testing.QueueFixture.enqueue;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Claiming ahead (CLAIM_AHEAD, CLAIM_AHEAD_HOLD) against a real PostgreSQL: jobs claimed beyond the free slots
 * start on that claim when a slot frees, and go back to the queue untouched when none frees in time or the
 * runner stops. The hold's lapse is tested on a settable clock with the pool in manual mode (the test runs each
 * dispatch round), so no test waits for a hold to run out in real time; the others run the real dispatcher.
 */
class ClaimAheadTest {

    private static final Duration WITHIN = Duration.ofSeconds(30);

    private final QueueFixture fixture = new QueueFixture();
    private final Set<Long> started = ConcurrentHashMap.newKeySet();
    /** The lease token each job ran under, read by the job itself. */
    private final Map<Long, String> ranUnder = new ConcurrentHashMap<>();
    private final CountDownLatch release = new CountDownLatch(1);
    private final SettableClock clock = SettableClock.startingNow();
    private Roomote runner;

    @AfterEach
    void close() {
        release.countDown();
        fixture.close();
    }

    /** Job 1 ({"first": true}) blocks until released (or stopped); the others end at once. */
    private TestJobType gate() {
        return new TestJobType("test.gate", (payload, ctx) -> {
            started.add(ctx.jobId());
            ranUnder.put(ctx.jobId(), fixture.text("SELECT lease_token FROM cloud_jobs WHERE id = " + ctx.jobId()));
            if (payload.path("first").asBoolean()) {
                CountDownLatch stop = new CountDownLatch(1);
                ctx.cancellation().onCancel(stop::countDown);
                while (!release.await(10, java.util.concurrent.TimeUnit.MILLISECONDS) && stop.getCount() > 0) {
                    Thread.onSpinWait();
                }
                ctx.cancellation().throwIfCancelled();
            }
            return Map.of("ok", true);
        });
    }

    /**
     * Three jobs queued before the runner starts, so its first claim (one free slot plus two ahead) takes them
     * all: job 1 (the lowest id) runs and blocks, jobs 2 and 3 are held.
     */
    private List<Long> queuedThenStarted(String hold) {
        return queuedThenStarted(hold, "60s");
    }

    private List<Long> queuedThenStarted(String hold, String lease) {
        Roomote api = fixture.start(false, Map.of(), gate());
        List<Long> ids = List.of(enqueue(api, "test.gate", "{\"first\": true}"), enqueue(api, "test.gate", "{}"),
                enqueue(api, "test.gate", "{}"));
        runner = fixture.start(true, Map.of("MAX_WORKERS", "1", "CLAIM_AHEAD", "2", "CLAIM_AHEAD_HOLD", hold,
                "LEASE_DURATION", lease), gate());
        await().atMost(WITHIN).until(() -> started.contains(ids.get(0)));
        return ids;
    }

    /**
     * As {@link #queuedThenStarted}, with the runner's pool on the settable clock and driven by the test: its first
     * dispatch round starts job 1 and holds jobs 2 and 3.
     */
    private List<Long> queuedThenDispatched(String hold, String lease) {
        runner = fixture.startManual(clock, Map.of("MAX_WORKERS", "1", "CLAIM_AHEAD", "2", "CLAIM_AHEAD_HOLD", hold,
                "LEASE_DURATION", lease), gate());
        List<Long> ids = List.of(enqueue(runner, "test.gate", "{\"first\": true}"), enqueue(runner, "test.gate", "{}"),
                enqueue(runner, "test.gate", "{}"));
        Dispatch first = runner.workers().orElseThrow().runOneDispatch();
        assertThat(first.started()).containsExactly(ids.get(0));
        assertThat(first.held()).containsExactly(ids.get(1), ids.get(2));
        await().atMost(WITHIN).until(() -> started.contains(ids.get(0)));
        return ids;
    }

    /** The job's attempt is recorded as {@code status} and the pool's slot is free again. */
    private void awaitFinished(WorkerPool pool, long id) {
        await().atMost(WITHIN).until(() -> job(runner, id).status() == JobStatus.COMPLETED && pool.busy() == 0);
    }

    private Job job(Roomote roomote, long id) {
        return roomote.queue().get(id).orElseThrow();
    }

    /** Jobs 2 and 3 held ahead: processing, claimed by this runner, not started. */
    private static void awaitHeld(Roomote roomote, List<Long> ids) {
        await().atMost(WITHIN).until(() -> roomote.queue().get(ids.get(1)).orElseThrow().status() == JobStatus.PROCESSING
                && roomote.queue().get(ids.get(2)).orElseThrow().status() == JobStatus.PROCESSING);
    }

    private long runRows(long id) {
        return Long.parseLong(fixture.text("SELECT count(*) FROM cloud_job_runs WHERE job_id = " + id));
    }

    @Test
    void jobsClaimedAheadStartOnThatClaimWhenASlotFrees() {
        List<Long> ids = queuedThenStarted("60s");
        Roomote roomote = runner;

        awaitHeld(roomote, ids);
        long token1 = job(roomote, ids.get(1)).leaseToken();
        long token2 = job(roomote, ids.get(2)).leaseToken();
        assertThat(started).containsExactly(ids.get(0));

        release.countDown();
        for (long id : ids) {
            Job done = awaitStatus(roomote, id, JobStatus.COMPLETED, WITHIN);
            assertThat(done.attempts()).isEqualTo(1);
            assertThat(runRows(id)).isEqualTo(1);
        }
        // Started on the claim made ahead, not on a claim of their own: they ran under the tokens they were held by.
        assertThat(ranUnder.get(ids.get(1))).isEqualTo(String.valueOf(token1));
        assertThat(ranUnder.get(ids.get(2))).isEqualTo(String.valueOf(token2));
        assertThat(started).containsExactlyInAnyOrderElementsOf(ids);
    }

    @Test
    void jobsClaimedAheadGoBackUntouchedWhenNoSlotFreesInTimeThenRunOnce() {
        List<Long> ids = queuedThenDispatched("200ms", "60s");
        Roomote roomote = runner;
        WorkerPool pool = roomote.workers().orElseThrow();

        clock.advance(Duration.ofMillis(199));
        Dispatch held = pool.runOneDispatch();
        assertThat(held.handedBack()).isEmpty();
        assertThat(held.held()).containsExactly(ids.get(1), ids.get(2));
        clock.advance(Duration.ofMillis(1));
        assertThat(pool.runOneDispatch().handedBack()).containsExactlyInAnyOrder(ids.get(1), ids.get(2));

        // Handed back as they were: pending, no attempt or run counted, no run record, no lease.
        for (long id : ids.subList(1, 3)) {
            Job back = job(roomote, id);
            assertThat(back.status()).isEqualTo(JobStatus.PENDING);
            assertThat(back.attempts()).isZero();
            assertThat(back.leaseOwner()).isNull();
            assertThat(back.leaseToken()).isNull();
            assertThat(back.startedAt()).isNull();
            assertThat(runRows(id)).isZero();
            assertThat(fixture.text("SELECT runs FROM cloud_jobs WHERE id = " + id)).isEqualTo("0");
            // ...but they were claimed ahead and handed back (an enqueued row has updated_at = created_at).
            assertThat(fixture.text("SELECT updated_at > created_at FROM cloud_jobs WHERE id = " + id)).isEqualTo("t");
        }
        assertThat(started).containsExactly(ids.get(0));

        release.countDown();
        awaitFinished(pool, ids.get(0));
        Dispatch next = pool.runOneDispatch();
        assertThat(next.started()).containsExactly(ids.get(1));
        assertThat(next.held()).containsExactly(ids.get(2));
        awaitFinished(pool, ids.get(1));
        assertThat(pool.runOneDispatch().started()).containsExactly(ids.get(2));
        awaitFinished(pool, ids.get(2));
        for (long id : ids) {
            Job done = job(roomote, id);
            assertThat(done.attempts()).isEqualTo(1);
            assertThat(runRows(id)).isEqualTo(1);
        }
    }

    @Test
    void aJobHeldAheadGoesBackBeforeItsUnrenewedLeaseCouldExpire() {
        // The hold asked for is far beyond the lease; the pool caps it at a heartbeat (a third of the lease).
        List<Long> ids = queuedThenDispatched("60s", "900ms");
        Roomote roomote = runner;
        WorkerPool pool = roomote.workers().orElseThrow();

        clock.advance(Duration.ofMillis(299));
        assertThat(pool.runOneDispatch().handedBack()).isEmpty();
        clock.advance(Duration.ofMillis(1));
        assertThat(pool.runOneDispatch().handedBack()).containsExactlyInAnyOrder(ids.get(1), ids.get(2));
        assertThat(pool.runOneReclaim().reclaimed()).as("no lease had expired").isEmpty();

        for (long id : ids.subList(1, 3)) {
            Job back = job(roomote, id);
            assertThat(back.status()).isEqualTo(JobStatus.PENDING);
            assertThat(back.attempts()).as("handed back, not reclaimed as an expired lease").isZero();
            assertThat(back.error()).isNull();
            assertThat(fixture.text("SELECT updated_at > created_at FROM cloud_jobs WHERE id = " + id)).isEqualTo("t");
        }
    }

    @Test
    void aStoppingRunnerHandsBackTheJobsItClaimedAhead() {
        List<Long> ids = queuedThenStarted("60s");
        Roomote roomote = runner;
        awaitHeld(roomote, ids);

        long heldToken = job(roomote, ids.get(1)).leaseToken();
        roomote.close();

        assertThat(heldToken).isPositive();
        for (long id : ids.subList(1, 3)) {
            Job back = fixture.repository().find(id).orElseThrow();
            assertThat(back.status()).isEqualTo(JobStatus.PENDING);
            assertThat(back.attempts()).isZero();
            assertThat(runRows(id)).isZero();
        }
        assertThat(started).containsExactly(ids.get(0));
    }
}
