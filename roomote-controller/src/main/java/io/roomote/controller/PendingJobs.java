package io.roomote.controller;

import java.util.Collection;
import java.util.Set;

/** What the controller reads from the queue. {@link DatabasePendingJobs} is the real one. */
public interface PendingJobs {

    /** Jobs a worker could claim now, counted up to {@code limit}. */
    int claimable(int limit);

    /** Which of these workers (by name: a worker's runner id is its name) hold a running job's lease now. */
    Set<String> leaseHolders(Collection<String> workerNames);

    /**
     * Puts jobs whose lease expired (their worker died) back in the queue. Pool runners do it as they go; a
     * controller's single-job workers do not live long enough to, so the controller does.
     */
    void reclaimExpiredLeases();
}
