package io.roomote.core.testing;

import io.roomote.spi.JobContext;
import io.roomote.spi.JobType;
import io.roomote.spi.ValidationProblem;

import java.util.List;
import java.util.Map;

/** {@code test.echo}: registered through META-INF/services in the test resources to prove ServiceLoader discovery. */
public final class EchoJobType implements JobType<EchoJobType.Payload, Map<String, Object>> {

    public record Payload(String message, Integer times) {
    }

    @Override
    public String id() {
        return "test.echo";
    }

    @Override
    public Class<Payload> payloadType() {
        return Payload.class;
    }

    @Override
    public List<ValidationProblem> validate(Payload payload) {
        List<ValidationProblem> problems = new java.util.ArrayList<>();
        if (payload.message() == null || payload.message().isBlank()) {
            problems.add(new ValidationProblem("message", "is required"));
        }
        if (payload.times() != null && payload.times() < 1) {
            problems.add(new ValidationProblem("times", "must be at least 1"));
        }
        return problems;
    }

    @Override
    public Map<String, Object> run(Payload payload, JobContext context) {
        int times = payload.times() == null ? 1 : payload.times();
        context.log().info("echoing " + payload.message());
        return Map.of("echo", payload.message().repeat(times), "attempt", context.attempt());
    }
}
