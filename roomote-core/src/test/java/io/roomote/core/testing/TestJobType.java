package io.roomote.core.testing;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.roomote.spi.Configuration;
import io.roomote.spi.JobContext;
import io.roomote.spi.JobDescription;
import io.roomote.spi.JobType;
import io.roomote.spi.ValidationProblem;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A job type whose behaviour a test supplies as a lambda. Payloads are free-form JSON objects. */
public final class TestJobType implements JobType<ObjectNode, Object> {

    @FunctionalInterface
    public interface Body {
        Object run(ObjectNode payload, JobContext context) throws Exception;
    }

    /** How a test's type speaks of its jobs ({@link JobType#describe}). */
    @FunctionalInterface
    public interface Describer {
        Optional<JobDescription> describe(ObjectNode payload, Optional<Map<String, Object>> result);
    }

    private final String id;
    private final Body body;
    private final Describer describer;

    public TestJobType(String id, Body body) {
        this(id, body, (payload, result) -> Optional.empty());
    }

    public TestJobType(String id, Body body, Describer describer) {
        this.id = id;
        this.body = body;
        this.describer = describer;
    }

    @Override
    public Optional<JobDescription> describe(ObjectNode payload, Optional<Map<String, Object>> result, Configuration config) {
        return describer.describe(payload, result);
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public Class<ObjectNode> payloadType() {
        return ObjectNode.class;
    }

    /** Payload field "invalid" (a string) is a validation problem at path "invalid"; "alsoInvalid" another. */
    @Override
    public List<ValidationProblem> validate(ObjectNode payload) {
        List<ValidationProblem> problems = new ArrayList<>();
        if (payload.has("invalid")) {
            problems.add(new ValidationProblem("invalid", payload.get("invalid").asText()));
        }
        if (payload.has("alsoInvalid")) {
            problems.add(new ValidationProblem("alsoInvalid", payload.get("alsoInvalid").asText()));
        }
        return problems;
    }

    /** Payload field "key" is the dedupe key. */
    @Override
    public Optional<String> dedupeKey(ObjectNode payload) {
        return payload.hasNonNull("key") ? Optional.of(payload.get("key").asText()) : Optional.empty();
    }

    /** Payload field "labels" (an object of strings) is the job's labels. */
    @Override
    public Map<String, String> labels(ObjectNode payload) {
        Map<String, String> labels = new java.util.HashMap<>();
        payload.path("labels").fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
        return labels;
    }

    /** Payload field "concurrencyKey" is the concurrency key. */
    @Override
    public Optional<String> concurrencyKey(ObjectNode payload) {
        return payload.hasNonNull("concurrencyKey") ? Optional.of(payload.get("concurrencyKey").asText()) : Optional.empty();
    }

    @Override
    public Object run(ObjectNode payload, JobContext context) throws Exception {
        return body.run(payload, context);
    }
}
