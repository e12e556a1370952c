package io.roomote.jobs.github.revise;

import com.fasterxml.jackson.databind.JsonNode;
import io.roomote.agents.AgentDrivers;
import io.roomote.agents.command.CommandAgentDriver;
import io.roomote.core.config.Settings;
import io.roomote.core.execution.CancellationSignal;
import io.roomote.core.execution.JobOutcome;
import io.roomote.core.execution.JobRequest;
import io.roomote.core.execution.JobRunner;
import io.roomote.core.logging.SecretRedactor;
import io.roomote.core.store.Json;
import io.roomote.core.testing.CollectingLogSink;
import io.roomote.core.types.JobTypeRegistry;
import io.roomote.jobs.github.testing.GitHubStandIn;
import io.roomote.jobs.github.testing.GitRemotes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A review round whose agent, after committing, rewrites its workspace's {@code .git} (hooks, core.hooksPath,
 * core.fsmonitor, origin and insteadOf naming another repository): Roomote's ancestry check, commit listing and push
 * run in its own trusted repository, so none of it runs on the host and the commit goes to the real remote only.
 *
 * <p>Real: git, bare repositories standing for GitHub's git server and for the attacker's repository, bubblewrap
 * (ROOMOTE_SANDBOX=bwrap) with socat, Roomote's real {@code command} agent driver running revise-agent.sh. Stand-in:
 * the GitHub REST API (GitHubStandIn, not GitHub).
 */
class HostileReviseWorkspaceTest {

    static final String TOKEN = "ghp_standInToken0123456789abcdefghijklmn";
    static final String REPO = "acme/app";

    @TempDir
    Path temp;

    private final ScheduledExecutorService timers = Executors.newScheduledThreadPool(1);
    private final CollectingLogSink log = new CollectingLogSink();
    private GitRemotes remotes;
    private GitHubStandIn github;
    private Path script;
    private Path markers;
    private String head;
    private int pr;

    @BeforeEach
    void setUp() throws Exception {
        remotes = new GitRemotes(Files.createDirectories(temp.resolve("remotes")));
        remotes.create(REPO, "calc.py", "def add(a, b):\n    return a - b\n");
        head = remotes.commit(REPO, "fix-7", "calc.py", "def add(a, b):\n    return a + b\n", "Fixes #7");
        github = new GitHubStandIn(remotes.root());
        github.addIssue(REPO, 7, "add() subtracts", "add(2, 2) returns 0", List.of("bug"), "open");
        pr = github.addPull(REPO, "fix-7", "Fixes #7", "Fixes #7\n\nOpened by Roomote, job 41.\n<!-- roomote:job=41 -->\n")
                .get("number").asInt();
        script = Files.createDirectories(temp.resolve("agents")).resolve("revise-agent.sh");
        try (var in = getClass().getResourceAsStream("/agents/revise-agent.sh")) {
            Files.write(script, in.readAllBytes());
        }
        markers = Files.createDirectories(temp.resolve("markers"));
    }

    @AfterEach
    void tearDown() {
        github.close();
        timers.shutdownNow();
    }

    @Test
    void aRoundWhoseAgentRewritesGitRunsNothingOnTheHostAndPushesToTheRealRemote() throws Exception {
        Path evil = remotes.create("mallory/loot", "README.md", "loot\n");
        String evilRefs = remotes.inRemote("mallory/loot", "for-each-ref");
        long asked = github.addReviewComment(REPO, pr, "alice", "@roomote please add an add_all() for any number of values",
                "calc.py", 2, null, null, Instant.now().minusSeconds(60));
        Map<String, String> s = new HashMap<>();
        s.put("GH_TOKEN", TOKEN);
        s.put("GITHUB_API_URL", github.apiUrl());
        s.put("GITHUB_SERVER_URL", remotes.serverUrl());
        s.put("ROOMOTE_HOME", temp.resolve("home").toString());
        s.put("ROOMOTE_AGENT", "command");
        s.put("ROOMOTE_AGENT_COMMAND", "sh " + script + " {promptFile} add-commit-hostile " + markers + " "
                + evil.toUri());
        s.put("OPENROUTER_API_KEY", "sk-or-v1-modelKeyForTheAgent0123456789");
        s.put("ROOMOTE_SANDBOX", "bwrap");
        s.put("ROOMOTE_SANDBOX_READ", script.getParent().toString());
        Map<String, String> processEnv = new HashMap<>(s);
        processEnv.put("PATH", System.getenv("PATH"));
        Settings config = Settings.of(s);
        GitHubPrReviseJobType type = new GitHubPrReviseJobType(AgentDrivers.of(List.of(new CommandAgentDriver())), processEnv);
        JobRunner runner = new JobRunner(JobTypeRegistry.of(type), Json.newMapper(), config,
                new SecretRedactor(config.secretValues()), temp.resolve("work"), Duration.ofSeconds(20), timers);

        JobOutcome outcome = runner.run(new JobRequest(81, 1, GitHubPrReviseJobType.ID, Json.newMapper().readTree(
                "{\"repo\":\"acme/app\",\"pr\":" + pr + ",\"trigger\":\"review_comment\",\"triggerId\":" + asked
                        + ",\"requestedBy\":\"alice\"}"), Duration.ofMinutes(3), new CancellationSignal(), log));

        assertThat(outcome).isInstanceOf(JobOutcome.Succeeded.class);
        JsonNode result = ((JobOutcome.Succeeded) outcome).result();
        assertThat(result.get("outcome").asText()).isEqualTo("revised");
        assertThat(result.get("pushedBy").asText()).isEqualTo("roomote");
        assertThat(remotes.inRemote(REPO, "rev-parse", "fix-7~1")).isEqualTo(head);
        assertThat(remotes.inRemote(REPO, "show", "fix-7:calc.py")).contains("def add_all");
        assertThat(remotes.inRemote("mallory/loot", "for-each-ref")).as("the other repository received nothing")
                .isEqualTo(evilRefs);
        try (var files = Files.list(markers)) {
            assertThat(files.map(p -> p.getFileName().toString()).toList())
                    .as("markers written by the agent's hooks or fsmonitor on the host").isEmpty();
        }
        assertThat(log.texts()).noneMatch(l -> l.contains(TOKEN));
    }
}
