package io.roomote.core.jobs;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Instant;

/** One row of {@code cloud_jobs}. */
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
        String dedupeKey) {

    /** The original's BullMQ-style id, {@code <type>-<id>}. */
    public String enqueuedJobId() {
        return type + "-" + id;
    }
}
