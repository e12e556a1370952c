package io.roomote.core.queue;

import io.roomote.core.jobs.JobStatus;
import io.roomote.core.store.JobSearchRepository;
import io.roomote.core.store.JobSearchRepository.Filter;

import java.util.ArrayList;
import java.util.List;

/**
 * Retry every failed job, or cancel every pending one, that a filter matches — the dashboard's and the API's bulk
 * operations. Each job goes through {@link JobQueue#retry} / {@link JobQueue#cancel} one by one, so a bulk action
 * means exactly what the single action means (a job whose dedupe key is held by an active job is left failed;
 * a job that started meanwhile is not touched). At most {@link #MAX_PER_REQUEST} jobs per call: the answer says
 * when more remain.
 */
public final class BulkActions {

    public static final int MAX_PER_REQUEST = 5_000;
    private static final int PAGE = 500;

    /**
     * @param changed   jobs retried / cancelled
     * @param unchanged matching jobs left as they were (dedupe key held, or started or finished meanwhile)
     * @param more      true when the cap was reached and more jobs may match
     */
    public record Result(long changed, long unchanged, boolean more) {
    }

    private final JobQueue queue;
    private final JobSearchRepository search;

    public BulkActions(JobQueue queue, JobSearchRepository search) {
        this.queue = queue;
        this.search = search;
    }

    /** Retries the failed jobs {@code filter} matches (its status, if any, must be failed). */
    public Result retryFailed(Filter filter) {
        requireStatus(filter, JobStatus.FAILED, "retry");
        return apply(filter.withStatus(JobStatus.FAILED),
                id -> queue.retry(id).outcome() == JobQueue.RetryOutcome.REQUEUED);
    }

    /** Cancels the pending jobs {@code filter} matches (its status, if any, must be pending); they never run. */
    public Result cancelPending(Filter filter) {
        requireStatus(filter, JobStatus.PENDING, "cancel");
        if (filter.finishedAs() != null) {
            throw new IllegalArgumentException("pending jobs have no outcome; drop the outcome filter");
        }
        return apply(filter.withStatus(JobStatus.PENDING), id -> queue.cancel(id).outcome() == JobQueue.CancelOutcome.CANCELLED);
    }

    private static void requireStatus(Filter filter, JobStatus wanted, String verb) {
        if (filter.status() != null && filter.status() != wanted) {
            throw new IllegalArgumentException("only " + wanted.dbValue() + " jobs can be " + (verb.equals("retry")
                    ? "retried" : "cancelled") + " in bulk; the filter asks for " + filter.status().dbValue() + " jobs");
        }
    }

    private Result apply(Filter filter, java.util.function.LongPredicate action) {
        // Ids first, newest first, page by page: acting changes the status, so the keyset cursor stays valid.
        List<Long> ids = new ArrayList<>();
        Long before = null;
        boolean more = false;
        while (true) {
            JobSearchRepository.Page page = search.search(filter, before, null, PAGE);
            for (JobSearchRepository.Summary s : page.jobs()) {
                if (ids.size() == MAX_PER_REQUEST) {
                    more = true;
                    break;
                }
                ids.add(s.id());
            }
            if (more || page.olderCursor() == null) {
                break;
            }
            before = page.olderCursor();
        }
        long changed = 0;
        for (long id : ids) {
            if (action.test(id)) {
                changed++;
            }
        }
        return new Result(changed, ids.size() - changed, more);
    }
}
