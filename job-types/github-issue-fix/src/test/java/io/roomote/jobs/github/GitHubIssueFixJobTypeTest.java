package io.roomote.jobs.github;

import com.fasterxml.jackson.databind.JsonNode;
import io.roomote.core.execution.CancellationSignal;
import io.roomote.core.execution.JobOutcome;
import io.roomote.core.testing.CollectingLogSink;
import io.roomote.jobs.github.testing.FixJobFixture;
import io.roomote.jobs.github.testing.GitHubStandIn;
import io.roomote.jobs.github.testing.GitRemotes;
import io.roomote.spi.Cancellation;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static io.roomote.jobs.github.testing.FixJobFixture.REPO;
import static io.roomote.jobs.github.testing.FixJobFixture.TOKEN;
import static io.roomote.jobs.github.testing.FixJobFixture.failed;
import static io.roomote.jobs.github.testing.FixJobFixture.succeeded;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * github.issue.fix end to end with real git (bare repositories as the remote), Roomote's real `command`
 * agent driver running a scripted agent, and a stand-in of the GitHub REST API (GitHubStandIn, not GitHub).
 */
class GitHubIssueFixJobTypeTest {

    @TempDir
    Path temp;

    private FixJobFixture fixture;
    private GitRemotes remotes;
    private GitHubStandIn github;
    private CollectingLogSink log;
    private Path script;

    @BeforeEach
    void setUp() throws Exception {
        // These tests are about the job's own logic with an agent that pushes itself, as the original: no
        // sandbox. The sandboxed runs below (and SandboxEscapeTest in the runner) choose bwrap.
        fixture = new FixJobFixture(temp, 40, "none", Map.of(
                // Secrets the agent must never see.
                "DATABASE_URL", "postgresql://roomote:dbPassw0rd@db:5432/roomote",
                "GH_WEBHOOK_SECRET", "webhookSecretValue42",
                "SLACK_API_TOKEN", "xoxb-slack-token-value-123",
                "ROOMOTE_API_TOKEN", "apiTokenValue0123456789abcdef"));
        remotes = fixture.remotes();
        github = fixture.github();
        log = fixture.log();
        github.addIssue(REPO, 7, "add() subtracts", "add(2, 2) returns 0 instead of 4.", List.of("bug", "good first issue"), "open");
        script = fixture.copyAgent("scripted-agent.sh");
    }

    @AfterEach
    void tearDown() {
        fixture.close();
    }

    private Map<String, String> settings(String mode, String extra) {
        return fixture.settings(script, mode + (extra == null ? "" : " " + extra));
    }

    private JobOutcome run(String payload, String mode, String extra, Duration timeout) {
        return run(payload, settings(mode, extra), timeout, new CancellationSignal());
    }

    private JobOutcome run(String payload, Map<String, String> settings, Duration timeout, CancellationSignal signal) {
        return run(payload, settings, timeout, FixJobFixture.CANCEL_GRACE, signal);
    }

    private JobOutcome run(String payload, Map<String, String> settings, Duration timeout, Duration cancelGrace,
                           CancellationSignal signal) {
        return fixture.run(env -> new GitHubIssueFixJobType(FixJobFixture.commandAgent(), env), settings, payload,
                timeout, cancelGrace, signal);
    }

    private static final String ISSUE_7 = "{\"repo\":\"acme/app\",\"issue\":7,\"title\":\"add() subtracts\","
            + "\"body\":\"add(2, 2) returns 0 instead of 4.\",\"labels\":[\"bug\"]}";

    @Test
    void anAgentThatFixesPushesAndOpensThePrCompletesTheJob() throws Exception {
        JsonNode result = succeeded(run(ISSUE_7, "fix-push-pr", github.apiUrl(), Duration.ofMinutes(2)));

        assertThat(result.get("result").asText()).isEqualTo("PR created successfully");
        assertThat(result.get("outcome").asText()).isEqualTo("pr_opened");
        assertThat(result.get("repo").asText()).isEqualTo(REPO);
        assertThat(result.get("issue").asInt()).isEqualTo(7);
        assertThat(result.get("title").asText()).as("the title is recorded in the result")
                .isEqualTo("add() subtracts");
        assertThat(result.get("branch").asText()).isEqualTo("fix-7");
        assertThat(result.get("commits").asInt()).isEqualTo(1);
        assertThat(result.get("prOpenedBy").asText()).isEqualTo("agent");
        assertThat(result.get("pushedBy").asText()).isEqualTo("agent");
        assertThat(result.get("agent").asText()).isEqualTo("command");
        assertThat(result.get("durationMs").asLong()).isPositive();
        assertThat(github.pulls()).singleElement().satisfies(pr -> {
            assertThat(result.get("prNumber").asInt()).isEqualTo(pr.get("number").asInt());
            assertThat(result.get("prUrl").asText()).isEqualTo(pr.get("html_url").asText());
        });
        assertThat(remotes.inRemote(REPO, "show", "fix-7:calc.py")).contains("return a + b");
        assertThat(remotes.inRemote(REPO, "show", "main:calc.py")).contains("return a - b");
        assertThat(remotes.inRemote(REPO, "log", "-1", "--format=%s", "fix-7")).isEqualTo("Fixes #7");
    }

    @Test
    void whenTheAgentPushesButOpensNoPrRoomoteOpensIt() throws Exception {
        JsonNode result = succeeded(run(ISSUE_7, "fix-push", null, Duration.ofMinutes(2)));

        assertThat(result.get("outcome").asText()).isEqualTo("pr_opened");
        assertThat(result.get("prOpenedBy").asText()).isEqualTo("roomote");
        var pr = github.pulls().get(0);
        assertThat(pr.get("title").asText()).isEqualTo("Fixes #7");
        assertThat(pr.get("body").asText()).contains("Fixes #7").contains(remotes.serverUrl() + "/acme/app/issues/7");
        assertThat(pr.at("/head/ref").asText()).isEqualTo("fix-7");
        assertThat(github.requests(r -> r.method().equals("POST") && r.path().endsWith("/pulls"))).singleElement()
                .satisfies(r -> assertThat(r.authorization()).isEqualTo("token " + TOKEN));
    }

    @Test
    void whenTheAgentCommitsButDoesNotPushRoomotePushesAndOpensThePr() throws Exception {
        JsonNode result = succeeded(run(ISSUE_7, "fix-commit", null, Duration.ofMinutes(2)));

        assertThat(result.get("pushedBy").asText()).isEqualTo("roomote");
        assertThat(result.get("prOpenedBy").asText()).isEqualTo("roomote");
        assertThat(remotes.inRemote(REPO, "show", "fix-7:calc.py")).contains("return a + b");
    }

    @Test
    void theAgentsExitCodeIsNotTrustedTheRepositoryIs() throws Exception {
        JsonNode result = succeeded(run(ISSUE_7, "fix-commit-fail", null, Duration.ofMinutes(2)));

        assertThat(result.get("outcome").asText()).isEqualTo("pr_opened");
        assertThat(result.get("agentStatus").asText()).isEqualTo("failed");
        assertThat(result.get("agentMessage").asText()).isEqualTo("agent exited with code 1");
    }

    @Test
    void anAgentThatChangesNothingEndsAsNoChangesAndIsNotRetried() {
        JobOutcome.Failed f = failed(run(ISSUE_7, "noop", null, Duration.ofMinutes(2)));

        assertThat(f.retryable()).isFalse();
        assertThat(f.error()).isEqualTo("no_changes: the agent finished without committing any change");
        assertThat(f.result().get("outcome").asText()).isEqualTo("no_changes");
        assertThat(github.pulls()).isEmpty();
    }

    @Test
    void aFailingAgentIsAgentFailed() {
        JobOutcome.Failed f = failed(run(ISSUE_7, "fail", null, Duration.ofMinutes(2)));

        assertThat(f.result().get("outcome").asText()).isEqualTo("agent_failed");
        assertThat(f.error()).contains("agent exited with code 3");
        assertThat(f.result().has("wipBranch")).isFalse();
    }

    @Test
    void uncommittedWorkIsSavedToAWipBranch() throws Exception {
        JobOutcome.Failed f = failed(run(ISSUE_7, "edit-only", null, Duration.ofMinutes(2)));

        String wip = f.result().get("wipBranch").asText();
        assertThat(wip).isEqualTo("roomote/wip/7-" + fixture.lastJobId());
        assertThat(f.result().get("outcome").asText()).isEqualTo("agent_failed");
        assertThat(remotes.inRemote(REPO, "show", wip + ":calc.py")).contains("return a + b");
    }

    @Test
    void atTheDeadlineTheAgentIsStoppedAndItsWorkPushedToAWipBranch() throws Exception {
        JobOutcome outcome = run(ISSUE_7, "hang-after-edit", null, Duration.ofSeconds(4));

        assertThat(outcome).isInstanceOfSatisfying(JobOutcome.Stopped.class, s -> {
            assertThat(s.reason()).isEqualTo(Cancellation.Reason.TIMED_OUT);
            assertThat(s.abandoned()).isFalse();
            assertThat(s.result().get("outcome").asText()).isEqualTo("timed_out");
            assertThat(s.result().get("wipBranch").asText()).isEqualTo("roomote/wip/7-" + fixture.lastJobId());
        });
        assertThat(remotes.inRemote(REPO, "show", "roomote/wip/7-" + fixture.lastJobId() + ":calc.py")).contains("return a + b");
        assertThat(log.texts()).anyMatch(l -> l.startsWith("stopping agent command"));
    }

    @Test
    void aCancelledJobStopsTheAgentAndKeepsItsWork() throws Exception {
        CancellationSignal signal = new CancellationSignal();
        AtomicReference<JobOutcome> outcome = new AtomicReference<>();
        Thread t = new Thread(() -> outcome.set(run(ISSUE_7, settings("hang-after-edit", null), Duration.ofMinutes(5), signal)));
        t.start();
        await().atMost(Duration.ofSeconds(60)).until(() -> log.texts().contains("thinking forever"));

        signal.fire(Cancellation.Reason.CANCELLED);
        t.join(60_000);

        assertThat(outcome.get()).isInstanceOfSatisfying(JobOutcome.Stopped.class, s -> {
            assertThat(s.reason()).isEqualTo(Cancellation.Reason.CANCELLED);
            assertThat(s.result().get("outcome").asText()).isEqualTo("cancelled");
            assertThat(s.result().get("wipBranch").asText()).startsWith("roomote/wip/7-");
        });
    }

    @Test
    void theAgentSeesOnlyItsScrubbedEnvironment() throws Exception {
        Path dump = temp.resolve("agent-env.txt");

        run(ISSUE_7, "dump-env", dump.toString(), Duration.ofMinutes(2));

        Map<String, String> env = new HashMap<>();
        for (String line : Files.readAllLines(dump)) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                env.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        assertThat(env).doesNotContainKeys("DATABASE_URL", "GH_WEBHOOK_SECRET", "SLACK_API_TOKEN", "ROOMOTE_API_TOKEN",
                "GITHUB_API_URL", "ROOMOTE_AGENT_COMMAND");
        String all = String.join("\n", Files.readAllLines(dump));
        assertThat(all).doesNotContain("dbPassw0rd").doesNotContain("webhookSecretValue42")
                .doesNotContain("xoxb-slack-token-value-123").doesNotContain("apiTokenValue0123456789abcdef");
        // Without a sandbox the agent pushes itself (the original's way), so it has the token; never the model key:
        // it has the gateway's token for this job instead, and the gateway's address.
        assertThat(env).containsEntry("GH_TOKEN", TOKEN).containsKey("OPENROUTER_API_KEY").containsKey("ROOMOTE_MODEL_BASE_URL");
        assertThat(all).doesNotContain("sk-or-v1-modelKeyForTheAgent0123456789");
        assertThat(env.get("HOME")).startsWith(temp.resolve("work").toString()).endsWith("/home");
        assertThat(env).containsEntry("GIT_TERMINAL_PROMPT", "0");
        assertThat(env.get("GIT_ASKPASS")).startsWith(env.get("HOME"));
    }

    @Test
    void theTokenIsNeverInTheLogNorInTheWorkspaceConfig() throws Exception {
        Map<String, String> s = settings("fix-push", null);
        succeeded(run(ISSUE_7, s, Duration.ofMinutes(2), new CancellationSignal()));

        assertThat(log.texts()).noneMatch(l -> l.contains(TOKEN));
        // The mirror's config is what a later workspace clone copies.
        Path mirror = temp.resolve("home/git-mirrors/local/acme/app.git/config");
        assertThat(Files.readString(mirror)).doesNotContain(TOKEN);
    }

    @Test
    void aClosedIssueIsSkippedBeforeAnyAgentTimeIsSpent() {
        github.addIssue(REPO, 8, "old", "done already", List.of(), "closed");

        JobOutcome.Failed f = failed(run("{\"repo\":\"acme/app\",\"issue\":8}", "fix-push-pr", github.apiUrl(), Duration.ofMinutes(2)));

        assertThat(f.error()).isEqualTo("skipped: issue closed");
        assertThat(f.retryable()).isFalse();
        assertThat(f.result().get("outcome").asText()).isEqualTo("skipped");
        assertThat(f.result().get("title").asText()).isEqualTo("old");
        assertThat(temp.resolve("home/git-mirrors")).doesNotExist();
        assertThat(log.texts()).noneMatch(l -> l.startsWith("starting agent"));
    }

    @Test
    void aMissingIssueOrAnOpenRoomotePrIsSkipped() {
        JobOutcome.Failed missing = failed(run("{\"repo\":\"acme/app\",\"issue\":404}", "noop", null, Duration.ofMinutes(2)));
        assertThat(missing.error()).isEqualTo("skipped: issue #404 does not exist in acme/app");

        var existing = github.addPull(REPO, "fix-7", "Fixes #7", "Fixes #7");
        JobOutcome.Failed dup = failed(run(ISSUE_7, "fix-push-pr", github.apiUrl(), Duration.ofMinutes(2)));
        assertThat(dup.error()).startsWith("skipped: pull request #" + existing.get("number").asInt());
        assertThat(dup.result().get("prUrl").asText()).isEqualTo(existing.get("html_url").asText());
    }

    @Test
    void aPayloadWithoutTitleAndBodyIsFilledFromGitHub() {
        run("{\"repo\":\"acme/app\",\"issue\":7}", "noop", null, Duration.ofMinutes(2));

        String prompt = String.join("\n", log.texts());
        assertThat(prompt).contains("Issue #7: add() subtracts").contains("add(2, 2) returns 0 instead of 4.")
                .contains("Labels: bug, good first issue");
    }

    @Test
    void whenFixNExistsOnTheRemoteAUniqueBranchIsUsedAndNamedInThePrompt() throws Exception {
        JsonNode first = succeeded(run(ISSUE_7, "fix-push", null, Duration.ofMinutes(2)));
        github.pulls().forEach(pr -> pr.put("state", "closed"));

        JsonNode second = succeeded(run(ISSUE_7, "fix-push", null, Duration.ofMinutes(2)));

        assertThat(first.get("branch").asText()).isEqualTo("fix-7");
        assertThat(second.get("branch").asText()).isEqualTo("fix-7-" + fixture.lastJobId());
        assertThat(log.texts()).anyMatch(l -> l.contains("git checkout -b fix-7-" + fixture.lastJobId()));
        assertThat(remotes.branches(REPO)).contains("fix-7", "fix-7-" + fixture.lastJobId());
        assertThat(log.texts()).contains("updated the cached mirror of acme/app");
    }

    @Test
    void pushedWorkWhosePrCannotBeOpenedIsPushedWithoutPrAfterTheConfiguredAttempts() {
        github.failCreatingPullsWith(502);
        Map<String, String> s = settings("fix-push", null);
        s.put("GITHUB_RETRY_ATTEMPTS", "3");

        JobOutcome.Failed f = failed(run(ISSUE_7, s, Duration.ofMinutes(2), new CancellationSignal()));

        assertThat(f.result().get("outcome").asText()).isEqualTo("pushed_without_pr");
        assertThat(f.result().get("branch").asText()).isEqualTo("fix-7");
        assertThat(f.error()).startsWith("pushed_without_pr: branch fix-7 was pushed but the pull request could not be"
                + " opened after 3 attempts: HTTP 502");
        assertThat(f.retryable()).isFalse();
        assertThat(github.requests(r -> r.method().equals("POST") && r.path().endsWith("/pulls"))).hasSize(3);
        assertThat(log.texts()).filteredOn(l -> l.startsWith("opening the pull request failed")).hasSize(2);
    }

    /** Issue 9: a 502 on POST /pulls was final at once, though GitHub's 5xx failures are documented as retried. */
    @Test
    void aPullRequestRefusedWith502TwiceIsOpenedOnTheThirdAttempt() {
        github.failCreatingPullsWith(502, 2);

        JsonNode result = succeeded(run(ISSUE_7, "fix-push", null, Duration.ofMinutes(2)));

        assertThat(result.get("outcome").asText()).isEqualTo("pr_opened");
        assertThat(result.get("prOpenedBy").asText()).isEqualTo("roomote");
        assertThat(github.pulls()).singleElement()
                .satisfies(pr -> assertThat(result.get("prNumber").asInt()).isEqualTo(pr.get("number").asInt()));
        assertThat(github.requests(r -> r.method().equals("POST") && r.path().endsWith("/pulls"))).hasSize(3);
        assertThat(log.texts()).contains("opening the pull request failed (attempt 1 of 4): HTTP 502 {\"message\":\"Server Error\"};"
                + " retrying in 10 ms");
    }

    /** Issue 9: a job stopped by a shutdown was logged and recorded as "timed_out: timed out". */
    @Test
    void aJobStoppedByShutdownSaysSoAndNotTimedOut() throws Exception {
        CancellationSignal signal = new CancellationSignal();
        AtomicReference<JobOutcome> outcome = new AtomicReference<>();
        Thread t = new Thread(() -> outcome.set(run(ISSUE_7, settings("hang-after-edit", null), Duration.ofMinutes(5), signal)));
        t.start();
        await().atMost(Duration.ofSeconds(60)).until(() -> log.texts().contains("thinking forever"));

        signal.fire(Cancellation.Reason.SHUTDOWN);
        t.join(60_000);

        String wip = "roomote/wip/7-" + fixture.lastJobId();
        assertThat(outcome.get()).isInstanceOfSatisfying(JobOutcome.Stopped.class, s -> {
            assertThat(s.reason()).isEqualTo(Cancellation.Reason.SHUTDOWN);
            assertThat(s.result().get("outcome").asText()).isEqualTo("interrupted");
            assertThat(s.result().get("wipBranch").asText()).isEqualTo(wip);
        });
        assertThat(log.texts()).contains("interrupted: stopped because the runner is shutting down; the job goes back to"
                + " the queue; unfinished work saved to branch " + wip);
        assertThat(log.texts()).noneMatch(l -> l.contains("timed out") || l.contains("timed_out"));
        assertThat(remotes.inRemote(REPO, "log", "-1", "--format=%s", wip)).contains("stopped by a shutdown");
    }

    /**
     * Issue 9: with JOB_CANCEL_GRACE not longer than the driver's fixed 5 s stop grace, an agent deaf to SIGTERM
     * made the job be abandoned at the deadline: no result, no WIP branch recorded (though it was pushed later).
     */
    @Test
    void atTheDeadlineWithAShortCancelGraceTheOutcomeAndWipBranchAreRecorded() throws Exception {
        JobOutcome outcome = run(ISSUE_7, settings("hang-deaf-after-edit", null), Duration.ofSeconds(6),
                Duration.ofSeconds(5), new CancellationSignal());

        String wip = "roomote/wip/7-" + fixture.lastJobId();
        assertThat(outcome).isInstanceOfSatisfying(JobOutcome.Stopped.class, s -> {
            assertThat(s.reason()).isEqualTo(Cancellation.Reason.TIMED_OUT);
            assertThat(s.abandoned()).isFalse();
            assertThat(s.result()).isNotNull();
            assertThat(s.result().get("outcome").asText()).isEqualTo("timed_out");
            assertThat(s.result().get("wipBranch").asText()).isEqualTo(wip);
        });
        assertThat(remotes.inRemote(REPO, "show", wip + ":calc.py")).contains("return a + b");
    }

    /** Issue 9: the skip reason said "from Roomote" whoever had opened the pull request. */
    @Test
    void aSkipForAnOpenPullRequestNamesItsRealAuthor() {
        var existing = github.addPull(REPO, "fix-7", "Fix add", "Fixes #7", "alice");

        JobOutcome.Failed f = failed(run(ISSUE_7, "fix-push-pr", github.apiUrl(), Duration.ofMinutes(2)));

        int number = existing.get("number").asInt();
        assertThat(f.error()).isEqualTo("skipped: pull request #" + number + " by alice is already open for this issue");
        assertThat(f.result().get("prNumber").asInt()).isEqualTo(number);
        assertThat(f.result().get("prOpenedBy").asText()).isEqualTo("existing");
        assertThat(log.texts()).noneMatch(l -> l.contains("Roomote is already open"));
    }

    /** Issue 9: a pull request that was open before the job was reported as opened by the agent. */
    @Test
    void aPullRequestThatWasOpenBeforeTheJobIsReportedAsExisting() throws Exception {
        remotes.inRemote(REPO, "branch", "calc-work", "main");
        var existing = github.addPull(REPO, "calc-work", "Work on calc", "Some work", "alice");

        JsonNode result = succeeded(run(ISSUE_7, "work-on-existing", "calc-work", Duration.ofMinutes(2)));

        assertThat(result.get("outcome").asText()).isEqualTo("pr_opened");
        assertThat(result.get("branch").asText()).isEqualTo("calc-work");
        assertThat(result.get("prNumber").asInt()).isEqualTo(existing.get("number").asInt());
        assertThat(result.get("prOpenedBy").asText()).isEqualTo("existing");
        assertThat(github.pulls()).hasSize(1);
    }

    /** Settings for a run in bubblewrap: the scripts the agent runs are in a folder the sandbox shows read-only. */
    private Map<String, String> sandboxed(Map<String, String> s) {
        s.put("ROOMOTE_SANDBOX", "bwrap");
        s.put("ROOMOTE_SANDBOX_READ", script.getParent().toString());
        return s;
    }

    /** Issue 11: sandboxed, Roomote pushes; the agent holds no GitHub token and no model key, only this job's token. */
    @Test
    void aSandboxedAgentHoldsNoGitHubTokenAndRoomotePushesItsCommits() throws Exception {
        JsonNode result = succeeded(run(ISSUE_7, sandboxed(settings("print-env-fix-commit", null)), Duration.ofMinutes(2),
                new CancellationSignal()));

        assertThat(result.get("outcome").asText()).isEqualTo("pr_opened");
        assertThat(result.get("pushedBy").asText()).isEqualTo("roomote");
        assertThat(result.get("prOpenedBy").asText()).isEqualTo("roomote");
        assertThat(remotes.inRemote(REPO, "show", "fix-7:calc.py")).contains("return a + b");
        List<String> env = log.texts().stream().filter(l -> l.startsWith("ENV ")).toList();
        assertThat(env).isNotEmpty().noneMatch(l -> l.startsWith("ENV GH_TOKEN=") || l.startsWith("ENV GITHUB_TOKEN=")
                || l.startsWith("ENV GIT_ASKPASS=") || l.startsWith("ENV GH_ENTERPRISE_TOKEN="));
        assertThat(env).anyMatch(l -> l.startsWith("ENV OPENROUTER_API_KEY=") && !l.contains("modelKeyForTheAgent"))
                .contains("ENV HTTPS_PROXY=http://127.0.0.1:18081");
        assertThat(log.texts()).anyMatch(l -> l.contains("in the bwrap sandbox"));
        // The host-push prompt: commit, and leave pushing to Roomote.
        assertThat(log.texts()).anyMatch(l -> l.contains("Do not push and do not open a pull request"));
    }

    /**
     * Issue 11: a job over its model budget. Real: the gateway, bubblewrap, socat, git; stand-in: the model
     * provider (an HTTP server answering every chat completion with OpenRouter's documented usage shape).
     */
    @Test
    void aJobOverItsModelBudgetIsStoppedAsBudgetExceededAndItsWorkIsSaved() throws Exception {
        Path agent = fixture.copyAgent("budget-agent.sh");
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        com.sun.net.httpserver.HttpServer provider = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        provider.createContext("/", ex -> {
            calls.incrementAndGet();
            ex.getRequestBody().readAllBytes();
            byte[] body = ("{\"id\":\"gen-1\",\"object\":\"chat.completion\",\"model\":\"scripted-model\",\"choices\":"
                    + "[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"ok\"},\"finish_reason\":\"stop\"}],"
                    + "\"usage\":{\"prompt_tokens\":600,\"completion_tokens\":500,\"total_tokens\":1100,\"cost\":0.02}}")
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        provider.start();
        try {
            Map<String, String> s = sandboxed(settings("noop", null));
            s.put("ROOMOTE_AGENT_COMMAND", "sh " + agent);
            s.put("ROOMOTE_AGENT_BASE_URL", "http://127.0.0.1:" + provider.getAddress().getPort() + "/api/v1");
            s.put("ROOMOTE_MAX_TOKENS", "50000");

            // The payload lowers the runner's budget: one call (1,100 tokens) is past it.
            JobOutcome.Failed f = failed(run("{\"repo\":\"acme/app\",\"issue\":7,\"maxTokens\":1000}", s,
                    Duration.ofMinutes(2), new CancellationSignal()));

            assertThat(f.result().get("outcome").asText()).as(f.error()).isEqualTo("budget_exceeded");
            assertThat(f.result().get("tokensIn").asLong()).isEqualTo(600);
            assertThat(f.result().get("tokensOut").asLong()).isEqualTo(500);
            assertThat(f.result().get("costUsd").asDouble()).isEqualTo(0.02);
            String wip = f.result().get("wipBranch").asText();
            assertThat(wip).startsWith("roomote/wip/7-");
            assertThat(remotes.inRemote(REPO, "show", wip + ":calc.py")).contains("return a + b");
            assertThat(calls.get()).as("no call reaches the provider once the budget is used up").isEqualTo(1);
        } finally {
            provider.stop(0);
        }
    }

    @Test
    void withoutATokenTheJobFailsClearly() {
        Map<String, String> s = settings("noop", null);
        s.remove("GH_TOKEN");

        JobOutcome.Failed f = failed(run(ISSUE_7, s, Duration.ofMinutes(1), new CancellationSignal()));

        assertThat(f.error()).startsWith("GH_TOKEN is not set");
        assertThat(f.retryable()).isFalse();
    }
}
