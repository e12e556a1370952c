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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue comments with a GitHub App and nothing else configured: GitHubClients.from decides "App" from the
 * settings, and each repository's comments carry an installation token minted for that repository alone.
 * Real: Roomote's queue and worker on PostgreSQL, the IssueCommenter, github-api's JWT signing. STAND-IN: the
 * GitHub REST API (GitHubStandIn, not GitHub), which checks the App's JWTs and the tokens' repository scope.
 */
class GitHubClientsAppTest {

    @TempDir
    Path temp;

    private GitHubStandIn github;
    private Database database;
    private Roomote roomote;
    private IssueCommenter commenter;
    private String pem;

    @BeforeEach
    void setUp() throws Exception {
        GitRemotes remotes = new GitRemotes(Files.createDirectories(temp.resolve("remotes")));
        remotes.create("acme/app", "README.md", "x\n");
        remotes.create("acme/lib", "README.md", "y\n");
        github = new GitHubStandIn(remotes.root());
        github.addIssue("acme/app", 7, "t", "b", List.of(), "open");
        github.addIssue("acme/lib", 3, "t", "b", List.of(), "open");
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        KeyPair keys = generator.generateKeyPair();
        pem = GitHubAppAuthTest.pem("PRIVATE KEY", keys.getPrivate().getEncoded());
        github.installApp("4242", keys.getPublic(), 77, "acme/app", "acme/lib");
    }

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
        github.close();
    }

    private Settings appOnly() {
        return Settings.of(Map.of("GITHUB_APP_ID", "4242", "GITHUB_APP_PRIVATE_KEY", pem, "GITHUB_API_URL", github.apiUrl()));
    }

    @Test
    void theAppIsChosenFromTheSettingsAndAPersonalTokenOnlyWithoutIt() {
        assertThat(GitHubCredentials.from(appOnly())).containsInstanceOf(GitHubCredentials.App.class);
        assertThat(GitHubCredentials.from(Settings.of(Map.of("GH_TOKEN", "ghp_x0123456789"))))
                .containsInstanceOf(GitHubCredentials.PersonalToken.class);
        assertThat(GitHubCredentials.from(Settings.of(Map.of()))).isEmpty();
        assertThat(GitHubClients.from(Settings.of(Map.of()), Clock.systemUTC())).isEmpty();
    }

    @Test
    void commentsOnTwoRepositoriesCarryOneInstallationTokenEachScopedToItsRepository() throws Exception {
        database = TestDatabases.fresh();
        database.migrate(GitHubSchema.SCHEMA);
        commenter = new IssueCommenter(GitHubClients.from(appOnly(), Clock.systemUTC()).orElseThrow(),
                new IssueCommentRepository(database), "https://roomote.example", io.roomote.core.metrics.ExternalCalls.none());
        roomote = Roomote.start(Settings.of(Map.of("POLL_INTERVAL_MS", "200")), database,
                JobTypeRegistry.of(new TestJobType(GitHubIssueFixJobType.ID,
                        (p, ctx) -> Map.of("outcome", "pr_opened", "prUrl", "https://github.example/pull/1"))),
                temp.resolve("home"), true, commenter);

        long app = QueueFixture.enqueue(roomote, GitHubIssueFixJobType.ID, "{\"repo\":\"acme/app\",\"issue\":7}");
        long lib = QueueFixture.enqueue(roomote, GitHubIssueFixJobType.ID, "{\"repo\":\"acme/lib\",\"issue\":3}");
        QueueFixture.awaitStatus(roomote, app, JobStatus.COMPLETED, Duration.ofSeconds(30));
        QueueFixture.awaitStatus(roomote, lib, JobStatus.COMPLETED, Duration.ofSeconds(30));
        await().atMost(Duration.ofSeconds(30)).until(() -> github.comments().size() == 2
                && github.comments().stream().allMatch(c -> c.get("body").asText().contains("pull request")));

        // JWT first (the installation of each repository), then one token per repository, reused for its edits.
        assertThat(github.requests(r -> r.path().endsWith("/installation")))
                .extracting(GitHubStandIn.Request::path)
                .containsExactlyInAnyOrder("/repos/acme/app/installation", "/repos/acme/lib/installation");
        assertThat(github.requests(r -> r.path().endsWith("/installation") || r.path().endsWith("/access_tokens")))
                .allSatisfy(r -> assertThat(r.authorization()).startsWith("Bearer "));
        assertThat(github.mintedTokens()).hasSize(2).extracting(GitHubStandIn.MintedToken::repositories)
                .containsExactlyInAnyOrder(List.of("app"), List.of("lib"));
        for (GitHubStandIn.MintedToken t : github.mintedTokens()) {
            String repo = "acme/" + t.repositories().get(0);
            assertThat(github.requests(r -> r.path().startsWith("/repos/" + repo + "/issues")))
                    .isNotEmpty().allSatisfy(r -> assertThat(r.authorization()).isEqualTo("token " + t.token()));
        }
        for (var c : github.comments()) {
            assertThat(github.mintedTokens()).noneMatch(t -> c.toString().contains(t.token()));
        }
    }

    @Test
    void tokensAskToReadCheckRunsOnlyWhenFailedChecksStartReviewRounds() throws Exception {
        GitHubCredentials.from(appOnly()).orElseThrow().tokenFor("acme/app");
        Map<String, String> withChecks = new java.util.HashMap<>(Map.of("GITHUB_APP_ID", "4242", "GITHUB_APP_PRIVATE_KEY", pem,
                "GITHUB_API_URL", github.apiUrl(), "ROOMOTE_FIX_CHECKS", "true"));
        GitHubCredentials.from(Settings.of(withChecks)).orElseThrow().tokenFor("acme/app");

        assertThat(github.mintedTokens()).extracting(GitHubStandIn.MintedToken::permissions).containsExactly(
                Map.of("contents", "write", "pull_requests", "write", "issues", "write"),
                Map.of("contents", "write", "pull_requests", "write", "issues", "write", "checks", "read"));
    }
}
