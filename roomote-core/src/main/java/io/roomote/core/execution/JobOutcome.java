package io.roomote.core.execution;

import com.fasterxml.jackson.databind.JsonNode;
import io.roomote.spi.Cancellation;

/** How one attempt of a job ended. */
public sealed interface JobOutcome {

    /**
     * The job type returned a result; {@code madeUrl} is the link of what it made, as its type describes it
     * ({@code JobType.describe(...).made()}), or null.
     */
    record Succeeded(JsonNode result, String madeUrl) implements JobOutcome {

        /** A result that made nothing with a link. */
        public Succeeded(JsonNode result) {
            this(result, null);
        }
    }

    /** The job type failed; {@code retryable} says whether another attempt could help. */
    record Failed(String error, boolean retryable, JsonNode result) implements JobOutcome {
    }

    /**
     * The job was stopped by its cancellation signal (user cancel, deadline, lost lease, shutdown).
     * {@code abandoned} is true when it did not stop within the grace period and was left behind.
     */
    record Stopped(Cancellation.Reason reason, String message, JsonNode result, boolean abandoned) implements JobOutcome {
    }
}
