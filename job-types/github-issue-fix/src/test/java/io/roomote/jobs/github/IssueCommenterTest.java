package io.roomote.jobs.github;

import io.roomote.core.Roomote;
import io.roomote.core.config.Settings;
import io.roomote.core.jobs.JobStatus;
import io.roomote.core.store.Database;
import io.roomote.core.testing.QueueFixture;
import io.roomote.core.testing.TestDatabases;
import io.roomote.core.testing.TestJobType;
import io.roomote.core.types.JobTypeRegistry;
import io.roomote.jobs.github.testing.GitHubStandIn;
import io.roomote.jobs.github.testing.GitRemotes;
import io.roomote.spi.JobFailedException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** GITHUB_COMMENTS: one comment per fix job, edited in place, against the GitHub stand-in (not GitHub). */
class IssueCommenterTest {

    @TempDir
    Path temp;

    private GitHubStandIn github;
    private Database database;
    private Roomote roomote;
    private IssueCommenter commenter;

    @AfterEach
    void stop() {
        if (roomote != null) {
            roomote.close();
        }
        if (commenter != null) {
            commenter.close();
        }
        if (database != null) {
            database.close();
        }
        if (github != null) {
            github.close();
        }
    }

    private void start(TestJobType.Body body) throws Exception {
        GitRemotes remotes = new GitRemotes(Files.createDirectories(temp.resolve("remotes")));
        remotes.create("acme/app", "README.md", "x\n");
        github = new GitHubStandIn(remotes.root());
        github.addIssue("acme/app", 7, "t", "b", List.of(), "open");
        database = TestDatabases.fresh();
        database.migrate(GitHubSchema.SCHEMA);
        commenter = new IssueCommenter(new GitHubApi(github.apiUrl(), "ghp_token0123456789abcdefghijklmnopq"),
                new IssueCommentRepository(database), "https://roomote.example");
        roomote = Roomote.start(Settings.of(Map.of("POLL_INTERVAL_MS", "200", "JOB_RETRY_BACKOFF_MS", "100")), database,
                JobTypeRegistry.of(new TestJobType(GitHubIssueFixJobType.ID, body)), temp.resolve("home"), true, commenter);
    }

    @Test
    void oneCommentFollowsTheJobFromStartToItsPullRequest() throws Exception {
        start((p, ctx) -> Map.of("outcome", "pr_opened", "prUrl", "https://github.example/acme/app/pull/101"));

        long id = QueueFixture.enqueue(roomote, GitHubIssueFixJobType.ID, "{\"repo\":\"acme/app\",\"issue\":7}");
        QueueFixture.awaitStatus(roomote, id, JobStatus.COMPLETED, Duration.ofSeconds(20));

        await().atMost(Duration.ofSeconds(20)).until(() -> github.comments().size() == 1
                && github.comments().get(0).get("body").asText().contains("pull request"));
        String body = github.comments().get(0).get("body").asText();
        assertThat(body).startsWith("<!-- roomote -->").contains("✅ Roomote opened a pull request: https://github.example/acme/app/pull/101")
                .contains("https://roomote.example/admin/queues/jobs/" + id);
    }

    @Test
    void aFailureIsExplainedInTheSameComment() throws Exception {
        start((p, ctx) -> {
            throw JobFailedException.permanent("no_changes: the agent finished without committing any change");
        });

        long id = QueueFixture.enqueue(roomote, GitHubIssueFixJobType.ID, "{\"repo\":\"acme/app\",\"issue\":7}");
        QueueFixture.awaitStatus(roomote, id, JobStatus.FAILED, Duration.ofSeconds(20));

        await().atMost(Duration.ofSeconds(20)).until(() -> github.comments().size() == 1
                && github.comments().get(0).get("body").asText().contains("did not open"));
        assertThat(github.comments().get(0).get("body").asText())
                .contains("❌ Roomote did not open a pull request: no_changes: the agent finished without committing any change");
    }

    private String commentOnceItSays(String text) {
        await().atMost(Duration.ofSeconds(20)).until(() -> github.comments().size() == 1
                && github.comments().get(0).get("body").asText().contains(text));
        return github.comments().get(0).get("body").asText();
    }

    @Test
    void aJobSkippedBecauseAPullRequestIsOpenSaysSoAndLinksIt() throws Exception {
        // As the fix job ends when a pull request is already open: its error starts with the outcome.
        start((p, ctx) -> {
            throw JobFailedException.permanent("skipped: pull request #43 by alice is already open for this issue",
                    Map.of("outcome", "skipped", "reason", "pull request #43 by alice is already open for this issue",
                            "prUrl", "https://github.example/acme/app/pull/43", "prNumber", 43));
        });

        long id = QueueFixture.enqueue(roomote, GitHubIssueFixJobType.ID, "{\"repo\":\"acme/app\",\"issue\":7}");
        QueueFixture.awaitStatus(roomote, id, JobStatus.FAILED, Duration.ofSeconds(20));

        String body = commentOnceItSays("skipped");
        assertThat(body).isEqualTo("<!-- roomote -->\n⏭️ Roomote skipped this issue — pull request #43 by alice is already"
                + " open for this issue: https://github.example/acme/app/pull/43\n\nJob " + id
                + ": https://roomote.example/admin/queues/jobs/" + id);
    }

    @Test
    void aFailureWhoseErrorStartsWithItsOutcomeNamesTheOutcomeOnce() throws Exception {
        start((p, ctx) -> {
            throw JobFailedException.permanent("no_changes: the agent finished without committing any change",
                    Map.of("outcome", "no_changes", "reason", "the agent finished without committing any change"));
        });

        long id = QueueFixture.enqueue(roomote, GitHubIssueFixJobType.ID, "{\"repo\":\"acme/app\",\"issue\":7}");
        QueueFixture.awaitStatus(roomote, id, JobStatus.FAILED, Duration.ofSeconds(20));

        assertThat(commentOnceItSays("did not open")).contains(
                "\n❌ Roomote did not open a pull request — no_changes: the agent finished without committing any change\n");
    }

    @Test
    void aRetryEditsTheSameCommentSayingWhyTheFirstAttemptFailed() throws Exception {
        java.util.concurrent.CountDownLatch seen = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicInteger runs = new java.util.concurrent.atomic.AtomicInteger();
        start((p, ctx) -> {
            if (runs.incrementAndGet() == 1) {
                throw JobFailedException.retryable("GitHub answered HTTP 502", null);
            }
            seen.await(20, java.util.concurrent.TimeUnit.SECONDS); // until the test has read the second attempt's comment
            return Map.of("outcome", "pr_opened", "prUrl", "https://github.example/acme/app/pull/101");
        });

        long id = QueueFixture.enqueue(roomote, GitHubIssueFixJobType.ID, "{\"repo\":\"acme/app\",\"issue\":7}");
        String during = commentOnceItSays("again");
        seen.countDown();
        QueueFixture.awaitStatus(roomote, id, JobStatus.COMPLETED, Duration.ofSeconds(20));

        assertThat(during).contains("\n🔁 Roomote is working on this issue again (attempt 2 of 3; attempt 1 failed:"
                + " GitHub answered HTTP 502).\n");
        assertThat(commentOnceItSays("opened a pull request")).contains("✅ Roomote opened a pull request: https://github.example/acme/app/pull/101");
        assertThat(github.requests(r -> r.method().equals("POST") && r.path().endsWith("/comments"))).hasSize(1);
    }
}
