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

    /**
     * Start a review round ({@code github.pr.revise}) on one of {@code pullRequests}, once the handler has checked
     * with GitHub that it is Roomote's, open, and within its rounds. The policy (repository, author association,
     * bots, Roomote's own comments, the mention) has been applied already.
     *
     * @param trigger     {@code review}, {@code review_comment}, {@code comment}, {@code check_run} or {@code check_suite}
     * @param triggerId   GitHub's id of the review, comment, check run or check suite
     * @param requestedBy who asked (null for checks)
     */
    record RevisePullRequest(String repo, List<PullRequestRef> pullRequests, String trigger, long triggerId,
                             String requestedBy) implements WebhookDecision {
    }

    /**
     * A pull request named by the event. {@code body}, {@code author}, {@code headRepo} and {@code open} are what
     * the payload says of it, null when it says nothing (then the handler asks GitHub); {@code headRef} is the
     * head branch the event is about (a check's), null for review events.
     */
    record PullRequestRef(int number, String headRef, String body, String author, String headRepo, Boolean open) {
    }

    /** Nothing to do; {@code message} is the answer's code (event_ignored, action_ignored, pong, …). */
    record Ignore(String message, String reason) implements WebhookDecision {
    }

    /** A trigger that the policy refuses; answered 200 with the reason, and logged. */
    record Reject(String reason) implements WebhookDecision {
    }
}
