package io.roomote.core.types;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.type.LogicalType;
import io.roomote.spi.JobType;
import io.roomote.spi.ValidationProblem;

import java.util.ArrayList;
import java.util.List;

/** Turns a JSON payload into a job type's payload object and collects every problem with it. */
public final class PayloadBinder {

    /** A bound payload, or the problems that stopped it. */
    public record Binding<P>(P payload, List<ValidationProblem> problems) {
        public boolean ok() {
            return problems.isEmpty();
        }
    }

    private final ObjectMapper mapper;

    public PayloadBinder(ObjectMapper mapper) {
        // Strict about types ("12" is not a number of issues), lenient about extra fields (forward compatible).
        this.mapper = mapper.copy()
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .disable(com.fasterxml.jackson.databind.MapperFeature.ALLOW_COERCION_OF_SCALARS);
        // ALLOW_COERCION_OF_SCALARS does not cover strings: without this, "title": 1 or true binds as "1"/"true".
        this.mapper.coercionConfigFor(LogicalType.Textual)
                .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
    }

    /** Binds and validates; {@code pathPrefix} is prepended to problem paths (e.g. {@code payload}). */
    public <P> Binding<P> bind(JobType<P, ?> type, JsonNode json, String pathPrefix) {
        if (json == null || !json.isObject()) {
            return new Binding<>(null, List.of(new ValidationProblem(pathPrefix,
                    "must be a JSON object, got " + (json == null ? "nothing" : json.getNodeType().name().toLowerCase(java.util.Locale.ROOT)))));
        }
        P payload;
        try {
            payload = mapper.treeToValue(json, type.payloadType());
        } catch (JsonProcessingException e) {
            return new Binding<>(null, List.of(problemOf(e, pathPrefix)));
        } catch (IllegalArgumentException e) {
            // A record's compact constructor rejected a value.
            return new Binding<>(null, List.of(new ValidationProblem(pathPrefix, e.getMessage())));
        }
        if (payload == null) {
            return new Binding<>(null, List.of(new ValidationProblem(pathPrefix, "is required")));
        }
        List<ValidationProblem> problems = new ArrayList<>();
        for (ValidationProblem p : type.validate(payload)) {
            String path = p.path().isEmpty() ? pathPrefix : pathPrefix + "." + p.path();
            problems.add(new ValidationProblem(path, p.message()));
        }
        return new Binding<>(problems.isEmpty() ? payload : null, List.copyOf(problems));
    }

    private static ValidationProblem problemOf(JsonProcessingException e, String prefix) {
        StringBuilder path = new StringBuilder(prefix);
        if (e instanceof JsonMappingException jme) {
            for (JsonMappingException.Reference ref : jme.getPath()) {
                if (ref.getFieldName() != null) {
                    path.append('.').append(ref.getFieldName());
                } else if (ref.getIndex() >= 0) {
                    path.append('[').append(ref.getIndex()).append(']');
                }
            }
        }
        String message;
        if (e instanceof InvalidFormatException ife) {
            message = "expected " + simpleName(ife.getTargetType()) + ", got " + describe(ife.getValue());
        } else if (e instanceof MismatchedInputException mie && mie.getTargetType() != null) {
            message = "expected " + simpleName(mie.getTargetType());
        } else {
            message = e.getOriginalMessage();
        }
        if (e.getCause() instanceof IllegalArgumentException iae && iae.getMessage() != null) {
            message = iae.getMessage();
        }
        return new ValidationProblem(path.toString(), message);
    }

    private static String simpleName(Class<?> type) {
        if (type == int.class || type == Integer.class || type == long.class || type == Long.class) {
            return "an integer";
        }
        if (type == String.class) {
            return "a string";
        }
        if (type == boolean.class || type == Boolean.class) {
            return "true or false";
        }
        if (java.util.Collection.class.isAssignableFrom(type) || type.isArray()) {
            return "an array";
        }
        if (Number.class.isAssignableFrom(type) || type.isPrimitive()) {
            return "a number";
        }
        return "an object";
    }

    private static String describe(Object value) {
        return value instanceof String s ? "\"" + s + "\"" : String.valueOf(value);
    }
}
