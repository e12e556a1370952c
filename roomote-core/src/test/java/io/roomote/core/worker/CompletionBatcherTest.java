package io.roomote.core.worker;

import io.roomote.core.Roomote;
import io.roomote.core.jobs.Job;
import io.roomote.core.jobs.JobLogLine;
import io.roomote.core.jobs.JobStatus;
import io.roomote.core.jobs.Lease;
import io.roomote.core.store.JobLogRepository;
import io.roomote.core.store.JobRepository;
import io.roomote.core.store.JobRepository.Completion;
import io.roomote.core.testing.QueueFixture;
import io.roomote.core.testing.TestJobType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static io.roomote.core.testing.QueueFixture.node;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Batched completion on a real PostgreSQL: {@link JobRepository#completeAll} fences each row by its own token,
 * and {@link CompletionBatcher} writes the completions that queue up during a commit in one transaction.
 */
class CompletionBatcherTest {

    private final QueueFixture fixture = new QueueFixture();
    private final Roomote roomote = fixture.start(false, Map.of(), new TestJobType("test.noop", (p, c) -> null));
    private final JobRepository jobs = fixture.repository();

    @AfterEach
    void close() {
        fixture.close();
    }

    private List<Lease> claimed(int n) {
        for (int i = 0; i < n; i++) {
            QueueFixture.enqueue(roomote, "test.noop", "{\"n\":" + i + "}");
        }
        List<Lease> leases = jobs.claim("runner-a", n, Duration.ofMinutes(5), List.of("test.noop"));
        assertThat(leases).hasSize(n);
        return leases;
    }

    /** As the reaper and another runner's claim do: the lease goes to a new token, the old one is stale. */
    private long takeOver(Lease lease) {
        fixture.sql("UPDATE cloud_jobs SET lease_owner = 'runner-b', lease_token = nextval('cloud_jobs_lease_token_seq')"
                + " WHERE id = " + lease.jobId());
        return jobs.find(lease.jobId()).orElseThrow().leaseToken();
    }

    @Test
    void completeAllRecordsEachRowOnlyWithItsCurrentTokenAndLeavesAStaleOneAlone() {
        List<Lease> leases = claimed(3);
        long newToken = takeOver(leases.get(1));

        Set<Long> recorded = jobs.completeAll(List.of(
                new Completion(leases.get(0).jobId(), leases.get(0).token(), node(Map.of("ok", 0))),
                new Completion(leases.get(1).jobId(), leases.get(1).token(), node(Map.of("ok", 1))),
                new Completion(leases.get(2).jobId(), leases.get(2).token(), null)));

        assertThat(recorded).containsExactlyInAnyOrder(leases.get(0).jobId(), leases.get(2).jobId());
        Job first = jobs.find(leases.get(0).jobId()).orElseThrow();
        assertThat(first.status()).isEqualTo(JobStatus.COMPLETED);
        assertThat(first.result().get("ok").asInt()).isZero();
        assertThat(first.leaseToken()).isNull();
        assertThat(first.completedAt()).isNotNull();
        Job third = jobs.find(leases.get(2).jobId()).orElseThrow();
        assertThat(third.status()).isEqualTo(JobStatus.COMPLETED);
        assertThat(third.result()).isNull();
        Job stale = jobs.find(leases.get(1).jobId()).orElseThrow();
        assertThat(stale.status()).isEqualTo(JobStatus.PROCESSING);
        assertThat(stale.leaseToken()).isEqualTo(newToken);
        assertThat(stale.leaseOwner()).isEqualTo("runner-b");
        assertThat(stale.result()).isNull();
    }

    @Test
    void completionsQueuedDuringACommitShareTheNextOneAndAStaleTokenInItIsNotRecorded() throws Exception {
        List<Lease> leases = claimed(4);
        Lease a = leases.get(0);
        Lease stale = leases.get(3);
        takeOver(stale);
        CompletionBatcher batcher = new CompletionBatcher(jobs, 5, lines -> { throw new AssertionError("no line is refused here"); });
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try (Connection blocker = fixture.database().connection(); Statement st = blocker.createStatement()) {
            // Hold A's row so A's commit is under way (blocked) while the others finish.
            blocker.setAutoCommit(false);
            st.execute("SELECT 1 FROM cloud_jobs WHERE id = " + a.jobId() + " FOR UPDATE");
            CompletableFuture<Thread> aThread = new CompletableFuture<>();
            Future<Boolean> aDone = pool.submit(() -> {
                aThread.complete(Thread.currentThread());
                return batcher.complete(new Completion(a.jobId(), a.token(), null), List.of());
            });
            await().atMost(Duration.ofSeconds(30)).until(() -> waitsForTheRowLock());
            List<CompletableFuture<Thread>> others = List.of(new CompletableFuture<>(), new CompletableFuture<>(),
                    new CompletableFuture<>());
            List<Future<Boolean>> othersDone = new java.util.ArrayList<>();
            for (int i = 1; i <= 3; i++) {
                Lease lease = leases.get(i);
                CompletableFuture<Thread> me = others.get(i - 1);
                othersDone.add(pool.submit(() -> {
                    me.complete(Thread.currentThread());
                    return batcher.complete(new Completion(lease.jobId(), lease.token(), node(Map.of("n", lease.jobId()))), List.of());
                }));
            }
            // All three are queued and parked on the write lock that A's worker holds.
            await().atMost(Duration.ofSeconds(30)).until(() -> others.stream().allMatch(f -> f.isDone()
                    && f.join().getState() == Thread.State.WAITING));
            blocker.commit();

            assertThat(aDone.get()).isTrue();
            assertThat(othersDone.get(0).get()).isTrue();
            assertThat(othersDone.get(1).get()).isTrue();
            assertThat(othersDone.get(2).get()).isFalse();
        } finally {
            pool.shutdownNow();
        }
        Job b = jobs.find(leases.get(1).jobId()).orElseThrow();
        Job c = jobs.find(leases.get(2).jobId()).orElseThrow();
        Job first = jobs.find(a.jobId()).orElseThrow();
        assertThat(List.of(first.status(), b.status(), c.status())).containsOnly(JobStatus.COMPLETED);
        // completed_at is now(), the start of the writing transaction: B and C were written in one, after A's.
        assertThat(b.completedAt()).isEqualTo(c.completedAt()).isAfter(first.completedAt());
        assertThat(b.result().get("n").asLong()).isEqualTo(b.id());
        Job staleJob = jobs.find(stale.jobId()).orElseThrow();
        assertThat(staleJob.status()).isEqualTo(JobStatus.PROCESSING);
        assertThat(staleJob.leaseOwner()).isEqualTo("runner-b");
    }

    private static JobLogRepository.Entry line(long jobId, String text) {
        return new JobLogRepository.Entry(jobId, 1, "INFO", text, java.time.Instant.now());
    }

    private String xmin(String table, String column, long id) {
        return fixture.text("SELECT string_agg(DISTINCT xmin::text, ',') FROM " + table + " WHERE " + column + " = " + id);
    }

    @Test
    void theAttemptsLastLogLinesShareTheCompletionsCommitAndAreKeptEvenWhenItsLeaseWasTakenBack() {
        List<Lease> leases = claimed(2);
        Lease done = leases.get(0);
        Lease stale = leases.get(1);
        takeOver(stale);

        Set<Long> recorded = jobs.completeAll(List.of(
                        new Completion(done.jobId(), done.token(), null),
                        new Completion(stale.jobId(), stale.token(), null)),
                List.of(line(done.jobId(), "attempt 1 succeeded"), line(stale.jobId(), "late line"),
                        line(done.jobId(), "after")));

        assertThat(recorded).containsExactly(done.jobId());
        assertThat(roomote.queue().logs(done.jobId(), 0, 10)).extracting(JobLogLine::line)
                .containsExactly("attempt 1 succeeded", "after");
        assertThat(roomote.queue().logs(stale.jobId(), 0, 10)).extracting(JobLogLine::line).containsExactly("late line");
        // One transaction wrote the outcome and the lines: the same xmin.
        assertThat(xmin("cloud_job_logs", "job_id", done.jobId())).isEqualTo(xmin("cloud_jobs", "id", done.jobId()));
    }

    @Test
    void linesTheDatabaseRefusesDoNotCostTheCompletionsAndGoBackToTheLogSink() {
        List<Lease> leases = claimed(2);
        long noSuchJob = leases.get(1).jobId() + 1_000; // the foreign key refuses its line
        List<JobLogRepository.Entry> refused = new java.util.concurrent.CopyOnWriteArrayList<>();
        CompletionBatcher batcher = new CompletionBatcher(jobs, 5, refused::addAll);

        List<JobLogRepository.Entry> lines = List.of(line(leases.get(0).jobId(), "fine"), line(noSuchJob, "refused"));
        assertThat(batcher.complete(new Completion(leases.get(0).jobId(), leases.get(0).token(), null), lines)).isTrue();

        assertThat(jobs.find(leases.get(0).jobId()).orElseThrow().status()).isEqualTo(JobStatus.COMPLETED);
        assertThat(refused).containsExactlyElementsOf(lines);
        assertThat(roomote.queue().logs(leases.get(0).jobId(), 0, 10)).as("stored by the sink, not here").isEmpty();
    }

    private boolean waitsForTheRowLock() throws Exception {
        try (Connection c = fixture.database().connection(); Statement st = c.createStatement();
             var rs = st.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
                     + " AND query LIKE 'UPDATE cloud_jobs j SET status = ''completed''%'")) {
            rs.next();
            return rs.getInt(1) == 1;
        }
    }
}
