package io.roomote.core.slack;

import java.util.Optional;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.roomote.core.store.Json;
import io.roomote.spi.JobDescription;
import io.roomote.core.types.JobDescriptions;
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
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.AfterEach;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.roomote.core.testing.QueueFixture.awaitStatus;
import static io.roomote.core.testing.QueueFixture.enqueue;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Slack threads per job, against a stand-in of chat.postMessage and auth.test (SlackStandIn, not Slack), and
 * an unreachable port for a Slack that does not answer.
 */
class SlackNotifierTest {

    private static final Duration WITHIN = Duration.ofSeconds(30);

    private final QueueFixture fixture = new QueueFixture();
    private final SlackStandIn slack;
    private SlackNotifier notifier;
    private Roomote roomote;
    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();

    SlackNotifierTest() throws Exception {
        slack = new SlackStandIn();
    }

    @AfterEach
    void close() {
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).detachAppender(logged);
        slackLogger().setLevel(null);
        if (roomote != null) {
            roomote.close();
        }
        fixture.close();
        if (notifier != null) {
            notifier.close();
        }
        slack.close();
    }

    /** Lines logged at WARN or above from now on by Roomote's Slack code, the Slack client or its HTTP client. */
    private List<ILoggingEvent> warnings() {
        return logged.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                .filter(e -> e.getLoggerName().startsWith("io.roomote.core.slack") || e.getLoggerName().startsWith("com.slack")
                        || e.getLoggerName().startsWith("okhttp3"))
                .toList();
    }

    private void captureLogs() {
        logged.start();
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).addAppender(logged);
        // DEBUG of the notifier too, to see its tries (their stack traces belong there).
        slackLogger().setLevel(Level.DEBUG);
    }

    private static ch.qos.logback.classic.Logger slackLogger() {
        return (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(SlackNotifier.class);
    }

    private SlackNotifier notifierFor(String apiUrl, String token, long backoffMs) {
        Settings settings = Settings.of(Map.of("SLACK_API_TOKEN", token, "SLACK_API_URL", apiUrl));
        notifier = new SlackNotifier(SlackSettings.from(settings), new JobNotesRepository(fixture.database()),
                job -> "roo-code", JobDescriptions.none(), backoffMs);
        return notifier;
    }

    @Test
    void slackDownCostsOneWarningLinePerMessageNoStackTraceAndNoAuthTestBeforeEachTry() {
        slack.down(true);
        captureLogs();
        SlackNotifier n = notifierFor(slack.apiUrl(), "xoxb-down-token-1234567890", 10);

        n.replyInThread(1, "1700000000.000001", "first");
        n.replyInThread(2, "1700000000.000002", "second");

        await().atMost(WITHIN).until(() -> slack.postMessageCalls() == 2 * SlackNotifier.MAX_TRIES);
        await().atMost(WITHIN).until(() -> warnings().stream()
                .filter(e -> e.getLoggerName().equals(SlackNotifier.class.getName())).count() >= 2);
        assertThat(slack.authTestCalls()).as("auth.test calls").isLessThanOrEqualTo(1);
        assertThat(warnings()).hasSize(2).allSatisfy(e -> {
            assertThat(e.getLevel()).isEqualTo(Level.WARN);
            assertThat(e.getThrowableProxy()).as("stack trace of: %s", e.getFormattedMessage()).isNull();
            assertThat(e.getFormattedMessage()).matches("Slack message of job [12] not posted after 5 tries: .*");
        });
    }

    @Test
    void slackUnreachableLogsNoStackTraceAndStoppingWaitsAtMostTheDrainThenSaysHowManyWereNotPosted() throws Exception {
        int closedPort;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        captureLogs();
        SlackNotifier n = notifierFor("http://127.0.0.1:" + closedPort + "/api/", "xoxb-unreachable-token-123456", 1000);
        for (int i = 1; i <= 3; i++) {
            n.replyInThread(i, "1700000000.00000" + i, "message " + i);
        }
        // The first message has been tried and is waiting to retry.
        await().atMost(WITHIN).until(() -> logged.list.stream().anyMatch(e -> e.getLoggerName().equals(SlackNotifier.class.getName())));

        long started = System.nanoTime();
        n.close();
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertThat(took).isLessThan(SlackNotifier.DRAIN.plusSeconds(1));
        assertThat(warnings()).allSatisfy(e -> assertThat(e.getThrowableProxy())
                .as("stack trace of: %s", e.getFormattedMessage()).isNull());
        assertThat(warnings()).extracting(ILoggingEvent::getFormattedMessage)
                .containsExactly("3 Slack message(s) not posted: Slack did not take them within 1500 ms of stopping");
    }

    private Roomote start(TestJobType type) throws Exception {
        Settings settings = Settings.of(Map.of("SLACK_API_TOKEN", "xoxb-test-token-1234567890", "SLACK_API_URL", slack.apiUrl(),
                "GITHUB_SERVER_URL", "https://github.example", "POLL_INTERVAL_MS", "200", "JOB_RETRY_BACKOFF_MS", "100"));
        JobTypeRegistry types = JobTypeRegistry.of(type);
        notifier = new SlackNotifier(SlackSettings.from(settings), new JobNotesRepository(fixture.database()),
                job -> "roo-code", new JobDescriptions(types, Json.newMapper(), settings), 50);
        roomote = Roomote.start(settings, fixture.database(), types,
                Files.createTempDirectory("home"), true, notifier);
        return roomote;
    }

    /** As a job type that opens pull requests for issues describes its jobs: the texts come from here. */
    private static Optional<JobDescription> likeTheFixType(ObjectNode payload, Optional<Map<String, Object>> result) {
        String repo = payload.path("repo").asText();
        int issue = payload.path("issue").asInt();
        return Optional.of(new JobDescription("Creating a pull request for",
                new JobDescription.Link("GitHub Issue #" + issue, "https://github.example/" + repo + "/issues/" + issue),
                result.filter(r -> r.get("prUrl") != null).map(r -> new JobDescription.Made("Pull request created",
                        new JobDescription.Link("PR #" + r.get("prNumber"), (String) r.get("prUrl"))))));
    }

    @Test
    void aJobGetsOneThreadStartedAtItsStartWithEveryLaterEventAsAReply() throws Exception {
        Roomote roomote = start(new TestJobType("github.issue.fix", (p, c) -> Map.of("outcome", "pr_opened",
                "prUrl", "https://github.example/acme/app/pull/9", "prNumber", 9, "costUsd", 0.4213),
                SlackNotifierTest::likeTheFixType));

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

    @Test
    void aJobSkippedBecauseAPullRequestIsOpenSaysSoOnceWithoutCelebrating() throws Exception {
        // As the fix job ends when a pull request is already open: its error starts with the outcome, and its type's
        // description points at that pull request (the platform reads no result field for the link).
        Roomote roomote = start(new TestJobType("github.issue.fix", (p, c) -> {
            throw JobFailedException.permanent("skipped: pull request #43 by alice is already open for this issue",
                    Map.of("outcome", "skipped", "reason", "pull request #43 by alice is already open for this issue",
                            "prUrl", "https://github.example/acme/app/pull/43", "prNumber", 43));
        }, SlackNotifierTest::likeTheFixType));

        long id = enqueue(roomote, "github.issue.fix", "{\"repo\":\"acme/app\",\"issue\":7}");
        awaitStatus(roomote, id, JobStatus.FAILED, WITHIN);
        await().atMost(WITHIN).until(() -> slack.messages().size() >= 2);
        Thread.sleep(300); // nothing else may follow

        assertThat(slack.messages()).extracting(SlackStandIn.Message::text).last().isEqualTo(
                "⏭️ Skipped — pull request #43 by alice is already open for this issue (<https://github.example/acme/app/pull/43|PR #43>)");
        assertThat(slack.messages()).hasSize(2).extracting(SlackStandIn.Message::text).noneMatch(t -> t.contains("🎉"));
        assertThat(slack.messages().get(1).threadTs()).isEqualTo(slack.messages().get(0).ts());
    }

    /** A result field named like the fix type's means nothing to the platform: the link comes from a description. */
    @Test
    void aSkippedJobWhoseTypeDescribesNothingGetsNoLink() throws Exception {
        Roomote roomote = start(new TestJobType("team.other", (p, c) -> {
            throw JobFailedException.permanent("skipped: nothing to do",
                    Map.of("outcome", "skipped", "prUrl", "https://github.example/acme/app/pull/43", "prNumber", 43));
        }));

        long id = enqueue(roomote, "team.other", "{}");
        awaitStatus(roomote, id, JobStatus.FAILED, WITHIN);
        await().atMost(WITHIN).until(() -> slack.messages().size() >= 2);

        assertThat(slack.messages()).extracting(SlackStandIn.Message::text).last().isEqualTo("⏭️ Skipped — nothing to do");
    }

    @Test
    void aFailureWhoseErrorStartsWithItsOutcomeNamesTheOutcomeOnce() throws Exception {
        Roomote roomote = start(new TestJobType("github.issue.fix", (p, c) -> {
            throw JobFailedException.permanent("no_changes: the agent finished without committing any change",
                    Map.of("outcome", "no_changes", "reason", "the agent finished without committing any change"));
        }));

        long id = enqueue(roomote, "github.issue.fix", "{\"repo\":\"acme/app\",\"issue\":7}");
        awaitStatus(roomote, id, JobStatus.FAILED, WITHIN);
        await().atMost(WITHIN).until(() -> slack.messages().size() == 2);

        assertThat(slack.messages().get(1).text())
                .matches("❌ Task failed in \\d+s — no_changes: the agent finished without committing any change");
    }

    @Test
    void retriesAndARetryByHandReplyInTheJobsOneThread() throws Exception {
        java.util.concurrent.atomic.AtomicInteger runs = new java.util.concurrent.atomic.AtomicInteger();
        Roomote roomote = start(new TestJobType("github.issue.fix", (p, c) -> {
            int run = runs.incrementAndGet();
            if (run == 1) {
                throw JobFailedException.retryable("GitHub answered HTTP 502", null);
            }
            if (run == 2) {
                throw JobFailedException.permanent("agent_failed: the agent aborted its task",
                        Map.of("outcome", "agent_failed"));
            }
            return Map.of("outcome", "pr_opened", "prUrl", "https://github.example/acme/app/pull/9", "prNumber", 9);
        }, SlackNotifierTest::likeTheFixType));

        long id = enqueue(roomote, "github.issue.fix", "{\"repo\":\"acme/app\",\"issue\":7}");
        awaitStatus(roomote, id, JobStatus.FAILED, WITHIN);
        await().atMost(WITHIN).until(() -> slack.messages().size() == 3);
        await().atMost(WITHIN).until(() -> roomote.queue().get(id).orElseThrow().slackThreadTs() != null);
        roomote.queue().retry(id);
        awaitStatus(roomote, id, JobStatus.COMPLETED, WITHIN);
        await().atMost(WITHIN).until(() -> slack.messages().size() == 6);

        List<SlackStandIn.Message> m = slack.messages();
        assertThat(m.get(0).threadTs()).isNull();
        assertThat(m.get(0).text()).startsWith("🚀 Task Started — ");
        assertThat(m.subList(1, 6)).allSatisfy(r -> assertThat(r.threadTs()).isEqualTo(m.get(0).ts()));
        assertThat(m.subList(1, 6)).extracting(SlackStandIn.Message::text).satisfiesExactly(
                t -> assertThat(t).isEqualTo("🔁 Attempt 2 of 3 started — attempt 1 failed: GitHub answered HTTP 502"),
                t -> assertThat(t).matches("❌ Task failed in \\d+s — agent_failed: the agent aborted its task"),
                t -> assertThat(t).isEqualTo("🔁 Started again (attempt 1 of 3)"),
                t -> assertThat(t).isEqualTo("🎉 Pull request created: <https://github.example/acme/app/pull/9|PR #9>"),
                t -> assertThat(t).matches("✅ Task completed in \\d+s — pr_opened"));
    }

    @Test
    void aTypeThatDoesNotDescribeItsJobsIsRunningItsTypeWhateverItsPayloadAndResultHold() throws Exception {
        // The platform reads no payload or result fields: a repo, an issue and a prUrl mean nothing to it.
        Roomote roomote = start(new TestJobType("acme.sync", (p, c) -> Map.of("outcome", "done",
                "prUrl", "https://github.example/acme/app/pull/9", "prNumber", 9)));

        long id = enqueue(roomote, "acme.sync", "{\"repo\":\"acme/app\",\"issue\":7}");
        awaitStatus(roomote, id, JobStatus.COMPLETED, WITHIN);
        await().atMost(WITHIN).until(() -> slack.messages().size() == 2);

        assertThat(slack.messages().get(0).text()).startsWith("🚀 Task Started — Running acme.sync\n");
        assertThat(slack.messages()).extracting(SlackStandIn.Message::text)
                .noneMatch(t -> t.contains("🎉") || t.contains("GitHub Issue") || t.contains("/pull/9"));
    }

    @Test
    void whatATypeSaysItMadeIsAnnouncedAndItsTextsAreEscapedForSlack() throws Exception {
        Roomote roomote = start(new TestJobType("acme.report", (p, c) -> Map.of("outcome", "written"),
                (payload, result) -> Optional.of(new JobDescription("Writing <the> report for",
                        new JobDescription.Link("Q3 & Q4", null), result.map(r -> new JobDescription.Made("Report written",
                                new JobDescription.Link("report <1>", "https://reports.example/1")))))));

        long id = enqueue(roomote, "acme.report", "{}");
        awaitStatus(roomote, id, JobStatus.COMPLETED, WITHIN);
        await().atMost(WITHIN).until(() -> slack.messages().size() == 3);

        assertThat(slack.messages().get(0).text()).startsWith("🚀 Task Started — Writing &lt;the&gt; report for Q3 &amp; Q4\n");
        assertThat(slack.messages().get(1).text()).isEqualTo("🎉 Report written: <https://reports.example/1|report &lt;1&gt;>");
    }
}
