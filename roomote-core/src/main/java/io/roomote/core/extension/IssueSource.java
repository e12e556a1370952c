package io.roomote.core.extension;

import io.roomote.core.queue.EnqueueRequest;

/**
 * {@code roomote enqueue ISSUE --repo OWNER/NAME}: reads the issue where it lives (e.g. GitHub) and says which
 * job fixes it. Runs in the command-line process, not in the runner: only settings are at hand.
 */
@FunctionalInterface
public interface IssueSource {

    /** The job for issue {@code issue} of {@code repo}; a refusal's message says what is wrong and what to do. */
    EnqueueRequest jobFor(String repo, int issue) throws Refused;

    /** The issue cannot become a job (not found, no credentials, …); the message is one line for the user. */
    final class Refused extends Exception {
        private static final long serialVersionUID = 1L;

        public Refused(String message) {
            super(message);
        }
    }
}
