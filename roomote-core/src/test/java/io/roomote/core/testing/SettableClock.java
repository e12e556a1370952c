package io.roomote.core.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A clock that stands still until a test moves it, for the queue's time ({@code QueueTime.following}) and the
 * worker pool's ({@code Roomote.startManualWorkers}): tests advance it past a lease, a backoff or a hold instead of
 * waiting. Thread-safe (worker threads read it while the test moves it). Test fixture only; in core's test-jar.
 */
public final class SettableClock extends Clock {

    private final AtomicReference<Instant> now;
    private final ZoneId zone;

    private SettableClock(AtomicReference<Instant> now, ZoneId zone) {
        this.now = now;
        this.zone = zone;
    }

    public SettableClock(Instant start) {
        this(new AtomicReference<>(start), ZoneOffset.UTC);
    }

    /**
     * Starting at the real time (whole milliseconds, so instants written to PostgreSQL and read back compare
     * equal), so rows a test writes outside the queue's statements (its database's own {@code now()}) are not
     * far from the queue's time.
     */
    public static SettableClock startingNow() {
        return new SettableClock(Instant.now().truncatedTo(ChronoUnit.MILLIS));
    }

    public void set(Instant instant) {
        now.set(instant);
    }

    /** Moves the clock forward by {@code by}; returns the new instant. */
    public Instant advance(Duration by) {
        if (by.isNegative()) {
            throw new IllegalArgumentException("a settable clock moves forward only; use set() to go back (" + by + ")");
        }
        return now.updateAndGet(t -> t.plus(by));
    }

    @Override
    public Instant instant() {
        return now.get();
    }

    @Override
    public ZoneId getZone() {
        return zone;
    }

    /** The same settable time, seen in another zone. */
    @Override
    public Clock withZone(ZoneId zone) {
        return new SettableClock(now, zone);
    }

    @Override
    public String toString() {
        return "SettableClock[" + now.get() + "]";
    }
}
