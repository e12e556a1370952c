package io.roomote.core.jobs;

/**
 * A page of jobs, newest first. {@code status} and {@code type} filter when not null; {@code beforeId}
 * is the cursor (jobs with smaller ids), null for the first page.
 */
public record JobQuery(JobStatus status, String type, Long beforeId, int limit) {
    public static final int MAX_LIMIT = 500;

    public JobQuery {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new IllegalArgumentException("limit must be between 1 and " + MAX_LIMIT);
        }
    }
}
