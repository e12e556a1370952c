package io.roomote.sandbox.egress;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/** At most one job-log line per key per window, so a looping agent cannot flood the job's log. */
final class LogThrottle {

    private static final int MAX_KEYS = 4096;

    private final Clock clock;
    private final Duration window;
    private final ConcurrentMap<String, Instant> last = new ConcurrentHashMap<>();

    LogThrottle(Clock clock, Duration window) {
        this.clock = clock;
        this.window = window;
    }

    boolean admit(String key) {
        Instant now = clock.instant();
        if (last.size() > MAX_KEYS) {
            last.clear(); // bounded memory; at worst a few lines more
        }
        boolean[] admitted = {false};
        last.compute(key, (k, before) -> {
            if (before == null || !now.isBefore(before.plus(window))) {
                admitted[0] = true;
                return now;
            }
            return before;
        });
        return admitted[0];
    }
}
