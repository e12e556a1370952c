package io.roomote.jobs.github.webhook;

import java.util.List;

/** What a GitHub webhook delivery asks Roomote to do. */
public sealed interface WebhookDecision {

    /** Start a fix job for this issue. */
    record FixIssue(String repo, int issue, String title, String body, List<String> labels, String trigger)
            implements WebhookDecision {
    }

    /** A pull request that says it fixes an issue: tell that issue's job thread. */
    record PullRequestOpened(String repo, int issue, String url, int number) implements WebhookDecision {
    }

    /** Nothing to do; {@code message} is the answer's code (event_ignored, action_ignored, pong, …). */
    record Ignore(String message, String reason) implements WebhookDecision {
    }

    /** A trigger that the policy refuses; answered 200 with the reason, and logged. */
    record Reject(String reason) implements WebhookDecision {
    }
}
