package io.roomote.core.slack;

import io.roomote.core.Roomote;
import io.roomote.core.config.Settings;
import io.roomote.core.jobs.Job;
import io.roomote.core.jobs.JobStatus;
import io.roomote.core.store.JobNotesRepository;
import io.roomote.core.testing.QueueFixture;
import io.roomote.core.testing.SlackStandIn;
import io.roomote.core.testing.TestJobType;
import io.roomote.core.types.JobTypeRegistry;
import io.roomote.spi.JobFailedException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;

import static io.roomote.core.testing.QueueFixture.awaitStatus;
import static io.roomote.core.testing.QueueFixture.enqueue;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Slack threads per job, against a stand-in of chat.postMessage (SlackStandIn, not Slack). */
class SlackNotifierTest {

    private static final Duration WITHIN = Duration.ofSeconds(30);

    private final QueueFixture fixture = new QueueFixture();
    private final SlackStandIn slack;
    private SlackNotifier notifier;

    SlackNotifierTest() throws Exception {
        slack = new SlackStandIn();
    }

    @AfterEach
    void close() {
        fixture.close();
        if (notifier != null) {
            notifier.close();
        }
        slack.close();
    }

    private Roomote start(TestJobType type) throws Exception {
        Settings settings = Settings.of(Map.of("SLACK_API_TOKEN", "xoxb-test-token-1234567890", "SLACK_API_URL", slack.apiUrl(),
                "GITHUB_SERVER_URL", "https://github.example", "POLL_INTERVAL_MS", "200"));
        notifier = new SlackNotifier(SlackSettings.from(settings), new JobNotesRepository(fixture.database()),
                job -> "roo-code", 50);
        return Roomote.start(settings, fixture.database(), JobTypeRegistry.of(type),
                Files.createTempDirectory("home"), true, notifier);
    }

    @Test
    void aJobGetsOneThreadStartedAtItsStartWithEveryLaterEventAsAReply() throws Exception {
        Roomote roomote = start(new TestJobType("github.issue.fix", (p, c) -> Map.of("outcome", "pr_opened",
                "prUrl", "https://github.example/acme/app/pull/9", "prNumber", 9, "costUsd", 0.4213)));

        long id = enqueue(roomote, "github.issue.fix", "{\"repo\":\"acme/app\",\"issue\":7}");
        awaitStatus(roomote, id, JobStatus.COMPLETED, WITHIN);
        await().atMost(WITHIN).until(() -> slack.messages().size() == 3);

        var started = slack.messages().get(0);
        assertThat(started.channel()).isEqualTo("#roomote-control");
        assertThat(started.threadTs()).isNull();
        assertThat(started.text()).startsWith("🚀 Task Started — Creating a pull request for "
                + "<https://github.example/acme/app/issues/7|GitHub Issue #7>")
                .contains("jobType: github.issue.fix, jobId: " + id + ", agent: roo-code");
        assertThat(started.authorization()).isEqualTo("Bearer xoxb-test-token-1234567890");
        assertThat(slack.messages().subList(1, 3)).allSatisfy(m -> assertThat(m.threadTs()).isEqualTo(started.ts()));
        assertThat(slack.messages().get(1).text()).isEqualTo("🎉 Pull request created: <https://github.example/acme/app/pull/9|PR #9>");
        assertThat(slack.messages().get(2).text()).startsWith("✅ Task completed in ").contains("pr_opened").endsWith("cost $0.42");
        await().atMost(WITHIN).until(() -> started.ts().equals(roomote.queue().get(id).orElseThrow().slackThreadTs()));
    }

    @Test
    void aFailureIsRepliedWithItsError() throws Exception {
        Roomote roomote = start(new TestJobType("test.fails", (p, c) -> {
            throw JobFailedException.permanent("no_changes: the agent finished without committing any change");
        }));

        long id = enqueue(roomote, "test.fails", "{}");
        awaitStatus(roomote, id, JobStatus.FAILED, WITHIN);
        await().atMost(WITHIN).until(() -> slack.messages().size() == 2);

        assertThat(slack.messages().get(0).text()).startsWith("🚀 Task Started — Running test.fails");
        assertThat(slack.messages().get(1).text()).startsWith("❌ Task failed")
                .endsWith(": no_changes: the agent finished without committing any change");
    }

    @Test
    void rateLimitsAreWaitedOutWithRetryAfter() throws Exception {
        slack.rateLimitNext(2);
        Roomote roomote = start(new TestJobType("test.ok", (p, c) -> null));

        long id = enqueue(roomote, "test.ok", "{}");

        awaitStatus(roomote, id, JobStatus.COMPLETED, WITHIN);
        await().atMost(WITHIN).until(() -> slack.messages().size() == 2);
        assertThat(slack.messages().get(1).threadTs()).isEqualTo(slack.messages().get(0).ts());
    }

    @Test
    void slackDownOrMisconfiguredChangesNoJob() throws Exception {
        slack.failWith("channel_not_found");
        Roomote roomote = start(new TestJobType("test.ok", (p, c) -> Map.of("fine", true)));

        long first = enqueue(roomote, "test.ok", "{}");
        Job done = awaitStatus(roomote, first, JobStatus.COMPLETED, WITHIN);
        slack.close();
        long second = enqueue(roomote, "test.ok", "{}");
        Job alsoDone = awaitStatus(roomote, second, JobStatus.COMPLETED, WITHIN);

        assertThat(done.result().get("fine").asBoolean()).isTrue();
        assertThat(alsoDone.slackThreadTs()).isNull();
        assertThat(slack.messages()).isEmpty();
    }
}
