package io.roomote.bench;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Where no-op handlers report their start. A latency sample registers its sequence number before the enqueue;
 * throughput runs only count.
 */
public final class StartProbe {

    /**
     * When a handler started: {@link System#nanoTime()} (CLOCK_MONOTONIC on Linux, so comparable across the
     * processes of one machine) and the wall clock in µs (comparable with PostgreSQL's {@code now()} on the
     * same machine).
     */
    public record Start(long nanos, long epochMicros) {
    }

    private final ConcurrentHashMap<Long, CompletableFuture<Start>> expected = new ConcurrentHashMap<>();
    private final AtomicInteger started = new AtomicInteger();
    private final AtomicLong firstStart = new AtomicLong(Long.MAX_VALUE);

    public void started(long seq, long nanos) {
        started.incrementAndGet();
        firstStart.accumulateAndGet(nanos, Math::min);
        CompletableFuture<Start> waiter = expected.remove(seq);
        if (waiter != null) {
            Instant now = Instant.now();
            waiter.complete(new Start(nanos, now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000));
        }
    }

    /** Completes when the handler of job {@code seq} starts; call before enqueueing it. */
    public CompletableFuture<Start> expect(long seq) {
        return expected.computeIfAbsent(seq, s -> new CompletableFuture<>());
    }

    public void reset() {
        expected.clear();
        started.set(0);
        firstStart.set(Long.MAX_VALUE);
    }

    public int startedCount() {
        return started.get();
    }

    /** Start time of the earliest handler since {@link #reset()}. */
    public long firstStartNanos() {
        return firstStart.get();
    }

    /** Waits (1 ms steps, cheap next to a job) until {@code count} handlers have started. */
    public void awaitStarted(int count, Duration timeout) throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (started.get() < count) {
            if (System.nanoTime() > deadline) {
                throw new TimeoutException("only " + started.get() + " of " + count + " jobs started within " + timeout);
            }
            Thread.sleep(1);
        }
    }
}
