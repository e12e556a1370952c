package io.roomote.spi;

import java.util.Objects;
import java.util.Optional;

/**
 * How Roomote speaks of one job — in Slack threads, issue comments and on the dashboard — without knowing its
 * type. A job type gives it through {@link JobType#describe}; the platform never reads a payload's or a result's
 * fields itself.
 *
 * @param doing   what the job does, as the start of a sentence: {@code "Creating a pull request for"}
 * @param subject what it works on, e.g. {@code GitHub Issue #12} with the address
 * @param made    what a finished job made, e.g. {@code Pull request created} with its link; empty while it
 *                runs, and when it made nothing worth a line of its own
 */
public record JobDescription(String doing, Link subject, Optional<Made> made) {

    public JobDescription {
        Objects.requireNonNull(doing, "doing");
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(made, "made");
    }

    /** A thing with a name and, when it has one, an address ({@code url} may be null). */
    public record Link(String text, String url) {
        public Link {
            Objects.requireNonNull(text, "text");
        }
    }

    /** What a job made: {@code "Pull request created"} and the pull request. */
    public record Made(String text, Link link) {
        public Made {
            Objects.requireNonNull(text, "text");
            Objects.requireNonNull(link, "link");
        }
    }
}
