package io.roomote.jobs.github.setup;

import io.roomote.core.config.Durations;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How the repository's setup went.
 *
 * @param status   skipped (nothing configured), succeeded, failed (non-zero exit), timed out, or stopped (the job
 *                 was asked to stop)
 * @param source   what ran: {@code .roomote/setup.sh} or {@code ROOMOTE_SETUP_COMMAND}; empty when skipped
 * @param exitCode the setup's exit code; null when skipped, timed out or stopped
 * @param duration from start to the end of its process tree
 * @param logTail  its last output lines (each shortened), for the result of a failed job
 */
public record SetupResult(Status status, String source, Integer exitCode, Duration duration, List<String> logTail) {

    public enum Status { SKIPPED, SUCCEEDED, FAILED, TIMED_OUT, STOPPED }

    public SetupResult {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(duration, "duration");
        logTail = List.copyOf(logTail);
    }

    static SetupResult skipped() {
        return new SetupResult(Status.SKIPPED, "", null, Duration.ZERO, List.of());
    }

    /** Nothing to set up, or the setup exited with 0: the agent may start. */
    public boolean agentMayStart() {
        return status == Status.SKIPPED || status == Status.SUCCEEDED;
    }

    /**
     * For a failed or timed-out setup: one sentence saying what happened and what to fix, then its last output
     * lines. Empty for the other statuses.
     */
    public String message() {
        String what = switch (status) {
            case FAILED -> "the repository's setup (" + source + ") exited with code " + exitCode + " after "
                    + describe(duration) + "; fix it or ROOMOTE_SETUP_COMMAND";
            case TIMED_OUT -> "the repository's setup (" + source + ") timed out after " + describe(duration)
                    + "; make it faster or raise ROOMOTE_SETUP_TIMEOUT";
            default -> "";
        };
        if (what.isEmpty() || logTail.isEmpty()) {
            return what;
        }
        return what + "; its last output:\n" + String.join("\n", logTail);
    }

    private static String describe(Duration d) {
        return Durations.describe(Duration.ofMillis(d.toMillis() < 1000 ? d.toMillis() : d.toSeconds() * 1000));
    }
}
