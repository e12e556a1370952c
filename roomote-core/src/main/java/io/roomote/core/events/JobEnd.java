package io.roomote.core.events;

import com.fasterxml.jackson.databind.JsonNode;
import io.roomote.core.jobs.Job;
import io.roomote.core.jobs.JobStatus;

import java.time.Duration;
import java.util.Optional;

/**
 * How a finished job ended, as Slack replies and issue comments tell it: which kind of ending, the result's
 * {@code outcome} and the reason said once. A job type's error may already start with its outcome
 * ({@code "skipped: issue closed"} with outcome {@code skipped}); {@link #reason} drops that prefix so that
 * no message repeats it.
 */
public record JobEnd(Kind kind, String outcome, String reason, String wipBranch, Double costUsd, Duration duration) {

    /** Kinds of endings, each with its own wording: a skipped job is neither a success nor a failure. */
    public enum Kind { COMPLETED, SKIPPED, FAILED, TIMED_OUT, CANCELLED }

    private static final String SKIPPED = "skipped";

    public static JobEnd of(Job job) {
        return of(job.status(), job.result(), job.error(), job.startedAt(), job.completedAt());
    }

    /** From what a finished run recorded: its status, result, error and when it started and ended (either may be null). */
    public static JobEnd of(JobStatus status, JsonNode result, String jobError, java.time.Instant startedAt,
                            java.time.Instant completedAt) {
        String outcome = text(result, "outcome").orElse(null);
        String error = jobError != null ? jobError : text(result, "reason").orElse(null);
        Kind kind;
        if (status == JobStatus.CANCELLED) {
            kind = Kind.CANCELLED;
        } else if (SKIPPED.equals(outcome) || (outcome == null && error != null && error.startsWith(SKIPPED + ": "))) {
            kind = Kind.SKIPPED;
            outcome = SKIPPED;
        } else if (status == JobStatus.COMPLETED) {
            kind = Kind.COMPLETED;
        } else if ("timed_out".equals(outcome) || (error != null && error.startsWith("timed out"))) {
            kind = Kind.TIMED_OUT;
        } else {
            kind = Kind.FAILED;
        }
        Duration duration = startedAt != null && completedAt != null ? Duration.between(startedAt, completedAt) : null;
        return new JobEnd(kind, outcome, withoutPrefix(error, outcome), text(result, "wipBranch").orElse(null),
                result != null && result.hasNonNull("costUsd") ? result.get("costUsd").asDouble() : null, duration);
    }

    /** {@code text} without leading {@code "<outcome>: "} (however often repeated); null stays null. */
    public static String withoutPrefix(String text, String outcome) {
        if (text == null || outcome == null || outcome.isEmpty()) {
            return text;
        }
        String prefix = outcome + ": ";
        String out = text;
        while (out.startsWith(prefix)) {
            out = out.substring(prefix.length());
        }
        return out;
    }

    private static Optional<String> text(JsonNode node, String field) {
        return node != null && node.hasNonNull(field) ? Optional.of(node.get(field).asText()) : Optional.empty();
    }
}
