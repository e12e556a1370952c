package io.roomote.jobs.github;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.roomote.agents.AgentDrivers;
import io.roomote.agents.AgentOutcome;
import io.roomote.agents.AgentRequest;
import io.roomote.agents.AgentUsage;
import io.roomote.agents.command.CommandAgentDriver;
import io.roomote.core.config.ConfigurationException;
import io.roomote.core.config.Settings;
import io.roomote.core.execution.JobOutcome;
import io.roomote.core.store.Json;
import io.roomote.core.testing.CollectingLogSink;
import io.roomote.jobs.github.testing.FixJobFixture;
import io.roomote.jobs.github.testing.GitHubStandIn;
import io.roomote.jobs.github.testing.GitRemotes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.roomote.jobs.github.testing.FixJobFixture.REPO;
import static io.roomote.jobs.github.testing.FixJobFixture.TOKEN;
import static io.roomote.jobs.github.testing.FixJobFixture.failed;
import static io.roomote.jobs.github.testing.FixJobFixture.succeeded;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Issue 13, "the PR itself" and "before the agent": draft pull requests marked ready when the job ends well,
 * review requests, the PR body and Roomote's marker, and the locked/assigned pre-flight skips.
 *
 * <p>Real: git (bare repositories as the remote), Roomote's job runner and its `command` agent driver running the
 * scripted agent (scripted-agent.sh). Stand-in: GitHub's REST API and its one GraphQL mutation
 * (GitHubStandIn, built from GitHub's documented shapes — not GitHub).
 */
class DraftPullRequestTest {

    static final String ISSUE_7 = "{\"repo\":\"acme/app\",\"issue\":7}";

    @TempDir
    Path temp;

    private FixJobFixture fixture;
    private GitRemotes remotes;
    private GitHubStandIn github;
    private CollectingLogSink log;
    private Path script;

    @BeforeEach
    void setUp() throws Exception {
        // The job's own logic, without a sandbox (the sandboxed runs are in GitHubIssueFixJobTypeTest).
        fixture = new FixJobFixture(temp, 40, "none", Map.of());
        remotes = fixture.remotes();
        github = fixture.github();
        log = fixture.log();
        script = fixture.copyAgent("scripted-agent.sh");
    }

    @AfterEach
    void tearDown() {
        fixture.close();
    }

    private Map<String, String> settings(String mode, String extra) {
        return fixture.settings(script, mode + (extra == null ? "" : " " + extra));
    }

    private JobOutcome run(Map<String, String> settings) {
        return run(settings, ISSUE_7);
    }

    private JobOutcome run(Map<String, String> settings, String payload) {
        return fixture.run(env -> new GitHubIssueFixJobType(
                AgentDrivers.of(List.of(new CommandAgentDriver(), new ReportingCommandDriver())), env), settings,
                payload, Duration.ofMinutes(2));
    }

    /**
     * The `command` driver reports only the exit code; real drivers report the agent's last words. This one
     * runs the same command and reports what the scripted agent left as its final message and usage.
     */
    static final class ReportingCommandDriver implements io.roomote.agents.AgentDriver {
        private final CommandAgentDriver command = new CommandAgentDriver();

        @Override
        public String name() {
            return "command-reporting";
        }

        @Override
        public AgentOutcome run(AgentRequest request) throws IOException, InterruptedException {
            AgentOutcome outcome = command.run(request);
            String message = Files.readString(request.agentHome().resolve("final-message.txt"));
            String[] usage = Files.readString(request.agentHome().resolve("usage.txt")).trim().split(" ");
            return new AgentOutcome(outcome.status(), message, new AgentUsage(Long.parseLong(usage[0]),
                    Long.parseLong(usage[1]), Double.parseDouble(usage[2]), "scripted-model"));
        }
    }

    private List<GitHubStandIn.Request> posts(String pathEnd) {
        return github.requests(r -> r.method().equals("POST") && r.path().endsWith(pathEnd));
    }

    private static JsonNode json(String body) {
        try {
            return Json.newMapper().readTree(body);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void roomoteOpensADraftMarksItReadyAndAsksTheIssuesAuthorToReview() {
        JsonNode result = succeeded(run(settings("fix-commit", null)));

        assertThat(result.get("prOpenedBy").asText()).isEqualTo("roomote");
        assertThat(posts("/pulls")).singleElement()
                .satisfies(r -> assertThat(json(r.body()).get("draft").asBoolean()).isTrue());
        ObjectNode pr = github.pulls().get(0);
        assertThat(github.markedReadyForReview()).containsExactly(pr.get("node_id").asText());
        assertThat(github.requests(r -> r.path().equals("/graphql")))
                .allSatisfy(r -> assertThat(r.authorization()).isEqualToIgnoringCase("bearer " + TOKEN));
        assertThat(pr.get("draft").asBoolean()).isFalse();
        assertThat(posts("/pulls/" + pr.get("number").asInt() + "/requested_reviewers")).singleElement()
                .satisfies(r -> assertThat(json(r.body()).get("reviewers")).extracting(JsonNode::asText).containsExactly("alice"));
        assertThat(pr.get("requested_reviewers")).extracting(u -> u.get("login").asText()).containsExactly("alice");
        assertThat(result.get("prDraft").asBoolean()).isFalse();
        assertThat(result.get("reviewersRequested")).extracting(JsonNode::asText).containsExactly("alice");
        assertThat(log.texts()).contains("pull request #" + pr.get("number").asInt() + " marked ready for review");
    }

    /** A command-line agent whose driver reports only its exit code: the body summarises its commit messages. */
    @Test
    void anAgentWithoutFinalWordsIsSummarisedByItsCommitMessages() {
        JsonNode result = succeeded(run(settings("fix-commit", null)));

        assertThat(result.get("agentMessage").asText()).isEqualTo("agent exited with code 0");
        String body = github.pulls().get(0).get("body").asText();
        assertThat(body).contains("### Summary").contains("> Fixes #\u200B7").doesNotContain("exited with code");
    }

    @Test
    void withDraftPrFalseThePullRequestIsOpenedReadyAndNoMutationIsSent() {
        Map<String, String> s = settings("fix-commit", null);
        s.put("ROOMOTE_DRAFT_PR", "false");

        JsonNode result = succeeded(run(s));

        assertThat(posts("/pulls")).singleElement()
                .satisfies(r -> assertThat(json(r.body()).get("draft").asBoolean()).isFalse());
        assertThat(github.requests(r -> r.path().equals("/graphql"))).isEmpty();
        assertThat(result.get("prDraft").asBoolean()).isFalse();
        assertThat(result.get("reviewersRequested")).extracting(JsonNode::asText).containsExactly("alice");
    }

    @Test
    void whereGitHubTakesNoDraftsThePullRequestIsOpenedReadyInstead() {
        github.refuseDraftPulls();

        JsonNode result = succeeded(run(settings("fix-commit", null)));

        assertThat(result.get("outcome").asText()).isEqualTo("pr_opened");
        assertThat(posts("/pulls")).extracting(r -> json(r.body()).get("draft").asBoolean()).containsExactly(true, false);
        assertThat(github.requests(r -> r.path().equals("/graphql"))).isEmpty();
        assertThat(result.get("prDraft").asBoolean()).isFalse();
    }

    @Test
    void aBotAuthorIsNotAskedToReview() {
        github.addIssue(REPO, 9, "flaky test", "reported by a bot", List.of(), "open");
        github.setIssueAuthor(REPO, 9, "renovate[bot]");
        Map<String, String> s = settings("fix-commit", null);

        JsonNode result = succeeded(run(s, "{\"repo\":\"acme/app\",\"issue\":9}"));

        assertThat(github.requests(r -> r.path().endsWith("/requested_reviewers"))).isEmpty();
        assertThat(result.has("reviewersRequested")).isFalse();
        assertThat(github.markedReadyForReview()).hasSize(1);
    }

    @Test
    void configuredReviewersAndTeamsReplaceTheIssuesAuthor() {
        Map<String, String> s = settings("fix-commit", null);
        s.put("ROOMOTE_REVIEWERS", "bob, acme/reviewers");

        succeeded(run(s));

        ObjectNode pr = github.pulls().get(0);
        assertThat(pr.get("requested_reviewers")).extracting(u -> u.get("login").asText()).containsExactly("bob");
        assertThat(pr.get("requested_teams")).extracting(t -> t.get("slug").asText()).containsExactly("reviewers");
    }

    @Test
    void thePrBodyCarriesTheNeutralisedSummaryFilesCostDashboardLinkAndMarker() {
        Map<String, String> s = settings("fix-note-report", null);
        s.put("ROOMOTE_AGENT", "command-reporting");
        s.put("ROOMOTE_PUBLIC_URL", "https://roomote.example/");

        succeeded(run(s));

        long job = fixture.lastJobId();
        String body = github.pulls().get(0).get("body").asText();
        assertThat(body).startsWith("Fixes #7\n")
                .contains("> Fixed add() to return a + b instead of a - b.")
                // Mentions and a closing keyword from the agent's text notify nobody and close nothing.
                .doesNotContain("@acme/security-team").doesNotContain("@mallory").doesNotContain("Fixes #1")
                .contains("@\u200Bacme/security-team").contains("Fixes #\u200B1")
                // Its HTML comments (and the forged marker in them) are gone.
                .doesNotContain("hidden: ignore the reviewers").doesNotContain("roomote:job=1 ")
                .contains("### Files changed (2)\n\n- `NOTES.md`\n- `calc.py`\n")
                .contains("Tokens: 1,200 in, 345 out; cost $0.0123 (model scripted-model).")
                .contains("https://roomote.example/admin/queues/jobs/" + job)
                .endsWith("<!-- roomote:job=" + job + " -->\n");
        assertThat(body.split("<!--", -1)).as("exactly one HTML comment: the marker").hasSize(2);
    }

    @Test
    void anOpenPrWithRoomotesMarkerOnAnyBranchMakesPreflightSkip() throws Exception {
        remotes.inRemote(REPO, "branch", "calc-work", "main");
        var existing = github.addPull(REPO, "calc-work", "Make add() add", "Fixes #7\n\n<!-- roomote:job=3 -->\n");

        JobOutcome.Failed f = failed(run(settings("fix-commit", null)));

        assertThat(f.error()).isEqualTo("skipped: pull request #" + existing.get("number").asInt()
                + " by roomote-bot is already open for this issue");
        assertThat(log.texts()).noneMatch(l -> l.startsWith("starting agent"));
    }

    @Test
    void anOpenPrOnAnotherBranchWithoutTheMarkerDoesNotStopTheJob() throws Exception {
        remotes.inRemote(REPO, "branch", "calc-work", "main");
        github.addPull(REPO, "calc-work", "Make add() add", "Fixes #7", "bob");

        JsonNode result = succeeded(run(settings("fix-commit", null)));

        assertThat(result.get("branch").asText()).isEqualTo("fix-7");
    }

    @Test
    void aLockedIssueIsSkipped() {
        github.lockIssue(REPO, 7, "too heated");

        JobOutcome.Failed f = failed(run(settings("fix-commit", null)));

        assertThat(f.error()).isEqualTo("skipped: issue is locked");
        assertThat(f.result().get("outcome").asText()).isEqualTo("skipped");
        assertThat(f.retryable()).isFalse();
        assertThat(temp.resolve("home/git-mirrors")).doesNotExist();
    }

    @Test
    void anIssueAssignedToAPersonIsSkippedNamingTheAssigneeUnlessDisabled() {
        github.assignIssue(REPO, 7, "alice", "dependabot[bot]");

        JobOutcome.Failed f = failed(run(settings("fix-commit", null)));
        assertThat(f.error()).isEqualTo("skipped: issue is assigned to alice");
        assertThat(f.result().get("outcome").asText()).isEqualTo("skipped");

        Map<String, String> s = settings("fix-commit", null);
        s.put("ROOMOTE_SKIP_ASSIGNED", "false");
        assertThat(succeeded(run(s)).get("outcome").asText()).isEqualTo("pr_opened");
    }

    @Test
    void anIssueAssignedOnlyToABotIsNotSkipped() {
        github.assignIssue(REPO, 7, "dependabot[bot]");

        assertThat(succeeded(run(settings("fix-commit", null))).get("outcome").asText()).isEqualTo("pr_opened");
    }

    @Test
    void aJobThatEndsPushedWithoutPrMarksNothingReadyAndAsksNoOne() {
        github.failCreatingPullsWith(502);
        Map<String, String> s = settings("fix-commit", null);
        s.put("GITHUB_RETRY_ATTEMPTS", "2");

        JobOutcome.Failed f = failed(run(s));

        assertThat(f.result().get("outcome").asText()).isEqualTo("pushed_without_pr");
        assertThat(github.requests(r -> r.path().equals("/graphql") || r.path().endsWith("/requested_reviewers"))).isEmpty();
    }

    @Test
    void aPrTheAgentOpenedIsLeftAlone() {
        JsonNode result = succeeded(run(settings("fix-push-pr", github.apiUrl())));

        assertThat(result.get("prOpenedBy").asText()).isEqualTo("agent");
        assertThat(github.pulls()).singleElement().satisfies(pr -> assertThat(pr.get("body").asText()).isEqualTo("Fixes #7"));
        assertThat(github.requests(r -> r.path().equals("/graphql") || r.path().endsWith("/requested_reviewers"))).isEmpty();
        assertThat(result.has("prDraft")).isFalse();
    }

    @Test
    void theNewSettingsRefuseValuesTheyCannotMean() {
        assertThatThrownBy(() -> IssueFixSettings.from(Settings.of(Map.of("ROOMOTE_DRAFT_PR", "yes"))))
                .isInstanceOf(ConfigurationException.class).hasMessage("ROOMOTE_DRAFT_PR must be true or false, got \"yes\"");
        assertThatThrownBy(() -> IssueFixSettings.from(Settings.of(Map.of("ROOMOTE_SKIP_ASSIGNED", "0"))))
                .isInstanceOf(ConfigurationException.class);
        assertThatThrownBy(() -> IssueFixSettings.from(Settings.of(Map.of("ROOMOTE_REVIEWERS", "alice,@bob"))))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("\"@bob\"");
        IssueFixSettings defaults = IssueFixSettings.from(Settings.of(Map.of()));
        assertThat(defaults.draftPr()).isTrue();
        assertThat(defaults.skipAssigned()).isTrue();
        assertThat(defaults.reviewers()).isEmpty();
    }
}
