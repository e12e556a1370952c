package io.roomote.core.queue;

import io.roomote.core.Roomote;
import io.roomote.core.jobs.JobStatus;
import io.roomote.core.jobs.Lease;
import io.roomote.core.jobs.NewJob;
import io.roomote.core.store.JobRepository;
import io.roomote.core.testing.QueueFixture;
import io.roomote.core.testing.TestJobType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.roomote.core.testing.QueueFixture.awaitStatus;
import static io.roomote.core.testing.QueueFixture.enqueue;
import static io.roomote.core.testing.QueueFixture.json;
import static io.roomote.core.testing.QueueFixture.node;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code JobType.concurrencyKey}: jobs of one key run one at a time, first due first, and nothing else is held
 * back. All real: the worker pool, the claim and a real (embedded) PostgreSQL; the job type is a test type whose
 * payload field {@code concurrencyKey} is its key and which records when each job starts and ends.
 */
class ConcurrencyKeyTest {

    private static final Duration WITHIN = Duration.ofSeconds(30);
    private static final String TYPE = "test.keyed";

    private final QueueFixture fixture = new QueueFixture();

    @AfterEach
    void close() {
        fixture.close();
    }

    /** Records which jobs are running, the most of one key ever running at once, and holds jobs until released. */
    private static final class Recorder {
        final Map<String, AtomicInteger> runningPerKey = new ConcurrentHashMap<>();
        final AtomicInteger mostOfOneKeyAtOnce = new AtomicInteger();
        final List<String> started = new CopyOnWriteArrayList<>();
        final List<String> ended = new CopyOnWriteArrayList<>();
        final Map<String, CountDownLatch> gates = new ConcurrentHashMap<>();

        TestJobType type() {
            return new TestJobType(TYPE, (payload, ctx) -> {
                String name = payload.get("name").asText();
                String key = payload.path("concurrencyKey").asText("-" + name);
                int now = runningPerKey.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
                mostOfOneKeyAtOnce.accumulateAndGet(now, Math::max);
                started.add(name);
                try {
                    CountDownLatch gate = gates.get(name);
                    if (gate != null && !gate.await(60, TimeUnit.SECONDS)) {
                        throw new IllegalStateException("test gate for " + name + " was never opened");
                    }
                } finally {
                    ended.add(name);
                    runningPerKey.get(key).decrementAndGet();
                }
                return Map.of("name", name);
            });
        }

        CountDownLatch gate(String name) {
            return gates.computeIfAbsent(name, n -> new CountDownLatch(1));
        }
    }

    private static String payload(String name, String key) {
        return key == null ? "{\"name\":\"" + name + "\"}"
                : "{\"name\":\"" + name + "\",\"concurrencyKey\":\"" + key + "\"}";
    }

    @Test
    void aSecondJobOfTheKeyWaitsForTheFirstWhileOtherKeysAndUnkeyedJobsRun() {
        Recorder recorder = new Recorder();
        CountDownLatch firstGate = recorder.gate("pr7-first");
        CountDownLatch otherGate = recorder.gate("pr8");
        CountDownLatch plainGate = recorder.gate("plain");
        Roomote roomote = fixture.start(true, Map.of("MAX_WORKERS", "4"), recorder.type());

        long first = enqueue(roomote, TYPE, payload("pr7-first", "acme/app#7"));
        awaitStatus(roomote, first, JobStatus.PROCESSING, WITHIN);
        long second = enqueue(roomote, TYPE, payload("pr7-second", "acme/app#7"));
        long other = enqueue(roomote, TYPE, payload("pr8", "acme/app#8"));
        long plain = enqueue(roomote, TYPE, payload("plain", null));

        // Jobs enqueued after the second one (another key, no key) start while a worker is still free...
        awaitStatus(roomote, other, JobStatus.PROCESSING, WITHIN);
        awaitStatus(roomote, plain, JobStatus.PROCESSING, WITHIN);
        // ...and the claim has passed the second job over (it was due before them), so it waits for its key.
        assertThat(roomote.queue().get(second).orElseThrow().status()).isEqualTo(JobStatus.PENDING);
        assertThat(fixture.repository().countClaimable(List.of(TYPE), 10)).isZero();

        firstGate.countDown();
        awaitStatus(roomote, first, JobStatus.COMPLETED, WITHIN);
        awaitStatus(roomote, second, JobStatus.COMPLETED, WITHIN);
        otherGate.countDown();
        plainGate.countDown();
        awaitStatus(roomote, other, JobStatus.COMPLETED, WITHIN);
        awaitStatus(roomote, plain, JobStatus.COMPLETED, WITHIN);

        assertThat(recorder.mostOfOneKeyAtOnce).hasValue(1);
        assertThat(recorder.ended.indexOf("pr7-first")).isLessThan(recorder.started.indexOf("pr7-second"));
        assertThat(fixture.repository().find(second).orElseThrow().result().get("name").asText()).isEqualTo("pr7-second");
    }

    /**
     * When a keyed job ends on one runner, idle runners elsewhere learn at once that the next job of the key is
     * free (the V9 trigger's NOTIFY), not at their next poll: here the poll is ten minutes away.
     */
    @Test
    void theEndOfAKeyedJobWakesIdleRunnersForTheNextJobOfItsKey() {
        JobRepository jobs = fixture.repository();
        long first = jobs.insert(new NewJob(TYPE, json(payload("a", "k")), null, null, TYPE + ":k"), 3).job().id();
        // Another runner (played by the test) runs the first job.
        Lease elsewhere = jobs.claim("other-runner", 1, Duration.ofMinutes(5), List.of(TYPE)).get(0);
        assertThat(elsewhere.jobId()).isEqualTo(first);
        Roomote idle = fixture.start(true, Map.of("MAX_WORKERS", "2", "POLL_INTERVAL_MS", "600000"), new Recorder().type());
        long second = enqueue(idle, TYPE, payload("b", "k"));
        // Its enqueue woke the runner, which found the key busy and went back to waiting.
        await().atMost(WITHIN).until(() -> jobs.countClaimable(List.of(TYPE), 10) == 0
                && idle.queue().get(second).orElseThrow().status() == JobStatus.PENDING);

        assertThat(jobs.complete(first, elsewhere.token(), node(Map.of()))).isTrue();

        awaitStatus(idle, second, JobStatus.COMPLETED, WITHIN);
    }

    @Test
    void jobsOfOneKeyAreClaimedOneAtATimeInTheOrderTheyAreDue() {
        JobRepository jobs = fixture.repository();
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ids.add(jobs.insert(new NewJob(TYPE, json(payload("k" + i, "k")), null, null, TYPE + ":k"), 3).job().id());
        }
        long free = jobs.insert(NewJob.of(TYPE, json(payload("free", null))), 3).job().id();

        for (long expected : ids) {
            assertThat(jobs.countClaimable(List.of(TYPE), 10)).isEqualTo(expected == ids.get(0) ? 2 : 1);
            List<Lease> claimed = jobs.claim("r", 10, Duration.ofMinutes(1), List.of(TYPE));
            List<Long> keyed = claimed.stream().map(Lease::jobId).filter(id -> id != free).toList();
            assertThat(keyed).containsExactly(expected);
            // While it runs, nothing of the key is claimable.
            assertThat(jobs.claim("r", 10, Duration.ofMinutes(1), List.of(TYPE))).isEmpty();
            assertThat(jobs.countClaimable(List.of(TYPE), 10)).isZero();
            Lease lease = claimed.stream().filter(l -> l.jobId() == expected).findFirst().orElseThrow();
            assertThat(jobs.complete(expected, lease.token(), node(Map.of()))).isTrue();
        }
        assertThat(jobs.countClaimable(List.of(TYPE), 10)).isZero();
    }

    @Test
    void aLeaseExpiredJobHoldsItsKeyUntilReclaimedAndThenOnlyOneRunsAgain() {
        io.roomote.core.testing.SettableClock clock = io.roomote.core.testing.SettableClock.startingNow();
        JobRepository jobs = fixture.repository(clock);
        long first = jobs.insert(new NewJob(TYPE, json(payload("a", "k")), null, null, TYPE + ":k"), 3).job().id();
        long second = jobs.insert(new NewJob(TYPE, json(payload("b", "k")), null, null, TYPE + ":k"), 3).job().id();

        assertThat(jobs.claim("dead-runner", 10, Duration.ofMillis(100), List.of(TYPE)))
                .extracting(Lease::jobId).containsExactly(first);
        // The lease has run out but is not taken back yet: its runner may still be working, so the key stays held.
        clock.advance(Duration.ofMillis(101));
        assertThat(jobs.nextLeaseExpiry()).contains(Duration.ZERO);
        assertThat(jobs.claim("r2", 10, Duration.ofMinutes(1), List.of(TYPE))).isEmpty();
        assertThat(jobs.countClaimable(List.of(TYPE), 10)).isZero();

        // Taken back with no backoff: both are pending again; the second is now due first, and only one runs.
        assertThat(jobs.reclaimExpired(new io.roomote.core.util.Backoff(Duration.ZERO, Duration.ZERO))).extracting(j -> j.id()).containsExactly(first);
        assertThat(jobs.countClaimable(List.of(TYPE), 10)).isEqualTo(1);
        List<Lease> again = jobs.claim("r2", 10, Duration.ofMinutes(1), List.of(TYPE));
        assertThat(again).extracting(Lease::jobId).containsExactly(second);
        assertThat(jobs.claim("r3", 10, Duration.ofMinutes(1), List.of(TYPE))).isEmpty();
        assertThat(jobs.complete(second, again.get(0).token(), node(Map.of()))).isTrue();
        assertThat(jobs.claim("r3", 10, Duration.ofMinutes(1), List.of(TYPE))).extracting(Lease::jobId)
                .containsExactly(first);
    }

    /**
     * The race the look-ups cannot see, played step by step: another transaction starts a job of the key that the
     * claimer's snapshot still shows as finished (so the claimer's look-ups find the key free), and commits while
     * the claimer is writing its claim. The unique index makes the claimer wait and then lose; its retry, with a
     * fresh snapshot, leaves the job pending. Without the index, both jobs of the key would be processing.
     */
    @Test
    void aClaimThatRacesAnotherStartOfItsKeyLosesAndLeavesTheJobPending() throws Exception {
        JobRepository jobs = fixture.repository();
        long earlier = jobs.insert(new NewJob(TYPE, json(payload("a", "k")), null, null, TYPE + ":k"), 3).job().id();
        fixture.sql("UPDATE cloud_jobs SET status = 'failed', completed_at = now() WHERE id = " + earlier);
        long later = jobs.insert(new NewJob(TYPE, json(payload("b", "k")), null, null, TYPE + ":k"), 3).job().id();

        try (java.sql.Connection other = fixture.database().connection()) {
            other.setAutoCommit(false);
            try (java.sql.Statement st = other.createStatement()) {
                // Another writer starts the failed job again (as a retry by hand and a claim would), not yet committed.
                st.executeUpdate("UPDATE cloud_jobs SET status = 'processing', lease_owner = 'other', lease_token ="
                        + " nextval('cloud_jobs_lease_token_seq'), lease_expires_at = now() + interval '1 minute'"
                        + " WHERE id = " + earlier);
            }
            ExecutorService claimer = Executors.newSingleThreadExecutor();
            try {
                Future<List<Lease>> claim = claimer.submit(() -> jobs.claim("r", 5, Duration.ofMinutes(1), List.of(TYPE)));
                // The claimer has found the key free in its snapshot and now waits on the other's index entry
                // (without the unique index it would not wait, and would claim the later job at once).
                await().atMost(WITHIN).until(() -> claim.isDone() || someoneWaitsOnALock());
                other.commit();
                assertThat(claim.get(60, TimeUnit.SECONDS)).isEmpty();
            } finally {
                claimer.shutdownNow();
            }
        }
        assertThat(jobs.find(earlier).orElseThrow().status()).isEqualTo(JobStatus.PROCESSING);
        assertThat(jobs.find(later).orElseThrow().status()).isEqualTo(JobStatus.PENDING);
    }

    /** Whether a session of this test's database is waiting for a lock (the claimer, on the writer's entry). */
    private boolean someoneWaitsOnALock() throws java.sql.SQLException {
        try (java.sql.Connection c = fixture.database().connection(); java.sql.Statement st = c.createStatement();
             java.sql.ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_stat_activity"
                     + " WHERE datname = current_database() AND wait_event_type = 'Lock'")) {
            rs.next();
            return rs.getInt(1) > 0;
        }
    }

    /**
     * Many claimers at once on few keys: whatever the interleaving of their snapshots and skipped locks, no two
     * jobs of one key are ever processing together, and each key's jobs run in the order they were enqueued.
     */
    @Test
    void concurrentClaimersNeverHoldTwoJobsOfOneKey() throws Exception {
        JobRepository jobs = fixture.repository();
        int keys = 3;
        int perKey = 15;
        for (int i = 0; i < perKey; i++) {
            for (int k = 0; k < keys; k++) {
                jobs.insert(new NewJob(TYPE, json(payload("k" + k + "-" + i, "k" + k)), null, null, "k" + k), 3);
            }
            jobs.insert(NewJob.of(TYPE, json(payload("free" + i, null))), 3);
        }
        Map<String, AtomicInteger> holding = new ConcurrentHashMap<>();
        AtomicInteger most = new AtomicInteger();
        Map<String, List<Integer>> order = new ConcurrentHashMap<>();
        AtomicInteger done = new AtomicInteger();
        int total = keys * perKey + perKey;
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Future<?>> claimers = new ArrayList<>();
            for (int t = 0; t < 6; t++) {
                String owner = "claimer-" + t;
                claimers.add(pool.submit(() -> {
                    while (done.get() < total) {
                        for (Lease lease : jobs.claim(owner, 3, Duration.ofMinutes(1), List.of(TYPE))) {
                            String name = lease.job().payload().get("name").asText();
                            String key = lease.job().payload().path("concurrencyKey").asText(name);
                            int now = holding.computeIfAbsent(key, x -> new AtomicInteger()).incrementAndGet();
                            most.accumulateAndGet(now, Math::max);
                            if (!name.startsWith("free")) {
                                order.computeIfAbsent(key, x -> Collections.synchronizedList(new ArrayList<>()))
                                        .add(Integer.parseInt(name.substring(name.indexOf('-') + 1)));
                            }
                            Thread.yield();
                            holding.get(key).decrementAndGet();
                            jobs.complete(lease.jobId(), lease.token(), node(Map.of()));
                            done.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : claimers) {
                f.get(120, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(most).hasValue(1);
        for (int k = 0; k < keys; k++) {
            List<Integer> expected = new ArrayList<>();
            for (int i = 0; i < perKey; i++) {
                expected.add(i);
            }
            assertThat(order.get("k" + k)).containsExactlyElementsOf(expected);
        }
        assertThat(fixture.repository().countByStatus().get(JobStatus.COMPLETED)).isEqualTo(total);
    }
}
