package io.roomote.core.worker;

import io.roomote.core.store.JobRepository;
import io.roomote.core.store.JobRepository.Completion;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Group commit of successful attempts. A worker that finished a job queues its completion and takes the write
 * lock; whoever holds it writes every completion queued so far in one statement ({@link JobRepository#completeAll})
 * and one durable commit, so workers that finish while a commit is under way share the next one instead of
 * paying a commit each. No thread or timer of its own: an idle runner's single completion is written at once by
 * its own worker. Every caller still returns only after its row is committed, and each row stays fenced by its
 * own token, so an outcome of a lease that was taken back is never recorded.
 */
final class CompletionBatcher {

    private record Pending(Completion completion, CompletableFuture<Boolean> recorded) {
    }

    private final JobRepository jobs;
    private final int maxBatch;
    private final ConcurrentLinkedQueue<Pending> queued = new ConcurrentLinkedQueue<>();
    private final ReentrantLock writing = new ReentrantLock();

    /** @param maxBatch most completions per statement (the runner's worker count is the natural bound) */
    CompletionBatcher(JobRepository jobs, int maxBatch) {
        this.jobs = jobs;
        this.maxBatch = Math.max(1, maxBatch);
    }

    /**
     * Records the success durably, together with whatever other completions are waiting.
     *
     * @return false when the lease was no longer this token's (the row was left alone)
     * @throws RuntimeException when the statement failed; nothing of its batch was recorded, each caller may retry
     */
    boolean complete(Completion completion) {
        Pending mine = new Pending(completion, new CompletableFuture<>());
        queued.add(mine);
        writing.lock();
        try {
            // Another worker's batch may have carried this completion while we waited for the lock.
            while (!mine.recorded().isDone()) {
                writeQueued();
            }
        } finally {
            writing.unlock();
        }
        try {
            return mine.recorded().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        }
    }

    private void writeQueued() {
        List<Pending> batch = new ArrayList<>();
        Pending next;
        while (batch.size() < maxBatch && (next = queued.poll()) != null) {
            batch.add(next);
        }
        if (batch.isEmpty()) {
            return;
        }
        try {
            Set<Long> recorded = jobs.completeAll(batch.stream().map(Pending::completion).toList());
            for (Pending p : batch) {
                p.recorded().complete(recorded.contains(p.completion().id()));
            }
        } catch (RuntimeException e) {
            for (Pending p : batch) {
                p.recorded().completeExceptionally(e);
            }
        }
    }
}
