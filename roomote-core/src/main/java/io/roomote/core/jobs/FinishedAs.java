package io.roomote.core.jobs;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Locale;

/**
 * How a finished job ended, for the dashboard: finer than its status. A job type tells through the generic
 * {@code outcome} field of its result JSON ({@code skipped}, {@code no_changes}, {@code timed_out}); a completed
 * job that made something with a link ({@code made_url}: its type's {@code describe(...).made()}, e.g. a pull
 * request) is {@link #PULL_REQUEST}, whose value stays {@code pr} for the API and the dashboard; a failure whose error starts
 * with the queue's own {@code timed out after} is {@link #TIMED_OUT} for any type. Everything else follows the
 * status. The SQL of {@code JobSearchRepository.FINISHED_AS} (and of the V10 migration's index) is the same rule.
 */
public enum FinishedAs {
    PULL_REQUEST("pr", "PR opened"),
    COMPLETED("completed", "Completed"),
    NO_CHANGES("no_changes", "No changes"),
    SKIPPED("skipped", "Skipped"),
    FAILED("failed", "Failed"),
    TIMED_OUT("timed_out", "Timed out"),
    CANCELLED("cancelled", "Cancelled");

    private final String value;
    private final String label;

    FinishedAs(String value, String label) {
        this.value = value;
        this.label = label;
    }

    public String value() {
        return value;
    }

    public String label() {
        return label;
    }

    /** The status a job that ended so has. */
    public JobStatus status() {
        return switch (this) {
            case PULL_REQUEST, COMPLETED -> JobStatus.COMPLETED;
            case CANCELLED -> JobStatus.CANCELLED;
            default -> JobStatus.FAILED;
        };
    }

    public static FinishedAs parse(String value) {
        String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
        for (FinishedAs f : values()) {
            if (f.value.equals(v)) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown outcome \"" + value + "\"; one of pr, completed, no_changes,"
                + " skipped, failed, timed_out, cancelled");
    }

    /** How a job ended, by the same rule as the SQL; null while it has not. */
    public static FinishedAs of(Job job) {
        if (!job.status().isTerminal()) {
            return null;
        }
        if (job.status() == JobStatus.CANCELLED) {
            return CANCELLED;
        }
        JsonNode r = job.result();
        String outcome = r != null && r.isObject() && r.path("outcome").isTextual() ? r.path("outcome").asText() : null;
        if ("skipped".equals(outcome)) {
            return SKIPPED;
        }
        if ("no_changes".equals(outcome)) {
            return NO_CHANGES;
        }
        if ("timed_out".equals(outcome)
                || job.status() == JobStatus.FAILED && job.error() != null && job.error().startsWith("timed out after ")) {
            return TIMED_OUT;
        }
        if (job.status() == JobStatus.COMPLETED) {
            return job.madeUrl() != null ? PULL_REQUEST : COMPLETED;
        }
        return FAILED;
    }

    /** Null for a null value (a job that has not finished). */
    public static FinishedAs fromDb(String value) {
        return value == null ? null : parse(value);
    }
}
