package io.roomote.core.jobs;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Map;
import java.util.Objects;

/**
 * A job to enqueue. {@code dedupeKey} may be null; {@code maxAttempts} null means the runner's default;
 * {@code concurrencyKey} (the job type's {@code JobType.concurrencyKey}) may be null: no limit; {@code labels} are
 * the job type's {@code JobType.labels}.
 */
public record NewJob(String type, JsonNode payload, String dedupeKey, Integer maxAttempts, String concurrencyKey,
                     Map<String, String> labels) {
    public NewJob {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(payload, "payload");
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }

    /** A job without labels. */
    public NewJob(String type, JsonNode payload, String dedupeKey, Integer maxAttempts, String concurrencyKey) {
        this(type, payload, dedupeKey, maxAttempts, concurrencyKey, Map.of());
    }

    /** A job without a concurrency key. */
    public NewJob(String type, JsonNode payload, String dedupeKey, Integer maxAttempts) {
        this(type, payload, dedupeKey, maxAttempts, null);
    }

    public static NewJob of(String type, JsonNode payload) {
        return new NewJob(type, payload, null, null);
    }
}
