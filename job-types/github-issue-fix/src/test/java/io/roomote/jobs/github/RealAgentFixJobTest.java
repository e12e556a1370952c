package io.roomote.jobs.github;

import io.roomote.core.Roomote;
import io.roomote.agents.AgentDrivers;
import io.roomote.agents.cli.AgentClis;
import io.roomote.agents.cli.ScriptedModelServer;
import io.roomote.core.config.Settings;
import io.roomote.core.jobs.Job;
import io.roomote.core.jobs.JobStatus;
import io.roomote.core.store.Database;
import io.roomote.core.testing.QueueFixture;
import io.roomote.core.testing.TestDatabases;
import io.roomote.core.types.JobTypeRegistry;
import io.roomote.jobs.github.testing.GitHubStandIn;
import io.roomote.jobs.github.testing.GitRemotes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.roomote.agents.cli.ScriptedModelServer.editFile;
import static io.roomote.agents.cli.ScriptedModelServer.finalMessage;
import static io.roomote.agents.cli.ScriptedModelServer.hang;
import static io.roomote.agents.cli.ScriptedModelServer.shell;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * github.issue.fix through the queue with a REAL agent CLI: codex from npm (pinned), its model replaced by
 * the ScriptedModelServer on 127.0.0.1, real git with a bare repository as origin, and the GitHub REST
 * stand-in (GitHubStandIn, not GitHub) for the issue and the pull request.
 */
@Tag("agent-cli")
@Timeout(240)
class RealAgentFixJobTest {

    private static AgentClis clis;

    @TempDir
    Path temp;

    private GitRemotes remotes;
    private GitHubStandIn github;
    private Database database;
    private Roomote roomote;

    @BeforeAll
    static void install() throws Exception {
        clis = AgentClis.install();
    }

    @BeforeEach
    void setUp() throws Exception {
        remotes = new GitRemotes(Files.createDirectories(temp.resolve("remotes")));
        remotes.create("acme/app", "calc.py", "def add(a, b):\n    return a - b\n");
        github = new GitHubStandIn(remotes.root());
        github.addIssue("acme/app", 7, "add() subtracts", "add(2, 2) returns 0", List.of("bug"), "open");
        database = TestDatabases.fresh();
    }

    @AfterEach
    void tearDown() {
        if (roomote != null) {
            roomote.close();
        }
        database.close();
        github.close();
    }

    private Job run(ScriptedModelServer model, String timeout) {
        Map<String, String> s = new HashMap<>();
        s.put("GH_TOKEN", "ghp_standInToken0123456789abcdefghijklmn");
        s.put("GITHUB_API_URL", github.apiUrl());
        s.put("GITHUB_SERVER_URL", remotes.serverUrl());
        s.put("ROOMOTE_HOME", temp.resolve("home").toString());
        s.put("ROOMOTE_AGENT", "codex");
        s.put("ROOMOTE_AGENT_BASE_URL", model.baseUrl());
        s.put("ROOMOTE_CODEX_PATH", clis.codex().toString());
        s.put("ROOMOTE_CODEX_MAX_RETRIES", "0");
        s.put("OPENROUTER_API_KEY", "sk-or-v1-scriptedModelKey0123456789");
        s.put("OPENROUTER_MODEL", "gpt-5.5");
        s.put("JOB_TIMEOUT", timeout);
        s.put("JOB_CANCEL_GRACE", "60s");
        s.put("POLL_INTERVAL_MS", "200");
        Map<String, String> processEnv = Map.of("PATH", clis.agentPath(), "LANG", "C.UTF-8");
        GitHubIssueFixJobType type = new GitHubIssueFixJobType(AgentDrivers.discover(getClass().getClassLoader()), processEnv);
        roomote = Roomote.start(Settings.of(s), database, JobTypeRegistry.of(type), temp.resolve("home"), true);
        long id = QueueFixture.enqueue(roomote, GitHubIssueFixJobType.ID, "{\"repo\":\"acme/app\",\"issue\":7}");
        return QueueFixture.awaitStatusIn(roomote, id, List.of(JobStatus.COMPLETED, JobStatus.FAILED), Duration.ofSeconds(180));
    }

    /**
     * Issue 11's happy path: codex inside bubblewrap (the default), its model calls through Roomote's gateway with
     * a per-job token, ROOMOTE_PUSH=host (the default when sandboxed): codex commits, Roomote pushes and opens
     * the PR, and the tokens and cost in the result are what the (scripted) provider reported, not codex's claim.
     */
    @Test
    void codexInBubblewrapCommitsThroughTheGatewayAndRoomotePushesAndOpensThePr() throws Exception {
        try (ScriptedModelServer model = ScriptedModelServer.start(
                editFile("calc.py", "return a - b", "return a + b"),
                shell("git checkout -b fix-7"),
                shell("git add -A && git commit -m 'Fixes #7'"),
                finalMessage("Committed the fix on fix-7."))) {

            Job job = run(model, "3m");

            assertThat(job.status()).as(job.error()).isEqualTo(JobStatus.COMPLETED);
            assertThat(job.result().get("outcome").asText()).isEqualTo("pr_opened");
            assertThat(job.result().get("agent").asText()).isEqualTo("codex");
            assertThat(job.result().get("pushedBy").asText()).isEqualTo("roomote");
            assertThat(job.result().get("prOpenedBy").asText()).isEqualTo("roomote");
            assertThat(job.result().get("prUrl").asText()).isEqualTo(github.pulls().get(0).get("html_url").asText());
            assertThat(remotes.inRemote("acme/app", "show", "fix-7:calc.py")).contains("return a + b");
            assertThat(model.errors()).as(model.transcript()).isEmpty();
            // What the provider reported, read by the gateway from every answer.
            assertThat(job.result().get("tokensIn").asLong()).isEqualTo(model.tokensInAll()).isPositive();
            assertThat(job.result().get("tokensOut").asLong()).isEqualTo(model.tokensOutAll());
            assertThat(job.result().get("costUsd").asDouble()).isCloseTo(model.costAll(), org.assertj.core.data.Offset.offset(1e-9));
            // codex never saw the real key: every request reached the provider with the key the gateway added.
            assertThat(model.requests()).isNotEmpty().allSatisfy(r ->
                    assertThat(r.header("authorization")).isEqualTo("Bearer sk-or-v1-scriptedModelKey0123456789"));
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() ->
                    new io.roomote.core.store.JobLogRepository(database).read(job.id(), 0, 10_000).stream()
                            .anyMatch(l -> l.line().contains("in the bwrap sandbox")));
        }
    }

    @Test
    void codexThatChangesNothingEndsAsNoChanges() throws Exception {
        try (ScriptedModelServer model = ScriptedModelServer.start(finalMessage("I could not find anything to change."))) {

            Job job = run(model, "3m");

            assertThat(job.status()).isEqualTo(JobStatus.FAILED);
            assertThat(job.result().get("outcome").asText()).isEqualTo("no_changes");
            assertThat(remotes.branches("acme/app")).containsExactly("main");
        }
    }

    @Test
    void aHangingAgentIsStoppedAtTheDeadlineAndItsEditIsPushedToAWipBranch() throws Exception {
        try (ScriptedModelServer model = ScriptedModelServer.start(editFile("calc.py", "return a - b", "return a + b"), hang())) {

            Job job = run(model, "25s");

            assertThat(job.status()).isEqualTo(JobStatus.FAILED);
            assertThat(job.error()).isEqualTo("timed out after 25 seconds");
            assertThat(job.result().get("outcome").asText()).isEqualTo("timed_out");
            String wip = job.result().get("wipBranch").asText();
            assertThat(wip).isEqualTo("roomote/wip/7-" + job.id());
            assertThat(remotes.inRemote("acme/app", "show", wip + ":calc.py")).contains("return a + b");
        }
    }
}
