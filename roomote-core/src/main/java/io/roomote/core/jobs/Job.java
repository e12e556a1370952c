package io.roomote.core.jobs;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Instant;

/**
 * One row of {@code cloud_jobs}. {@code labels} are what its type gave at enqueue ({@code JobType.labels}), empty for
 * jobs stored before; {@code madeUrl} the link of what a completed job made ({@code JobType.describe}'s
 * {@code made()}), null when it made nothing with a link.
 */
public record Job(
        long id,
        String type,
        JobStatus status,
        JsonNode payload,
        JsonNode result,
        String error,
        String slackThreadTs,
        int attempts,
        int maxAttempts,
        Instant runAt,
        Instant createdAt,
        Instant startedAt,
        Instant completedAt,
        String leaseOwner,
        Long leaseToken,
        Instant leaseExpiresAt,
        Instant heartbeatAt,
        boolean cancelRequested,
        String dedupeKey,
        java.util.Map<String, String> labels,
        String madeUrl) {

    public Job {
        labels = labels == null ? java.util.Map.of() : java.util.Map.copyOf(labels);
    }

    /** A job without labels and without a made link. */
    public Job(long id, String type, JobStatus status, JsonNode payload, JsonNode result, String error,
               String slackThreadTs, int attempts, int maxAttempts, Instant runAt, Instant createdAt,
               Instant startedAt, Instant completedAt, String leaseOwner, Long leaseToken, Instant leaseExpiresAt,
               Instant heartbeatAt, boolean cancelRequested, String dedupeKey) {
        this(id, type, status, payload, result, error, slackThreadTs, attempts, maxAttempts, runAt, createdAt,
                startedAt, completedAt, leaseOwner, leaseToken, leaseExpiresAt, heartbeatAt, cancelRequested,
                dedupeKey, java.util.Map.of(), null);
    }

    /** The original's BullMQ-style id, {@code <type>-<id>}. */
    public String enqueuedJobId() {
        return type + "-" + id;
    }
}
