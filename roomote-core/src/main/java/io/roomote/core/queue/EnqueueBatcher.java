package io.roomote.core.queue;

import io.roomote.core.jobs.Job;
import io.roomote.core.jobs.NewJob;
import io.roomote.core.logging.DatabaseLogSink;
import io.roomote.core.store.JobRepository;
import io.roomote.core.store.JobRepository.Inserted;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Group commit of single enqueues ({@link JobQueue#enqueue}). A caller queues its job and takes the write lock;
 * whoever holds it writes every job queued so far: one alone as one insert whose transaction also wakes idle
 * runners (one round trip, the idle pickup path), several as one multi-row insert with one wake-up per job type
 * in the same statement and commit ({@link JobRepository#insertEach}; a job whose dedupe key is taken is then
 * settled alone). So callers that arrive while a commit is under way share
 * the next one instead of each paying a statement and a commit, and at most one notifying commit of this process
 * is under way at a time (PostgreSQL serialises the commits of notifying transactions database-wide). No thread
 * of its own; every caller returns once its own job is committed, with its own answer (dedupe keys work as in a
 * lone insert: of callers sharing a key, the first creates the job and the others get it). Should the database
 * refuse a shared statement for what one job holds, each job of that batch is written alone, so one caller's
 * problem is never another's; an outage fails the batch, each caller sees the error.
 */
final class EnqueueBatcher {

    /** Most jobs per shared statement. */
    private static final int MAX_BATCH = 500;

    private record Pending(NewJob job, CompletableFuture<Inserted> answer) {
    }

    private final JobRepository jobs;
    private final int defaultMaxAttempts;
    private final ConcurrentLinkedQueue<Pending> queued = new ConcurrentLinkedQueue<>();
    private final ReentrantLock writing = new ReentrantLock();

    EnqueueBatcher(JobRepository jobs, int defaultMaxAttempts) {
        this.jobs = jobs;
        this.defaultMaxAttempts = defaultMaxAttempts;
    }

    /** Inserts the job, with whatever other jobs are queued meanwhile; returns once it is committed. */
    Inserted insert(NewJob job) {
        Pending mine = new Pending(job, new CompletableFuture<>());
        queued.add(mine);
        writing.lock();
        try {
            // Another caller's batch may have carried this job while we waited for the lock.
            while (!mine.answer().isDone()) {
                writeQueued();
            }
        } finally {
            writing.unlock();
        }
        try {
            return mine.answer().join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    private void writeQueued() {
        List<Pending> batch = new ArrayList<>();
        Pending next;
        while (batch.size() < MAX_BATCH && (next = queued.poll()) != null) {
            batch.add(next);
        }
        if (batch.size() == 1) {
            writeAlone(batch.get(0));
        } else if (!batch.isEmpty()) {
            try {
                List<java.util.Optional<Job>> inserted = jobs.insertEach(batch.stream().map(Pending::job).toList(),
                        defaultMaxAttempts);
                for (int i = 0; i < batch.size(); i++) {
                    Pending p = batch.get(i);
                    // Not inserted: its dedupe key is taken; settled alone, which finds the job holding it.
                    inserted.get(i).ifPresentOrElse(job -> p.answer().complete(new Inserted(job, true)),
                            () -> writeAlone(p));
                }
            } catch (RuntimeException e) {
                if (DatabaseLogSink.isOutage(e)) {
                    batch.forEach(p -> p.answer().completeExceptionally(e));
                } else {
                    batch.forEach(this::writeAlone);
                }
            }
        }
    }

    private void writeAlone(Pending p) {
        try {
            p.answer().complete(jobs.insert(p.job(), defaultMaxAttempts));
        } catch (RuntimeException e) {
            p.answer().completeExceptionally(e);
        }
    }
}
