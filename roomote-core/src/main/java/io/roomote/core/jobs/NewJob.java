package io.roomote.core.jobs;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Objects;

/**
 * A job to enqueue. {@code dedupeKey} may be null; {@code maxAttempts} null means the runner's default;
 * {@code concurrencyKey} (the job type's {@code JobType.concurrencyKey}) may be null: no limit.
 */
public record NewJob(String type, JsonNode payload, String dedupeKey, Integer maxAttempts, String concurrencyKey) {
    public NewJob {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(payload, "payload");
    }

    /** A job without a concurrency key. */
    public NewJob(String type, JsonNode payload, String dedupeKey, Integer maxAttempts) {
        this(type, payload, dedupeKey, maxAttempts, null);
    }

    public static NewJob of(String type, JsonNode payload) {
        return new NewJob(type, payload, null, null);
    }
}
