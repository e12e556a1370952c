package io.roomote.core.store;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;

/**
 * Whose clock the queue goes by: due times ({@code run_at}), leases, the reclaim of expired leases and retries'
 * backoff. In production it is the database's ({@link #database()}): several runners on several machines share
 * one queue, so only one clock may decide whether a lease has expired or a job is due, and skew between the
 * runners' clocks must never matter. Tests follow a settable {@link Clock} instead ({@link #following}), so they
 * move time forward rather than wait for it.
 *
 * <p>How: every time-dependent statement of {@link JobRepository} says {@code coalesce(?::timestamptz, now())}
 * where it used to say {@code now()}, and binds {@link #bind} there: SQL NULL in production, the clock's instant in
 * tests. Chosen over a session setting or a SQL function (more state on pooled connections, or a migration) and
 * over Java-side time in production (clock skew): it adds no round trip, and with NULL bound PostgreSQL folds the
 * expression to {@code now()} when it plans a statement, so the claim's plan and cost are those of the bare
 * {@code now()} ({@code ClaimPlanTest} compares them). Record-keeping times that decide nothing in the queue
 * ({@code created_at}, {@code updated_at}, the {@code completed_at} of a recorded outcome) stay the database's own.
 */
public final class QueueTime {

    /** The statements' spelling of "now" on the queue's time; each use is one parameter ({@link #bind}). */
    static final String NOW = "coalesce(?::timestamptz, now())";

    private static final QueueTime DATABASE = new QueueTime(null);

    /** Null: the database's clock. */
    private final Clock clock;

    private QueueTime(Clock clock) {
        this.clock = clock;
    }

    /** Production: the database's {@code now()} decides. */
    public static QueueTime database() {
        return DATABASE;
    }

    /** Tests: the queue's statements take {@code clock}'s instant as "now" (microseconds, as PostgreSQL keeps). */
    public static QueueTime following(Clock clock) {
        return new QueueTime(java.util.Objects.requireNonNull(clock, "clock"));
    }

    /**
     * The clock for time the worker pool measures itself (how long a job claimed ahead has waited for a slot): the
     * system's in production, the test's clock otherwise.
     */
    public Clock clock() {
        return clock == null ? Clock.systemUTC() : clock;
    }

    /** The value for the {@link #NOW} parameters of one statement: null (the database's now()) or the clock's instant. */
    OffsetDateTime now() {
        return clock == null ? null : OffsetDateTime.ofInstant(clock.instant().truncatedTo(ChronoUnit.MICROS), ZoneOffset.UTC);
    }

    /** Binds {@code now} (read once per statement by {@link #now()}) at each of {@code positions}. */
    static void bind(PreparedStatement ps, OffsetDateTime now, int... positions) throws SQLException {
        for (int position : positions) {
            if (now == null) {
                ps.setNull(position, Types.TIMESTAMP_WITH_TIMEZONE);
            } else {
                ps.setObject(position, now);
            }
        }
    }

    @Override
    public String toString() {
        return clock == null ? "the database's clock" : "the clock " + clock;
    }
}
