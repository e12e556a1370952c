package io.roomote.core.queue;

import com.fasterxml.jackson.databind.JsonNode;
import io.roomote.spi.ValidationProblem;

import java.util.ArrayList;
import java.util.List;

/**
 * The body of {@code POST /api/jobs}: {@code {type, payload, dedupeKey?, maxAttempts?}}. Parsing reports
 * every problem of the envelope at once; the payload itself is checked by its job type.
 */
public record EnqueueRequest(String type, JsonNode payload, String dedupeKey, Integer maxAttempts) {

    public static final int MAX_DEDUPE_KEY_LENGTH = 200;
    public static final int MAX_TYPE_LENGTH = 100;
    public static final int MAX_ATTEMPTS_LIMIT = 20;

    public static EnqueueRequest parse(JsonNode body) {
        List<ValidationProblem> problems = new ArrayList<>();
        if (body == null || !body.isObject()) {
            throw new InvalidJobException(List.of(new ValidationProblem("", "the body must be a JSON object like"
                    + " {\"type\": \"<job type>\", \"payload\": {…}}")));
        }
        JsonNode type = body.get("type");
        if (type == null || type.isNull()) {
            problems.add(new ValidationProblem("type", "is required"));
        } else if (!type.isTextual() || type.asText().isBlank() || type.asText().length() > MAX_TYPE_LENGTH) {
            problems.add(new ValidationProblem("type", "must be a non-empty string of at most " + MAX_TYPE_LENGTH + " characters"));
        } else {
            StorableText.problem(type.asText()).ifPresent(p -> problems.add(new ValidationProblem("type", p)));
        }
        JsonNode payload = body.get("payload");
        if (payload == null || payload.isNull()) {
            problems.add(new ValidationProblem("payload", "is required"));
        } else if (!payload.isObject()) {
            problems.add(new ValidationProblem("payload", "must be a JSON object"));
        } else {
            problems.addAll(StorableText.problems(payload, "payload"));
        }
        String dedupeKey = null;
        JsonNode key = body.get("dedupeKey");
        if (key != null && !key.isNull()) {
            if (!key.isTextual() || key.asText().isBlank() || key.asText().length() > MAX_DEDUPE_KEY_LENGTH) {
                problems.add(new ValidationProblem("dedupeKey", "must be a non-empty string of at most "
                        + MAX_DEDUPE_KEY_LENGTH + " characters"));
            } else if (StorableText.problem(key.asText()).isPresent()) {
                problems.add(new ValidationProblem("dedupeKey", StorableText.problem(key.asText()).get()));
            } else {
                dedupeKey = key.asText();
            }
        }
        Integer maxAttempts = null;
        JsonNode attempts = body.get("maxAttempts");
        if (attempts != null && !attempts.isNull()) {
            // canConvertToInt first: asLong() of 18446744073709551619 wraps around to 3.
            if (!attempts.isIntegralNumber() || !attempts.canConvertToInt()
                    || attempts.intValue() < 1 || attempts.intValue() > MAX_ATTEMPTS_LIMIT) {
                problems.add(new ValidationProblem("maxAttempts", "must be an integer from 1 to " + MAX_ATTEMPTS_LIMIT));
            } else {
                maxAttempts = attempts.intValue();
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidJobException(problems);
        }
        return new EnqueueRequest(type.asText(), payload, dedupeKey, maxAttempts);
    }

    /** Strings PostgreSQL cannot store (NUL, lone surrogates) and non-finite numbers, wherever the request was made. */
    public List<ValidationProblem> unstorable() {
        List<ValidationProblem> problems = new ArrayList<>();
        StorableText.problem(type).ifPresent(p -> problems.add(new ValidationProblem("type", p)));
        problems.addAll(StorableText.problems(payload, "payload"));
        StorableText.problem(dedupeKey).ifPresent(p -> problems.add(new ValidationProblem("dedupeKey", p)));
        return problems;
    }
}
