package io.roomote.jenkins.bridge.trigger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * Remembers recent webhook deliveries by GitHub's delivery GUID ({@code X-GitHub-Delivery}) so that a
 * redelivered event starts nothing twice. Bounded in size and age; in memory (a controller restart forgets,
 * the check of an active build for the same issue still holds). Thread-safe.
 * <p>A delivery counts as handled only once its handler says so ({@link #handleOnce}): a delivery whose handling
 * failed (the job could not be scheduled, the configuration was wrong, an exception) is not remembered, so
 * GitHub's "Redeliver" button works after the problem is fixed.
 */
public final class DeliveryDedupe {

    private final int capacity;
    private final Duration ttl;
    private final Clock clock;
    private final LinkedHashMap<String, Instant> seen = new LinkedHashMap<>();
    private final Set<String> inFlight = new HashSet<>();

    public DeliveryDedupe(int capacity, Duration ttl, Clock clock) {
        this.capacity = capacity;
        this.ttl = ttl;
        this.clock = clock;
    }

    public DeliveryDedupe() {
        this(10_000, Duration.ofHours(24), Clock.systemUTC());
    }

    /**
     * Runs {@code handler} unless {@code guid} was already handled (within the time to live) or is being handled
     * right now; remembers {@code guid} only when the handler returns true. An exception of the handler propagates
     * and leaves the GUID unrecorded. A blank GUID is always handled.
     *
     * @return whether the handler ran
     */
    public boolean handleOnce(String guid, BooleanSupplier handler) {
        if (guid == null || guid.isBlank()) {
            handler.getAsBoolean();
            return true;
        }
        synchronized (this) {
            expire();
            if (seen.containsKey(guid) || !inFlight.add(guid)) {
                return false;
            }
        }
        boolean handled = false;
        try {
            handled = handler.getAsBoolean();
        } finally {
            synchronized (this) {
                inFlight.remove(guid);
                if (handled) {
                    seen.put(guid, clock.instant());
                }
            }
        }
        return true;
    }

    /** True the first time {@code guid} is seen (within the time to live), which records it; a blank GUID is always new. */
    public synchronized boolean firstTime(String guid) {
        if (guid == null || guid.isBlank()) {
            return true;
        }
        expire();
        if (seen.containsKey(guid)) {
            return false;
        }
        seen.put(guid, clock.instant());
        return true;
    }

    private void expire() {
        Instant now = clock.instant();
        for (Iterator<Map.Entry<String, Instant>> it = seen.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Instant> e = it.next();
            if (e.getValue().plus(ttl).isAfter(now) && seen.size() <= capacity) {
                break; // oldest first: the rest are younger
            }
            it.remove();
        }
    }

    public synchronized int size() {
        return seen.size();
    }
}
