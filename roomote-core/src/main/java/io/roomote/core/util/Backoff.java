package io.roomote.core.util;

import java.time.Duration;

/**
 * Roomote's one backoff: after the n-th failure in a row, wait {@code base × 2^(n-1)}, never more than
 * {@code cap}. Job retries, reclaimed leases, Slack posts, job-log writes during a database outage, the
 * LISTEN connection and the controller's failed worker starts all wait by it.
 */
public record Backoff(Duration base, Duration cap) {

    /** Doublings beyond this are the cap anyway (2^30 × 1 ms is 12 days), and no long overflows. */
    private static final int MAX_EXPONENT = 30;

    public Backoff {
        if (base.isNegative() || cap.isNegative()) {
            throw new IllegalArgumentException("a backoff cannot be negative: base " + base + ", cap " + cap);
        }
    }

    /** The wait after {@code failures} failures in a row (0 or 1: the base). */
    public Duration after(int failures) {
        int exponent = Math.max(0, Math.min(failures - 1, MAX_EXPONENT));
        long ms = base.toMillis() * (1L << exponent);
        return ms > cap.toMillis() || ms < 0 ? cap : Duration.ofMillis(ms);
    }

    /**
     * {@link #after} for 1, 2, … {@code MAX_EXPONENT + 1} failures, in milliseconds: for SQL that settles many rows
     * with different counts in one statement ({@code delays[least(attempts, n)]}), so the database never computes a
     * backoff of its own.
     */
    public Long[] millisByFailures() {
        Long[] out = new Long[MAX_EXPONENT + 1];
        for (int i = 0; i < out.length; i++) {
            out[i] = after(i + 1).toMillis();
        }
        return out;
    }
}
