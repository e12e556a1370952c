package io.roomote.core.logging;

import io.roomote.core.store.JobLogRepository;
import io.roomote.core.util.Threads;
import io.roomote.spi.JobLogger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Stores job log lines in batches from a background thread, so a chatty agent costs one commit per batch
 * rather than one per line.
 *
 * <p>Lines wait in a bounded memory buffer ({@link Limits}). While the database takes writes, a full buffer
 * slows the writer down instead of dropping lines. While it is unreachable, lines are kept and the batch is
 * retried (with backoff, for as long as the outage lasts) until the database is back, then written in order;
 * only once the buffer is full are further lines dropped — counted per job attempt, and replaced in that job's
 * log by one line saying how many were dropped. A batch the database refuses for its content (not for an
 * outage) is written line by line and only the refused lines are dropped.
 */
public final class DatabaseLogSink implements LogSink, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DatabaseLogSink.class);
    private static final int MAX_BATCH = 500;
    /** Waits between writes while the database is unreachable: 200 ms doubling to 2 s. */
    private static final io.roomote.core.util.Backoff RETRY =
            new io.roomote.core.util.Backoff(java.time.Duration.ofMillis(200), java.time.Duration.ofSeconds(2));
    private static final long CLOSE_WAIT_NANOS = TimeUnit.SECONDS.toNanos(5);
    /**
     * How long the first buffered line waits for company before it is written, by default. A job that ends
     * sooner takes its lines into its outcome's commit ({@link #detach}); a longer one's lines show up this much
     * later in its live log.
     */
    public static final Duration DEFAULT_LINGER = Duration.ofMillis(100);

    /**
     * How much the buffer holds: at most {@code maxLines} lines and {@code maxChars} characters of text,
     * plus the one batch (at most 500 lines) being written.
     */
    public record Limits(int maxLines, long maxChars) {
        /** 20,000 lines or 8 Mi characters (16 MiB of heap at most); agents' lines are cut at 4,000 characters. */
        public static final Limits DEFAULT = new Limits(20_000, 8L * 1024 * 1024);

        public Limits {
            if (maxLines < 2 || maxChars < 1) {
                throw new IllegalArgumentException("a log buffer needs room for at least two lines");
            }
        }
    }

    /** The lines of one attempt of one job. */
    private record Attempt(long jobId, int attempt) {
    }

    private final JobLogRepository repository;
    private final Limits limits;
    private final long lingerNanos;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notFull = lock.newCondition();
    private final Condition notEmpty = lock.newCondition();
    private final Condition storedMore = lock.newCondition();
    // Guarded by lock:
    private final ArrayDeque<JobLogRepository.Entry> buffer = new ArrayDeque<>();
    private final Map<Attempt, Long> droppedByAttempt = new LinkedHashMap<>();
    private long bufferedChars;
    private long written;
    private long stored;
    private long droppedInOutage;
    /** Lines written up to this count are awaited by a {@link #flush}: no lingering until they are stored. */
    private long flushUpTo;
    /** When the buffer last went from empty to not empty. */
    private long firstBufferedNanos;
    /** The attempts with lines in the batch being stored now. */
    private final java.util.Set<Attempt> inFlight = new java.util.HashSet<>();

    private final Thread writer;
    private volatile boolean running = true;
    private volatile boolean unreachable;
    private volatile long closeDeadline = Long.MAX_VALUE;

    public DatabaseLogSink(JobLogRepository repository) {
        this(repository, Limits.DEFAULT);
    }

    public DatabaseLogSink(JobLogRepository repository, Limits limits) {
        this(repository, limits, DEFAULT_LINGER);
    }

    /** @param linger how long the first buffered line waits for company before it is written */
    public DatabaseLogSink(JobLogRepository repository, Limits limits, Duration linger) {
        this.repository = repository;
        this.limits = limits;
        this.lingerNanos = linger.toNanos();
        this.writer = new Thread(this::drainLoop, "roomote-job-log-writer");
        this.writer.setDaemon(true);
        this.writer.start();
    }

    @Override
    public void write(long jobId, int attempt, JobLogger.Level level, String line) {
        JobLogRepository.Entry entry = new JobLogRepository.Entry(jobId, attempt, level.name(), line, Instant.now());
        Attempt key = new Attempt(jobId, attempt);
        lock.lock();
        try {
            while (true) {
                // A job that lost lines gets the count first, at the gap, so no later line comes before it.
                boolean owesCount = droppedByAttempt.containsKey(key);
                if (hasRoomFor(owesCount ? 2 : 1, line.length() + (owesCount ? 200 : 0))) {
                    if (owesCount) {
                        enqueue(droppedMarker(key, droppedByAttempt.remove(key)));
                    }
                    enqueue(entry);
                    return;
                }
                if (unreachable || !running) {
                    drop(key);
                    return;
                }
                // The database takes writes but we are faster: wait for room rather than lose the line.
                notFull.await(100, TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            lock.unlock();
        }
    }

    /** Returns once every line written so far is stored (or dropped), or after 10 s. */
    @Override
    public void flush() {
        lock.lock();
        try {
            long target = written;
            flushUpTo = Math.max(flushUpTo, target);
            notEmpty.signal();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (stored < target && writer.isAlive()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    log.warn("job log flush timed out; {} line(s) still buffered{}", target - stored,
                            unreachable ? " until the database is reachable again" : "");
                    return;
                }
                storedMore.awaitNanos(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public List<JobLogRepository.Entry> detach(long jobId, int attempt) {
        Attempt key = new Attempt(jobId, attempt);
        lock.lock();
        try {
            // Lines of the attempt on their way to the database land first, so the log keeps its order.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (inFlight.contains(key) && writer.isAlive()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                storedMore.awaitNanos(left);
            }
            List<JobLogRepository.Entry> mine = new ArrayList<>();
            Long dropped = droppedByAttempt.remove(key);
            if (dropped != null) {
                mine.add(droppedMarker(key, dropped));
            }
            int taken = 0;
            for (Iterator<JobLogRepository.Entry> it = buffer.iterator(); it.hasNext(); ) {
                JobLogRepository.Entry e = it.next();
                if (e.jobId() == jobId && e.attempt() == attempt) {
                    it.remove();
                    bufferedChars -= e.line().length();
                    mine.add(e);
                    taken++;
                }
            }
            if (taken > 0) {
                // Counted as stored: the caller stores them, and a flush must not wait for them here.
                stored += taken;
                storedMore.signalAll();
                notFull.signalAll();
            }
            return mine;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void restore(List<JobLogRepository.Entry> lines) {
        if (lines.isEmpty()) {
            return;
        }
        lock.lock();
        try {
            for (JobLogRepository.Entry e : lines) {
                enqueue(e);
            }
            flushUpTo = Math.max(flushUpTo, written);
            notEmpty.signal();
        } finally {
            lock.unlock();
        }
    }

    private boolean hasRoomFor(int lines, long chars) {
        return buffer.size() + lines <= limits.maxLines()
                && (buffer.isEmpty() || bufferedChars + chars <= limits.maxChars());
    }

    private void enqueue(JobLogRepository.Entry entry) {
        if (buffer.isEmpty()) {
            firstBufferedNanos = System.nanoTime();
        }
        buffer.add(entry);
        bufferedChars += entry.line().length();
        written++;
        // The writer needs waking only to start lingering or to write a full batch.
        if (buffer.size() == 1 || buffer.size() == MAX_BATCH) {
            notEmpty.signal();
        }
    }

    /** How much longer the buffered lines may wait for company; 0 when they should be written now. */
    private long lingerLeft() {
        if (!running || unreachable || flushUpTo > stored || buffer.size() >= MAX_BATCH) {
            return 0;
        }
        return firstBufferedNanos + lingerNanos - System.nanoTime();
    }

    private void drop(Attempt key) {
        if (droppedByAttempt.isEmpty() && droppedInOutage == 0) {
            log.warn("job log buffer full ({} lines / {} characters) while the database is unreachable: dropping new"
                    + " job log lines until it is back; each job's log will say how many it lost",
                    limits.maxLines(), limits.maxChars());
        }
        droppedByAttempt.merge(key, 1L, Long::sum);
        droppedInOutage++;
    }

    private static JobLogRepository.Entry droppedMarker(Attempt key, long count) {
        return new JobLogRepository.Entry(key.jobId(), key.attempt(), JobLogger.Level.WARN.name(),
                "[roomote] " + count + " log line(s) of this job were dropped here: the database was unreachable"
                        + " and Roomote's log buffer was full", Instant.now());
    }

    /** After room was made: the count of lines each job lost goes into its log at the gap. */
    private void placeDroppedMarkers() {
        Iterator<Map.Entry<Attempt, Long>> it = droppedByAttempt.entrySet().iterator();
        while (it.hasNext() && hasRoomFor(1, 200)) {
            Map.Entry<Attempt, Long> e = it.next();
            enqueue(droppedMarker(e.getKey(), e.getValue()));
            it.remove();
        }
    }

    private void drainLoop() {
        List<JobLogRepository.Entry> batch = new ArrayList<>(MAX_BATCH);
        while (true) {
            lock.lock();
            try {
                if (!running && buffer.isEmpty() && (droppedByAttempt.isEmpty() || unreachable)) {
                    return;
                }
                if (buffer.isEmpty() && !unreachable) {
                    placeDroppedMarkers();
                }
                if (buffer.isEmpty()) {
                    notEmpty.await(200, TimeUnit.MILLISECONDS);
                    continue;
                }
                long linger = lingerLeft();
                if (linger > 0) {
                    notEmpty.awaitNanos(linger);
                    continue;
                }
                while (!buffer.isEmpty() && batch.size() < MAX_BATCH) {
                    JobLogRepository.Entry e = buffer.poll();
                    bufferedChars -= e.line().length();
                    batch.add(e);
                    inFlight.add(new Attempt(e.jobId(), e.attempt()));
                }
                if (!buffer.isEmpty()) {
                    firstBufferedNanos = System.nanoTime() - lingerNanos; // a backlog: no more waiting
                }
                if (!unreachable) {
                    placeDroppedMarkers();
                }
                notFull.signalAll();
            } catch (InterruptedException e) {
                return; // nobody interrupts this thread but the JVM going down
            } finally {
                lock.unlock();
            }
            if (!batch.isEmpty()) {
                store(batch);
                lock.lock();
                try {
                    stored += batch.size();
                    inFlight.clear();
                    storedMore.signalAll();
                } finally {
                    lock.unlock();
                }
                batch.clear();
            }
        }
    }

    /** Stores a batch, waiting out a database outage; refused lines (bad content) are dropped one by one. */
    private void store(List<JobLogRepository.Entry> batch) {
        int failures = 0;
        while (true) {
            try {
                repository.append(batch);
                if (unreachable) {
                    recovered();
                }
                return;
            } catch (RuntimeException e) {
                if (!isOutage(e)) {
                    storeOneByOne(batch);
                    return;
                }
                if (!unreachable) {
                    unreachable = true;
                    log.warn("cannot store job log lines, the database is unreachable ({}); keeping up to {} lines in"
                            + " memory and retrying until it is back", e.getMessage(), limits.maxLines());
                }
                log.debug("storing job log lines failed", e);
                if (System.nanoTime() > closeDeadline) {
                    int lost;
                    lock.lock();
                    try {
                        lost = batch.size() + buffer.size();
                    } finally {
                        lock.unlock();
                    }
                    log.error("lost {} job log line(s): the database was still unreachable when Roomote stopped", lost);
                    return;
                }
                Threads.sleepQuietly(RETRY.after(++failures).toMillis());
            }
        }
    }

    private void recovered() {
        long dropped;
        lock.lock();
        try {
            unreachable = false;
            dropped = droppedInOutage;
            droppedInOutage = 0;
            placeDroppedMarkers();
            notFull.signalAll();
        } finally {
            lock.unlock();
        }
        log.info("the database is reachable again; buffered job log lines are being written{}",
                dropped > 0 ? " (" + dropped + " line(s) were dropped while the buffer was full)" : "");
    }

    private void storeOneByOne(List<JobLogRepository.Entry> batch) {
        int refused = 0;
        String reason = null;
        for (JobLogRepository.Entry entry : batch) {
            try {
                repository.append(List.of(entry));
            } catch (RuntimeException e) {
                refused++;
                reason = e.getMessage();
                log.debug("job {}: log line refused", entry.jobId(), e);
            }
        }
        if (refused > 0) {
            log.warn("dropped {} job log line(s) the database refused: {}", refused, reason);
        }
    }

    /** True for failures of the connection (database down, restarting, unreachable), not of the data. */
    public static boolean isOutage(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SQLTransientConnectionException || t instanceof SQLNonTransientConnectionException
                    || t instanceof SQLRecoverableException || t instanceof IOException) {
                return true;
            }
            if (t instanceof SQLException s && s.getSQLState() != null) {
                String state = s.getSQLState();
                return state.startsWith("08") || state.startsWith("57P") || state.equals("53300");
            }
        }
        return false;
    }

    /** Writes what is buffered (for up to 10 s, and 5 s more if the database is down), then stops. */
    @Override
    public void close() {
        flush();
        closeDeadline = System.nanoTime() + CLOSE_WAIT_NANOS;
        running = false;
        // Not interrupted: an interrupted thread cannot borrow a pooled connection, so the last lines would be lost.
        try {
            writer.join(TimeUnit.NANOSECONDS.toMillis(CLOSE_WAIT_NANOS) + 2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
