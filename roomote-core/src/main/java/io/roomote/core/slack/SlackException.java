package io.roomote.core.slack;

import java.io.IOException;

/**
 * Why {@link SlackSender} did not post a message. The message never holds the token: only Slack's error code, an
 * HTTP status or the network problem.
 */
public final class SlackException extends IOException {

    /** What the caller can do about it. */
    public enum Reason {
        /** Slack said no (an error such as {@code channel_not_found}, or HTTP 4xx): retrying will not help. */
        REFUSED,
        /** Slack stayed unreachable, overloaded or rate limiting through every try. */
        GAVE_UP,
        /** The sender was closed (Roomote stopping) before Slack took the message. */
        STOPPED
    }

    private final Reason reason;
    private final String problem;
    private final int tries;

    SlackException(Reason reason, String problem, int tries) {
        super(switch (reason) {
            case REFUSED -> "Slack refused the message: " + problem;
            case GAVE_UP -> "Slack did not take the message after " + tries + (tries == 1 ? " try: " : " tries: ") + problem;
            case STOPPED -> "stopped before Slack took the message: " + problem;
        });
        this.reason = reason;
        this.problem = problem;
        this.tries = tries;
    }

    public Reason reason() {
        return reason;
    }

    /** Slack's error code, the HTTP status or the network problem of the last try, e.g. {@code channel_not_found}. */
    public String problem() {
        return problem;
    }

    /** How many times the message was sent. */
    public int tries() {
        return tries;
    }
}
