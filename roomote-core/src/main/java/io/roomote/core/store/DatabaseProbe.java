package io.roomote.core.store;

import io.roomote.core.util.Threads;

import java.net.SocketTimeoutException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Checks the database in the background every {@code interval} on its own connection, bounded by
 * {@code timeout} at every step, and keeps the latest result: a health request reads it and never waits for
 * the database (with PostgreSQL down the pool would make it wait its 10 s connection timeout).
 */
public final class DatabaseProbe implements AutoCloseable {

    /**
     * One check. {@code problem} names the kind of failure only (never a host, user or message from the driver:
     * the health answer is public). {@code oldestPendingAt} is null when nothing is pending.
     */
    public record Result(boolean up, Instant checkedAt, Duration took, String problem, Instant oldestPendingAt) {
    }

    private final Database database;
    private final Duration interval;
    private final Duration timeout;
    private final Clock clock;
    private final ScheduledExecutorService checker = Executors.newSingleThreadScheduledExecutor(Threads.daemon("roomote-health"));
    private volatile Result latest;

    public DatabaseProbe(Database database, Duration interval, Duration timeout, Clock clock) {
        this.database = database;
        this.interval = interval;
        this.timeout = timeout;
        this.clock = clock;
    }

    /** Checks once now (bounded by the timeout), then every interval. */
    public DatabaseProbe start() {
        latest = check();
        checker.scheduleWithFixedDelay(() -> latest = check(), interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    public Result latest() {
        return latest;
    }

    public Duration interval() {
        return interval;
    }

    /**
     * Whether {@code result} is too old to trust: the checker should have replaced it by now, so it is stuck
     * (each check is bounded, so this means something is wrong beyond a slow database).
     */
    public boolean stale(Result result, Instant now) {
        Duration limit = interval.plus(timeout.multipliedBy(4)).plusSeconds(1);
        return Duration.between(result.checkedAt(), now).compareTo(limit) > 0;
    }

    Result check() {
        Instant start = clock.instant();
        int seconds = (int) Math.max(1, timeout.toSeconds());
        try (Connection c = database.boundedConnection(timeout)) {
            Optional<Instant> oldest = JobRepository.oldestPendingAt(c, seconds);
            return new Result(true, clock.instant(), Duration.between(start, clock.instant()), null, oldest.orElse(null));
        } catch (SQLException | RuntimeException e) {
            return new Result(false, clock.instant(), Duration.between(start, clock.instant()), kind(e), null);
        }
    }

    /** The kind of failure, in words safe to publish. */
    static String kind(Exception e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SocketTimeoutException) {
                return "no answer within the check's timeout";
            }
        }
        String state = e instanceof SQLException sql && sql.getSQLState() != null ? sql.getSQLState() : "";
        if (state.startsWith("08")) {
            return "unreachable";
        }
        if (state.startsWith("28")) {
            return "login refused";
        }
        if (state.equals("3D000")) {
            return "database does not exist";
        }
        if (state.equals("57014")) {
            return "no answer within the check's timeout";
        }
        if (state.startsWith("57P")) {
            return "shutting down";
        }
        return state.isEmpty() ? "error" : "error (SQLSTATE " + state + ")";
    }

    @Override
    public void close() {
        checker.shutdownNow();
    }
}
