package io.roomote.jenkins.bridge.slack;

import io.roomote.jenkins.bridge.step.FixStepResult;

import io.roomote.core.slack.SlackSender;
import io.roomote.core.testing.SlackStandIn;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpClient;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The standalone runner's Slack thread for a step run, posted through core's SlackSender (Roomote's one sender,
 * real, over Java's HTTP client) to a STAND-IN of Slack's chat.postMessage (SlackStandIn, not Slack), or to a
 * recording lambda where only the texts matter.
 */
class StepSlackTest {

    private final SlackStandIn standIn;
    private final List<String> warnings = new CopyOnWriteArrayList<>();

    StepSlackTest() throws Exception {
        standIn = new SlackStandIn();
    }

    @AfterEach
    void tearDown() {
        standIn.close();
    }

    @Test
    void theStartOpensAThreadAndTheEndRepliesInIt() {
        SlackSender post = StepSlack.sender(HttpClient.newHttpClient(), "xoxb-step-token-0123456789", "#fixes",
                standIn.apiUrl());
        StepSlack slack = new StepSlack(post, "https://github.com", warnings::add);
        Instant start = Instant.parse("2026-11-24T10:00:00Z");

        Optional<String> thread = slack.started(12, "acme/app", 7, "claude");
        slack.finished(thread.orElseThrow(), new FixStepResult(12, "acme/app", 7, "completed", "pr_opened",
                "https://github.com/acme/app/pull/101", 101, "fix-7", null, 1, "claude", null, 0.5, null, null, 60_000L,
                null, null), start, start.plusSeconds(95));

        List<SlackStandIn.Message> m = standIn.messages();
        assertThat(m).hasSize(3);
        assertThat(m.get(0).channel()).isEqualTo("#fixes");
        assertThat(m.get(0).text()).isEqualTo("🚀 Task Started — Creating a pull request for "
                + "<https://github.com/acme/app/issues/7|GitHub Issue #7>\njobType: github.issue.fix, jobId: 12, agent: claude");
        assertThat(m.get(0).threadTs()).isNull();
        assertThat(m.get(0).authorization()).isEqualTo("Bearer xoxb-step-token-0123456789");
        assertThat(m.get(1).text()).isEqualTo("🎉 Pull request created: <https://github.com/acme/app/pull/101|PR #101>");
        assertThat(m.get(2).text()).isEqualTo("✅ Task completed in 95s — pr_opened, cost $0.50");
        assertThat(m.subList(1, 3)).allSatisfy(r -> assertThat(r.threadTs()).isEqualTo(m.get(0).ts()));
        assertThat(warnings).isEmpty();
    }

    @Test
    void aRateLimitedStartIsPostedAfterSlacksRetryAfterThroughCoresSender() {
        standIn.rateLimitNext(1); // 429 with Retry-After: 1, then ok
        StepSlack slack = new StepSlack(StepSlack.sender(HttpClient.newHttpClient(), "xoxb-step-token-0123456789", "#fixes",
                standIn.apiUrl()), "https://github.com", warnings::add);

        Optional<String> thread = slack.started(16, "acme/app", 10, "claude");

        assertThat(standIn.postMessageCalls()).isEqualTo(2);
        assertThat(standIn.messages()).singleElement().satisfies(m -> {
            assertThat(m.text()).startsWith("🚀 Task Started — ");
            assertThat(thread).contains(m.ts());
        });
        assertThat(warnings).isEmpty();
    }

    @Test
    void aFailedRunSaysWhyAndWhereTheWorkWent() {
        List<String[]> posted = new CopyOnWriteArrayList<>();
        StepSlack slack = new StepSlack((text, thread) -> {
            posted.add(new String[] {text, thread});
            return Optional.empty();
        }, null, warnings::add);

        slack.finished(null, new FixStepResult(13, "acme/app", 8, "cancelled", "cancelled", null, null, "fix-8",
                "roomote/wip/8-13", null, null, null, null, null, null, null, "cancelled by request", null), null, null);

        assertThat(posted).extracting(p -> p[0]).containsExactly("💾 Unfinished work saved to branch `roomote/wip/8-13`",
                "⚠️ Task cancelled");
    }

    @Test
    void slackTroubleNeverEscapes() {
        standIn.failWith("channel_not_found");
        SlackSender post = StepSlack.sender(HttpClient.newHttpClient(), "xoxb-step-token-0123456789", "#nope",
                standIn.apiUrl());
        StepSlack slack = new StepSlack(post, "https://github.com", warnings::add);
        assertThat(slack.started(14, "acme/app", 9, null)).isEmpty();
        slack.finished(null, FixStepResult.failedWithoutResult(14, "acme/app", 9, "boom"), Instant.now(), Instant.now());
        assertThat(warnings).hasSize(2).allSatisfy(w -> assertThat(w).contains("channel_not_found"));
    }

    @Test
    void aSkippedRunSaysWhyWithTheSameWordingAsTheService() {
        List<String> posted = new CopyOnWriteArrayList<>();
        StepSlack slack = new StepSlack((text, thread) -> {
            posted.add(text);
            return Optional.empty();
        }, null, warnings::add);

        slack.finished("1700000000.000001", new FixStepResult(15, "acme/app", 9, "failed", "skipped",
                "https://github.com/acme/app/pull/43", 43, null, null, null, null, null, null, null, null, 10L,
                "skipped: pull request #43 by alice is already open for this issue",
                "pull request #43 by alice is already open for this issue"), null, null);

        assertThat(posted).containsExactly("⏭️ Skipped — pull request #43 by alice is already open for this issue"
                + " (<https://github.com/acme/app/pull/43|PR #43>)");
    }
}
