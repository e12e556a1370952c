package io.roomote.controller;

import io.roomote.core.store.JobRepository;
import io.roomote.core.jobs.RetryPolicy;

import java.util.Collection;
import java.util.List;
import java.util.Set;

/** {@link PendingJobs} of the queue's database, for the job types the workers run. */
public final class DatabasePendingJobs implements PendingJobs {

    private final JobRepository jobs;
    private final List<String> types;
    private final RetryPolicy retry;

    public DatabasePendingJobs(JobRepository jobs, Collection<String> types, RetryPolicy retry) {
        this.jobs = jobs;
        this.types = List.copyOf(types);
        this.retry = retry;
    }

    @Override
    public int claimable(int limit) {
        return jobs.countClaimable(types, limit);
    }

    @Override
    public Set<String> leaseHolders(Collection<String> workerNames) {
        return jobs.leaseHolders(workerNames);
    }

    @Override
    public void reclaimExpiredLeases() {
        jobs.reclaimExpiredLeases(retry.backoff());
    }
}
