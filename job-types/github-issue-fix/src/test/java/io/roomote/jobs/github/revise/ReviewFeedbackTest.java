package io.roomote.jobs.github.revise;

import io.roomote.jobs.github.GitHubApi;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** Which reviews and comments a round takes up. Pure: the lists are what GitHub would answer. */
class ReviewFeedbackTest {

    private static final Pattern MENTION = ReviewFeedback.mentionPattern("@roomote fix");
    private static final Instant T0 = Instant.parse("2026-11-30T10:00:00Z");

    private static GitHubApi.ReviewComment rc(long id, Long replyTo, String author, String body, int minute) {
        return new GitHubApi.ReviewComment(id, 1L, replyTo, author, body, "calc.py", 2, "@@ hunk", T0.plusSeconds(60L * minute), null);
    }

    private static GitHubApi.IssueComment comment(long id, String author, String body, int minute) {
        return new GitHubApi.IssueComment(id, author, body, T0.plusSeconds(60L * minute), null);
    }

    private static List<String> ids(List<ReviewFeedback.Item> items) {
        return items.stream().map(i -> i.kind() + ":" + i.id()).toList();
    }

    @Test
    void theMentionIsTheFirstWordOfTheTriggerMentionAsAWholeWord() {
        assertThat(MENTION.matcher("Hey @Roomote, please").find()).isTrue();
        assertThat(MENTION.matcher("@roomotebot please").find()).isFalse();
        assertThat(MENTION.matcher("mail me at x@roomote").find()).isFalse();
        assertThat(ReviewFeedback.mentionPattern("@helper do").matcher("@helper").find()).isTrue();
    }

    @Test
    void aReplyInAThreadWithAMentionCountsAndRoomotesOwnCommentsNever() {
        List<ReviewFeedback.Item> items = ReviewFeedback.collect("roomote-bot", MENTION, "manual", null, List.of(),
                List.of(), List.of(
                        rc(1, null, "alice", "@roomote rename this", 1),
                        rc(2, 1L, "roomote-bot", "@roomote done", 2),
                        rc(3, 1L, "bob", "and the test too", 3),
                        rc(4, null, "carol", "nit: spacing", 4)),
                List.of(), "abc");

        assertThat(ids(items)).containsExactly("review_comment:1", "review_comment:3");
        assertThat(items.get(1).thread()).containsExactly("alice: @roomote rename this", "Roomote: @roomote done");
    }

    @Test
    void afterARoundOnlyNewerMentionsAndTheTriggerCountAndNothingAlreadyAddressed() {
        String reply = RevisionRounds.roundMarker(5, 1) + "\n" + ReviewFeedback.ADDRESSED_PREFIX + "comment:10 -->";
        List<GitHubApi.IssueComment> conversation = List.of(
                comment(10, "alice", "@roomote first", 1),
                comment(11, "bob", "@roomote written while round 1 ran", 2),
                comment(12, "roomote-bot", reply, 3),
                // A stranger's copy of the markers changes nothing.
                comment(13, "mallory", RevisionRounds.roundMarker(6, 2) + ReviewFeedback.ADDRESSED_PREFIX + "comment:14 -->", 4),
                comment(14, "carol", "@roomote newer", 5));

        assertThat(ids(ReviewFeedback.collect("roomote-bot", MENTION, "comment", 11L, conversation, List.of(), List.of(),
                List.of(), "abc"))).containsExactly("comment:11", "comment:14");
        assertThat(ids(ReviewFeedback.collect("roomote-bot", MENTION, "comment", 10L, conversation.subList(0, 3),
                List.of(), List.of(), List.of(), "abc"))).isEmpty();
    }

    @Test
    void aFailingCheckOfTheCurrentHeadCountsWithItsOutputBoundedAtTheEnd() {
        String log = "x".repeat(20_000) + "\nFAILED test_add";
        List<GitHubApi.CheckRun> runs = List.of(
                new GitHubApi.CheckRun(1, "tests", "completed", "failure", "abc", "1 failed", "summary", log, null),
                new GitHubApi.CheckRun(2, "lint", "completed", "success", "abc", null, null, null, null),
                new GitHubApi.CheckRun(3, "old", "completed", "failure", "0ld", null, null, null, null));

        List<ReviewFeedback.Item> items = ReviewFeedback.collect("roomote-bot", MENTION, "check_suite", 9L, List.of(),
                List.of(), List.of(), runs, "abc");

        assertThat(ids(items)).containsExactly("check_run:1");
        assertThat(items.get(0).body()).contains("Check \"tests\" concluded failure.").endsWith("FAILED test_add")
                .hasSizeLessThan(ReviewFeedback.MAX_CHECK_TEXT + 500);
    }
}
