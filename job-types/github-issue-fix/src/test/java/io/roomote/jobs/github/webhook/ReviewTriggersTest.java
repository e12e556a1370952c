package io.roomote.jobs.github.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.roomote.core.config.ConfigurationException;
import io.roomote.core.config.Settings;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The pure part of review-round triggers: what {@link WebhookEvents} decides for review, review comment, PR
 * comment and check events (realistic payloads, test resources github/*.json), before GitHub is asked anything.
 */
class ReviewTriggersTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private final TriggerPolicy policy = TriggerPolicy.from(Settings.of(Map.of()), MAPPER);
    private final ReviewTriggers review = ReviewTriggers.from(Settings.of(Map.of()));
    private final ReviewTriggers withChecks = ReviewTriggers.from(Settings.of(Map.of("ROOMOTE_FIX_CHECKS", "true")));

    private static ObjectNode payload(String name) {
        return (ObjectNode) WebhookEventsTest.payload(name).deepCopy();
    }

    @Test
    void theMentionIsAWholeWordInAnyCase() {
        assertThat(review.mention()).contains("@roomote");
        assertThat(review.mentionedIn("Thanks! @Roomote, please rename it")).isTrue();
        assertThat(review.mentionedIn("@roomote")).isTrue();
        assertThat(review.mentionedIn("ask @roomote-bot or @roomotes")).isFalse();
        assertThat(review.mentionedIn("roomote please")).isFalse();
        assertThat(ReviewTriggers.from(Settings.of(Map.of("ROOMOTE_REVIEW_MENTION", "@acme-bot"))).mentionedIn("@acme-bot fix the test"))
                .isTrue();
        assertThatThrownBy(() -> ReviewTriggers.from(Settings.of(Map.of("ROOMOTE_FIX_CHECKS", "yes"))))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("ROOMOTE_FIX_CHECKS must be true or false");
    }

    @Test
    void aReviewCommentCarriesThePullRequestTheTriggerItsIdAndAuthor() {
        WebhookDecision d = WebhookEvents.decide("pull_request_review_comment", payload("pull-request-review-comment-created"),
                policy, review);
        assertThat(d).isEqualTo(new WebhookDecision.RevisePullRequest("acme/app", List.of(new WebhookDecision.PullRequestRef(
                101, null, "Fixes #42\n\nThe button now takes the container's width.\n\n<!-- roomote:job=1 -->\n",
                "roomote-bot", "acme/app", true)), "review_comment", 2001, "maintainer"));
    }

    @Test
    void aReviewAndAConversationCommentOnAPullRequestAskForARound() {
        assertThat(WebhookEvents.decide("pull_request_review", payload("pull-request-review-submitted"), policy, review))
                .isInstanceOfSatisfying(WebhookDecision.RevisePullRequest.class, r -> {
                    assertThat(r.trigger()).isEqualTo("review");
                    assertThat(r.triggerId()).isEqualTo(80);
                });
        assertThat(WebhookEvents.decide("issue_comment", payload("issue-comment-on-pull-request"), policy, review))
                .isInstanceOfSatisfying(WebhookDecision.RevisePullRequest.class, r -> {
                    assertThat(r.trigger()).isEqualTo("comment");
                    assertThat(r.triggerId()).isEqualTo(3001);
                    // No head in an issue_comment payload: the body is left for GitHub's answer.
                    assertThat(r.pullRequests()).containsExactly(new WebhookDecision.PullRequestRef(101, null, null, null, null, null));
                });
    }

    @Test
    void withoutReviewTriggersAPullRequestCommentIsRefusedAsBefore() {
        ObjectNode comment = payload("issue-comment-on-pull-request");
        ((ObjectNode) comment.get("comment")).put("body", "@roomote fix this please");
        assertThat(WebhookEvents.decide("issue_comment", comment, policy))
                .isEqualTo(new WebhookDecision.Reject("comments on pull requests do not start an agent here"));
        assertThat(WebhookEvents.decide("pull_request_review_comment", payload("pull-request-review-comment-created"), policy))
                .isInstanceOf(WebhookDecision.Ignore.class);
    }

    @Test
    void theIssuePolicyAppliesToReviewTriggers() {
        ObjectNode stranger = payload("pull-request-review-comment-created");
        ((ObjectNode) stranger.get("comment")).put("author_association", "NONE");
        assertThat(WebhookEvents.decide("pull_request_review_comment", stranger, policy, review))
                .isInstanceOfSatisfying(WebhookDecision.Reject.class, r -> assertThat(r.reason()).contains("author association NONE"));

        ObjectNode own = payload("pull-request-review-submitted");
        ((ObjectNode) own.get("review")).put("body", "@roomote round 2 done " + WebhookEvents.OWN_COMMENT_MARKER);
        assertThat(WebhookEvents.decide("pull_request_review", own, policy, review)).isInstanceOf(WebhookDecision.Ignore.class);

        TriggerPolicy onlyOther = TriggerPolicy.from(Settings.of(Map.of("ROOMOTE_ALLOWED_REPOS", "acme/other")), MAPPER);
        assertThat(WebhookEvents.decide("pull_request_review", payload("pull-request-review-submitted"), onlyOther, review))
                .isInstanceOfSatisfying(WebhookDecision.Reject.class, r -> assertThat(r.reason()).contains("ROOMOTE_ALLOWED_REPOS"));

        ObjectNode edited = payload("pull-request-review-comment-created");
        edited.put("action", "edited");
        assertThat(WebhookEvents.decide("pull_request_review_comment", edited, policy, review)).isInstanceOf(WebhookDecision.Ignore.class);
    }

    @Test
    void onlyFailedChecksWithFixChecksOnAskForARound() {
        JsonNode failed = payload("check-run-completed-failure");
        assertThat(WebhookEvents.decide("check_run", failed, policy, review))
                .isEqualTo(new WebhookDecision.Ignore("event_ignored", "check_run starts nothing unless ROOMOTE_FIX_CHECKS=true"));
        assertThat(WebhookEvents.decide("check_run", failed, policy, withChecks)).isEqualTo(new WebhookDecision.RevisePullRequest(
                "acme/app", List.of(new WebhookDecision.PullRequestRef(101, "fix-42", null, null, null, null)), "check_run", 4001, null));

        ObjectNode timedOut = payload("check-run-completed-failure");
        ((ObjectNode) timedOut.get("check_run")).put("conclusion", "timed_out");
        assertThat(WebhookEvents.decide("check_run", timedOut, policy, withChecks)).isInstanceOf(WebhookDecision.RevisePullRequest.class);

        ObjectNode neutral = payload("check-run-completed-failure");
        ((ObjectNode) neutral.get("check_run")).put("conclusion", "neutral");
        assertThat(WebhookEvents.decide("check_run", neutral, policy, withChecks)).isInstanceOf(WebhookDecision.Ignore.class);

        ObjectNode noPr = payload("check-run-completed-failure");
        ((ObjectNode) noPr.get("check_run")).putArray("pull_requests");
        assertThat(WebhookEvents.decide("check_run", noPr, policy, withChecks)).isInstanceOf(WebhookDecision.Ignore.class);

        // A check suite: the same shape under "check_suite".
        ObjectNode suite = payload("check-run-completed-failure");
        JsonNode run = suite.remove("check_run");
        ObjectNode s = suite.putObject("check_suite");
        s.put("id", 5001).put("head_branch", "fix-42").put("status", "completed").put("conclusion", "failure");
        s.set("pull_requests", run.get("pull_requests"));
        assertThat(WebhookEvents.decide("check_suite", suite, policy, withChecks)).isEqualTo(new WebhookDecision.RevisePullRequest(
                "acme/app", List.of(new WebhookDecision.PullRequestRef(101, "fix-42", null, null, null, null)), "check_suite", 5001, null));
    }
}
