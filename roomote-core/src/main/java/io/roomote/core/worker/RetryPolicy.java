package io.roomote.core.worker;

import java.time.Duration;

/**
 * How often and how soon failed jobs run again: at most {@code maxAttempts} attempts in all, the n-th retry
 * after {@code baseDelay × 2^(n-1)}, never more than {@code maxDelay}.
 */
public record RetryPolicy(int maxAttempts, Duration baseDelay, Duration maxDelay) {

    public static final RetryPolicy DEFAULT = new RetryPolicy(3, Duration.ofSeconds(2), Duration.ofHours(1));

    public RetryPolicy {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1");
        }
    }

    /** Delay before the attempt after {@code attemptsSoFar} attempts. */
    public Duration delayAfter(int attemptsSoFar) {
        int exponent = Math.max(0, Math.min(attemptsSoFar - 1, 30));
        long ms = baseDelay.toMillis() * (1L << exponent);
        return ms > maxDelay.toMillis() || ms < 0 ? maxDelay : Duration.ofMillis(ms);
    }
}
