package io.roomote.jobs.github.revise;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.roomote.agents.AgentDrivers;
import io.roomote.agents.cli.AgentClis;
import io.roomote.agents.cli.ScriptedModelServer;
import io.roomote.core.Roomote;
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
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.roomote.agents.cli.ScriptedModelServer.editFile;
import static io.roomote.agents.cli.ScriptedModelServer.finalMessage;
import static io.roomote.agents.cli.ScriptedModelServer.shell;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A review round through the queue with a REAL agent CLI: codex from npm (pinned) in bubblewrap (the default
 * sandbox), its model replaced by the ScriptedModelServer on 127.0.0.1 and reached through Roomote's gateway, real
 * git with a bare repository as origin holding the PR's branch, and the GitHub REST STAND-IN (GitHubStandIn, not
 * GitHub) for the pull request, the review comment and Roomote's reply.
 */
@Tag("agent-cli")
@Timeout(240)
class RealAgentReviseJobTest {

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

    @Test
    void codexAnswersAReviewCommentWithANewCommitOnThePrBranchAndRoomoteReplies() throws Exception {
        String head = remotes.commit("acme/app", "fix-7", "calc.py", "def add(a, b):\n    return a + b\n", "Fixes #7");
        int pr = github.addPull("acme/app", "fix-7", "Fixes #7", "Fixes #7\n<!-- roomote:job=41 -->\n").get("number").asInt();
        long asked = github.addReviewComment("acme/app", pr, "alice", "@roomote add a docstring to add()", "calc.py", 1,
                null, null, Instant.now().minusSeconds(30));

        try (ScriptedModelServer model = ScriptedModelServer.start(
                editFile("calc.py", "def add(a, b):\n", "def add(a, b):\n    \"\"\"Returns a + b.\"\"\"\n"),
                shell("git add -A && git commit -m 'Document add()'"),
                finalMessage("Added the docstring the review asked for."))) {
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
            s.put("JOB_TIMEOUT", "3m");
            s.put("JOB_CANCEL_GRACE", "60s");
            s.put("POLL_INTERVAL_MS", "200");
            Map<String, String> processEnv = Map.of("PATH", clis.agentPath(), "LANG", "C.UTF-8");
            GitHubPrReviseJobType type = new GitHubPrReviseJobType(AgentDrivers.discover(getClass().getClassLoader()),
                    processEnv);
            roomote = Roomote.start(Settings.of(s), database, JobTypeRegistry.of(type), temp.resolve("home"), true);
            long id = QueueFixture.enqueue(roomote, GitHubPrReviseJobType.ID, "{\"repo\":\"acme/app\",\"pr\":" + pr
                    + ",\"trigger\":\"review_comment\",\"triggerId\":" + asked + ",\"requestedBy\":\"alice\"}");
            Job job = QueueFixture.awaitStatusIn(roomote, id, List.of(JobStatus.COMPLETED, JobStatus.FAILED),
                    Duration.ofSeconds(180));

            assertThat(job.status()).as(job.error()).isEqualTo(JobStatus.COMPLETED);
            assertThat(model.errors()).as(model.transcript()).isEmpty();
            assertThat(job.result().get("outcome").asText()).isEqualTo("revised");
            assertThat(job.result().get("agent").asText()).isEqualTo("codex");
            assertThat(job.result().get("pushedBy").asText()).isEqualTo("roomote");
            // A new commit on the same branch, on top of the PR's head: no force-push.
            assertThat(remotes.inRemote("acme/app", "rev-parse", "fix-7~1")).isEqualTo(head);
            assertThat(remotes.inRemote("acme/app", "log", "-1", "--format=%s", "fix-7")).isEqualTo("Document add()");
            assertThat(remotes.inRemote("acme/app", "show", "fix-7:calc.py")).contains("\"\"\"Returns a + b.\"\"\"");
            assertThat(job.result().get("tokensIn").asLong()).isEqualTo(model.tokensInAll()).isPositive();
            ObjectNode reply = github.comments().get(github.comments().size() - 1);
            assertThat(job.result().get("replyId").asLong()).isEqualTo(reply.get("id").asLong());
            assertThat(reply.get("body").asText())
                    .contains("Document add()")
                    .contains("In the agent's words:\n\n> Document add()")
                    .contains("Tokens: " + String.format(java.util.Locale.ROOT, "%,d", model.tokensInAll()) + " in")
                    .contains(RevisionRounds.roundMarker(id, 1));
        }
    }
}
