package io.roomote.core.store;

import io.roomote.core.jobs.Job;
import io.roomote.core.jobs.JobStatus;
import io.roomote.core.jobs.Lease;
import io.roomote.core.jobs.NewJob;
import io.roomote.core.testing.QueueFixture;
import io.roomote.core.testing.SettableClock;
import io.roomote.core.util.Backoff;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static io.roomote.core.testing.QueueFixture.json;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Whose clock the repository's time-dependent statements go by ({@link QueueTime}), on a real PostgreSQL: a
 * settable clock's instant in tests (here one far from the machine's time, so the database's {@code now()} could
 * not pass for it), the database's {@code now()} in production.
 */
class QueueTimeTest {

    private static final List<String> TYPES = List.of("test.work");
    private static final Instant T0 = Instant.parse("2031-05-01T12:00:00Z");

    private final QueueFixture fixture = new QueueFixture();
    private final SettableClock clock = new SettableClock(T0);
    private final JobRepository jobs = fixture.repository(clock);

    @AfterEach
    void close() {
        fixture.close();
    }

    private Instant dbNow() {
        long micros = Long.parseLong(fixture.text("SELECT (extract(epoch FROM clock_timestamp()) * 1000000)::bigint"));
        return Instant.EPOCH.plus(micros, java.time.temporal.ChronoUnit.MICROS);
    }

    @Test
    void dueTimesLeasesAndBackoffsAreTheClocksInstants() {
        long id = jobs.insert(NewJob.of("test.work", json("{}")), 3).job().id();
        assertThat(jobs.find(id).orElseThrow().runAt()).isEqualTo(T0);
        clock.advance(Duration.ofSeconds(5));

        Lease lease = jobs.claim("r", 1, Duration.ofSeconds(60), TYPES).get(0);
        assertThat(lease.job().startedAt()).isEqualTo(T0.plusSeconds(5));
        assertThat(lease.job().heartbeatAt()).isEqualTo(T0.plusSeconds(5));
        assertThat(lease.job().leaseExpiresAt()).isEqualTo(T0.plusSeconds(65));
        assertThat(jobs.nextLeaseExpiry()).contains(Duration.ofSeconds(60));

        clock.advance(Duration.ofSeconds(10));
        assertThat(jobs.renew(Map.of(id, lease.token()), Duration.ofSeconds(60))).hasSize(1);
        assertThat(jobs.find(id).orElseThrow().leaseExpiresAt()).isEqualTo(T0.plusSeconds(75));

        assertThat(jobs.reschedule(id, lease.token(), "flaky", Duration.ofMillis(1500))).isTrue();
        assertThat(jobs.find(id).orElseThrow().runAt()).isEqualTo(T0.plusSeconds(15).plusMillis(1500));
        assertThat(jobs.countClaimable(TYPES, 10)).isZero();
        clock.advance(Duration.ofMillis(1500));
        assertThat(jobs.countClaimable(TYPES, 10)).isEqualTo(1);
    }

    @Test
    void anExpiredLeaseIsReclaimedByTheClockNotByTheDatabasesTime() {
        long id = jobs.insert(NewJob.of("test.work", json("{}")), 3).job().id();
        jobs.claim("dead", 1, Duration.ofSeconds(30), TYPES);
        Backoff backoff = new Backoff(Duration.ofSeconds(2), Duration.ofMinutes(1));

        // Real time is years before T0: by the database's clock, the lease is far from expired either way.
        clock.advance(Duration.ofSeconds(30));
        assertThat(jobs.reclaimExpiredLeases(backoff)).isEmpty();
        clock.advance(Duration.ofMillis(1));
        List<JobRepository.Reclaimed> back = jobs.reclaimExpiredLeases(backoff);

        assertThat(back).extracting(r -> r.job().id()).containsExactly(id);
        assertThat(back.get(0).job().status()).isEqualTo(JobStatus.PENDING);
        assertThat(back.get(0).dueIn()).isEqualTo(Duration.ofSeconds(2));
        assertThat(back.get(0).job().runAt()).isEqualTo(T0.plusSeconds(32).plusMillis(1));
        assertThat(jobs.nextLeaseExpiry()).isEmpty();
    }

    /** Fix: greatest(NULL, 0) is 0 in PostgreSQL, so this answered "an expiry now" with no job processing. */
    @Test
    void theNextLeaseExpiryIsEmptyWhenNoJobIsProcessing() {
        assertThat(jobs.nextLeaseExpiry()).isEmpty();
        jobs.insert(NewJob.of("test.work", json("{}")), 3);
        assertThat(jobs.nextLeaseExpiry()).as("pending only").isEmpty();
        jobs.claim("r", 1, Duration.ofSeconds(30), TYPES);
        assertThat(jobs.nextLeaseExpiry()).contains(Duration.ofSeconds(30));
        clock.advance(Duration.ofSeconds(31));
        assertThat(jobs.nextLeaseExpiry()).as("expired: zero, not negative").contains(Duration.ZERO);
    }

    @Test
    void inProductionTheDatabasesClockDecides() {
        JobRepository production = fixture.repository();
        Instant before = dbNow();
        long id = production.insert(NewJob.of("test.work", json("{}")), 3).job().id();
        Lease lease = production.claim("r", 1, Duration.ofSeconds(60), TYPES).get(0);
        Instant after = dbNow();

        Job job = production.find(id).orElseThrow();
        assertThat(job.runAt()).isBetween(before, after);
        assertThat(job.startedAt()).isBetween(before, after);
        assertThat(job.leaseExpiresAt()).isEqualTo(job.startedAt().plusSeconds(60));
        // The same row, seen by a repository on the settable clock (years ahead): its lease has long expired.
        assertThat(jobs.nextLeaseExpiry()).contains(Duration.ZERO);
        assertThat(lease.token()).isPositive();
    }
}
