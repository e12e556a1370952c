package io.roomote.core.worker;

import io.roomote.core.logging.DatabaseLogSink;
import io.roomote.core.store.JobLogRepository;
import io.roomote.core.store.JobRepository;
import io.roomote.core.store.JobRepository.Completion;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * Group commit of successful attempts. A worker that finished a job queues its completion and takes the write
 * lock; whoever holds it writes every completion queued so far in one statement ({@link JobRepository#completeAll})
 * and one durable commit, so workers that finish while a commit is under way share the next one instead of
 * paying a commit each. No thread or timer of its own: an idle runner's single completion is written at once by
 * its own worker. Every caller still returns only after its row is committed, and each row stays fenced by its
 * own token, so an outcome of a lease that was taken back is never recorded. The attempts' last log lines go
 * in the same statement; should the database refuse them for their content, the completions are written
 * without them and the lines go back to the log sink, which stores what it can line by line.
 */
final class CompletionBatcher {

    private record Pending(Completion completion, List<JobLogRepository.Entry> lines,
                           CompletableFuture<Boolean> recorded) {
    }

    private final JobRepository jobs;
    private final Consumer<List<JobLogRepository.Entry>> refusedLines;
    private final int maxBatch;
    private final ConcurrentLinkedQueue<Pending> queued = new ConcurrentLinkedQueue<>();
    private final ReentrantLock writing = new ReentrantLock();

    /**
     * @param maxBatch     most completions per statement (the runner's slots plus the jobs that may wait for
     *                     their commits)
     * @param refusedLines takes back log lines the database refused to store with the completions
     */
    CompletionBatcher(JobRepository jobs, int maxBatch, Consumer<List<JobLogRepository.Entry>> refusedLines) {
        this.jobs = jobs;
        this.refusedLines = refusedLines;
        this.maxBatch = Math.max(1, maxBatch);
    }

    /**
     * Records the success durably, with the attempt's last log lines, together with whatever other completions
     * are waiting. When this returns, the lines are stored or handed back to the log sink.
     *
     * @return false when the lease was no longer this token's (the row was left alone)
     * @throws RuntimeException when the statement failed; nothing of its batch was recorded, each caller may retry
     */
    boolean complete(Completion completion, List<JobLogRepository.Entry> lines) {
        Pending mine = new Pending(completion, lines, new CompletableFuture<>());
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
        List<Completion> completions = batch.stream().map(Pending::completion).toList();
        List<JobLogRepository.Entry> lines = batch.stream().flatMap(p -> p.lines().stream()).toList();
        try {
            Set<Long> recorded;
            try {
                recorded = jobs.completeAll(completions, lines);
            } catch (RuntimeException e) {
                if (lines.isEmpty() || DatabaseLogSink.isOutage(e)) {
                    throw e;
                }
                recorded = jobs.completeAll(completions, List.of());
                refusedLines.accept(lines);
            }
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
