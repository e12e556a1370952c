package io.roomote.core.step;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Remembers recent webhook deliveries by GitHub's delivery GUID ({@code X-GitHub-Delivery}) so that a
 * redelivered event starts nothing twice. Bounded in size and age; in memory (a controller restart forgets,
 * the check of an active build for the same issue still holds). Thread-safe.
 */
public final class DeliveryDedupe {

    private final int capacity;
    private final Duration ttl;
    private final Clock clock;
    private final LinkedHashMap<String, Instant> seen = new LinkedHashMap<>();

    public DeliveryDedupe(int capacity, Duration ttl, Clock clock) {
        this.capacity = capacity;
        this.ttl = ttl;
        this.clock = clock;
    }

    public DeliveryDedupe() {
        this(10_000, Duration.ofHours(24), Clock.systemUTC());
    }

    /** True the first time {@code guid} is seen (within the time to live); a blank GUID is always new. */
    public synchronized boolean firstTime(String guid) {
        if (guid == null || guid.isBlank()) {
            return true;
        }
        Instant now = clock.instant();
        for (Iterator<Map.Entry<String, Instant>> it = seen.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Instant> e = it.next();
            if (e.getValue().plus(ttl).isAfter(now) && seen.size() <= capacity) {
                break; // oldest first: the rest are younger
            }
            it.remove();
        }
        if (seen.containsKey(guid)) {
            return false;
        }
        seen.put(guid, now);
        return true;
    }

    public synchronized int size() {
        return seen.size();
    }
}
