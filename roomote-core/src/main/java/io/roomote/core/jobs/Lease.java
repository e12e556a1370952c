package io.roomote.core.jobs;

/** A claimed job and the fencing token that every write of its outcome must present. */
public record Lease(Job job, long token) {
    public long jobId() {
        return job.id();
    }
}
