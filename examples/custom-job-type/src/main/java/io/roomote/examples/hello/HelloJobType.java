package io.roomote.examples.hello;

import io.roomote.spi.JobCancelledException;
import io.roomote.spi.JobContext;
import io.roomote.spi.JobFailedException;
import io.roomote.spi.JobType;
import io.roomote.spi.ValidationProblem;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code example.hello}: greets someone, one log line per second for {@code seconds} seconds. Small, but it
 * shows every part of the SPI: a payload record, validation with field paths, a dedupe key, log lines,
 * honouring cancellation and the deadline, a result, and a final versus retryable failure.
 */
public final class HelloJobType implements JobType<HelloJobType.Payload, Map<String, Object>> {

    /** The JSON payload: {@code {"name": "Ada", "seconds": 3}}. */
    public record Payload(String name, Integer seconds) {
    }

    @Override
    public String id() {
        return "example.hello";
    }

    @Override
    public Class<Payload> payloadType() {
        return Payload.class;
    }

    @Override
    public List<ValidationProblem> validate(Payload p) {
        List<ValidationProblem> problems = new ArrayList<>();
        if (p.name() == null || p.name().isBlank()) {
            problems.add(new ValidationProblem("name", "is required"));
        } else if (p.name().length() > 100) {
            problems.add(new ValidationProblem("name", "must be at most 100 characters"));
        }
        if (p.seconds() != null && (p.seconds() < 0 || p.seconds() > 3600)) {
            problems.add(new ValidationProblem("seconds", "must be from 0 to 3600"));
        }
        return problems;
    }

    /** One greeting per name at a time. */
    @Override
    public Optional<String> dedupeKey(Payload p) {
        return Optional.of(p.name().toLowerCase(java.util.Locale.ROOT));
    }

    @Override
    public Map<String, Object> run(Payload p, JobContext ctx) throws Exception {
        int seconds = p.seconds() == null ? 0 : p.seconds();
        if ("nobody".equalsIgnoreCase(p.name())) {
            throw JobFailedException.permanent("there is nobody to greet");
        }
        for (int i = 1; i <= seconds; i++) {
            ctx.cancellation().throwIfCancelled();
            ctx.log().info("thinking about " + p.name() + " (" + i + "/" + seconds + ")");
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                throw new JobCancelledException(ctx.cancellation().reason().orElseThrow());
            }
        }
        ctx.log().info("Hello, " + p.name() + "!");
        return Map.of("greeting", "Hello, " + p.name() + "!", "attempt", ctx.attempt());
    }
}
