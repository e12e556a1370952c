package io.roomote.core.jobs;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Objects;

/**
 * A job to enqueue. {@code dedupeKey} may be null; {@code maxAttempts} null means the runner's default.
 */
public record NewJob(String type, JsonNode payload, String dedupeKey, Integer maxAttempts) {
    public NewJob {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(payload, "payload");
    }

    public static NewJob of(String type, JsonNode payload) {
        return new NewJob(type, payload, null, null);
    }
}
