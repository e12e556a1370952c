package io.roomote.core.store;

import io.roomote.core.jobs.Job;
import io.roomote.core.jobs.JobStatus;
import io.roomote.core.jobs.Lease;
import io.roomote.core.jobs.NewJob;
import io.roomote.core.testing.QueueFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.roomote.core.testing.QueueFixture.json;
import static io.roomote.core.testing.QueueFixture.node;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A worker whose lease was taken back holds a stale fencing token and can no longer change its job. */
class LeaseFencingTest {

    private static final List<String> TYPES = List.of("test.work");

    private final QueueFixture fixture = new QueueFixture();
    private final JobRepository jobs = fixture.repository();

    @AfterEach
    void close() {
        fixture.close();
    }

    @Test
    void aStaleTokenCannotRecordAnyOutcomeOrRenewTheLease() {
        long id = jobs.insert(NewJob.of("test.work", json("{}")), 3).job().id();
        Lease stale = jobs.claim("runner-a", 1, Duration.ofMillis(100), TYPES).get(0);

        // Runner A stops renewing; the lease expires and is taken back, then runner B claims the job.
        await().atMost(Duration.ofSeconds(10)).until(() -> !jobs.reclaimExpired(new io.roomote.core.util.Backoff(Duration.ZERO, Duration.ZERO)).isEmpty());
        Lease fresh = jobs.claim("runner-b", 1, Duration.ofMinutes(1), TYPES).get(0);

        assertThat(fresh.jobId()).isEqualTo(id);
        assertThat(fresh.token()).isGreaterThan(stale.token());
        assertThat(fresh.job().attempts()).isEqualTo(2);
        assertThat(jobs.complete(id, stale.token(), node(Map.of("by", "a")))).isFalse();
        assertThat(jobs.fail(id, stale.token(), "a failed", null)).isFalse();
        assertThat(jobs.cancelled(id, stale.token(), "a cancelled", null)).isFalse();
        assertThat(jobs.reschedule(id, stale.token(), "a retries", Duration.ZERO)).isFalse();
        assertThat(jobs.release(id, stale.token())).isFalse();
        assertThat(jobs.renew(Map.of(id, stale.token()), Duration.ofMinutes(1))).isEmpty();

        Job during = jobs.find(id).orElseThrow();
        assertThat(during.status()).isEqualTo(JobStatus.PROCESSING);
        assertThat(during.leaseOwner()).isEqualTo("runner-b");

        assertThat(jobs.renew(Map.of(id, fresh.token()), Duration.ofMinutes(1))).singleElement()
                .satisfies(s -> assertThat(s.jobId()).isEqualTo(id));
        assertThat(jobs.complete(id, fresh.token(), node(Map.of("by", "b")))).isTrue();
        Job done = jobs.find(id).orElseThrow();
        assertThat(done.status()).isEqualTo(JobStatus.COMPLETED);
        assertThat(done.result().get("by").asText()).isEqualTo("b");
        // Once finished, not even the last owner can write again.
        assertThat(jobs.fail(id, fresh.token(), "late", null)).isFalse();
    }

    @Test
    void tokensOnlyGrowAcrossClaims() {
        for (int i = 0; i < 5; i++) {
            jobs.insert(NewJob.of("test.work", json("{}")), 3);
        }
        List<Lease> leases = jobs.claim("r", 5, Duration.ofMinutes(1), TYPES);
        assertThat(leases).hasSize(5);
        long previous = 0;
        for (Lease lease : leases.stream().sorted((a, b) -> Long.compare(a.token(), b.token())).toList()) {
            assertThat(lease.token()).isGreaterThan(previous);
            previous = lease.token();
        }
        jobs.insert(NewJob.of("test.work", json("{}")), 3);
        assertThat(jobs.claim("r", 5, Duration.ofMinutes(1), TYPES).get(0).token()).isGreaterThan(previous);
    }

    @Test
    void aJobOfATypeThisRunnerDoesNotKnowIsLeftForAnotherRunner() {
        jobs.insert(NewJob.of("other.type", json("{}")), 3);
        assertThat(jobs.claim("r", 5, Duration.ofMinutes(1), TYPES)).isEmpty();
        assertThat(jobs.claim("r", 5, Duration.ofMinutes(1), List.of("other.type"))).hasSize(1);
    }

    @Test
    void aReclaimedJobWaitsWhatTheWorkersBackoffSaysForItsAttempts() {
        io.roomote.core.util.Backoff backoff = new io.roomote.core.util.Backoff(Duration.ofSeconds(10), Duration.ofSeconds(35));
        long id = jobs.insert(NewJob.of("test.work", json("{}")), 9).job().id();
        for (int attempt = 1; attempt <= 3; attempt++) {
            jobs.claim("runner-a", 1, Duration.ofMillis(1), TYPES);
            List<JobRepository.Reclaimed> reclaimed = awaitReclaim(backoff);
            assertThat(reclaimed).singleElement().satisfies(r -> assertThat(r.job().id()).isEqualTo(id));
            // The database's clock has moved on a little between now() and the answer: within a second of the wait.
            Duration expected = backoff.after(attempt);
            assertThat(reclaimed.get(0).dueIn()).as("attempt %d", attempt)
                    .isBetween(expected.minusSeconds(1), expected);
            fixture.sql("UPDATE cloud_jobs SET run_at = now() WHERE id = " + id);
        }
    }

    private List<JobRepository.Reclaimed> awaitReclaim(io.roomote.core.util.Backoff backoff) {
        java.util.concurrent.atomic.AtomicReference<List<JobRepository.Reclaimed>> out = new java.util.concurrent.atomic.AtomicReference<>();
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            List<JobRepository.Reclaimed> r = jobs.reclaimExpiredLeases(backoff);
            out.set(r);
            return !r.isEmpty();
        });
        return out.get();
    }
}
