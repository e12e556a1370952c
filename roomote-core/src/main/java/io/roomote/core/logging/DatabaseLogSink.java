package io.roomote.core.logging;

import io.roomote.core.store.JobLogRepository;
import io.roomote.core.util.Threads;
import io.roomote.spi.JobLogger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Stores job log lines in batches from a background thread, so a chatty agent costs one commit per batch
 * rather than one per line. A full buffer slows the writer down instead of dropping lines.
 */
public final class DatabaseLogSink implements LogSink, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DatabaseLogSink.class);
    private static final int MAX_BATCH = 500;

    private final JobLogRepository repository;
    private final BlockingQueue<JobLogRepository.Entry> buffer = new ArrayBlockingQueue<>(20_000);
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong stored = new AtomicLong();
    private final Object storedMonitor = new Object();
    private final Thread writer;
    private volatile boolean running = true;

    public DatabaseLogSink(JobLogRepository repository) {
        this.repository = repository;
        this.writer = new Thread(this::drainLoop, "roomote-job-log-writer");
        this.writer.setDaemon(true);
        this.writer.start();
    }

    @Override
    public void write(long jobId, int attempt, JobLogger.Level level, String line) {
        try {
            buffer.put(new JobLogRepository.Entry(jobId, attempt, level.name(), line, Instant.now()));
            written.incrementAndGet();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void flush() {
        long target = written.get();
        synchronized (storedMonitor) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (stored.get() < target && running) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    log.warn("job log flush timed out; {} line(s) still buffered", target - stored.get());
                    return;
                }
                try {
                    storedMonitor.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private void drainLoop() {
        List<JobLogRepository.Entry> batch = new ArrayList<>(MAX_BATCH);
        while (running || !buffer.isEmpty()) {
            try {
                JobLogRepository.Entry first = buffer.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                buffer.drainTo(batch, MAX_BATCH - 1);
                storeWithRetry(batch);
            } catch (InterruptedException e) {
                if (!running) {
                    buffer.drainTo(batch);
                    storeWithRetry(batch);
                    return;
                }
            }
        }
    }

    private void storeWithRetry(List<JobLogRepository.Entry> batch) {
        for (int attempt = 1; attempt <= 3 && !batch.isEmpty(); attempt++) {
            try {
                repository.append(batch);
                break;
            } catch (RuntimeException e) {
                if (attempt == 3) {
                    log.error("dropping {} job log line(s) after 3 failed writes: {}", batch.size(), e.getMessage());
                } else {
                    Threads.sleepQuietly(200L * attempt);
                }
            }
        }
        stored.addAndGet(batch.size());
        batch.clear();
        synchronized (storedMonitor) {
            storedMonitor.notifyAll();
        }
    }

    @Override
    public void close() {
        flush();
        running = false;
        writer.interrupt();
        try {
            writer.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
