package io.roomote.core.jobs;

import io.roomote.core.util.Backoff;

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

    /** The waits between attempts: {@code baseDelay} doubling up to {@code maxDelay}. */
    public Backoff backoff() {
        return new Backoff(baseDelay, maxDelay);
    }

    /** Delay before the attempt after {@code attemptsSoFar} attempts. */
    public Duration delayAfter(int attemptsSoFar) {
        return backoff().after(attemptsSoFar);
    }
}
