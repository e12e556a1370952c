package io.roomote.agents.cli;

import io.roomote.agents.AgentOutcome;
import io.roomote.agents.AgentRequest;
import io.roomote.core.config.Settings;
import io.roomote.core.execution.CancellationSignal;
import io.roomote.spi.JobLogger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import static io.roomote.agents.cli.ScriptedModelServer.editFile;
import static io.roomote.agents.cli.ScriptedModelServer.finalMessage;
import static io.roomote.agents.cli.ScriptedModelServer.hang;
import static io.roomote.agents.cli.ScriptedModelServer.httpError;
import static io.roomote.agents.cli.ScriptedModelServer.shell;
import static io.roomote.agents.cli.TestRepos.git;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The real codex CLI (npm {@code @openai/codex} 0.169.0) driven by {@link CodexAgentDriver} against the
 * {@link ScriptedModelServer} on 127.0.0.1, in a real git repository with a local bare {@code origin}.
 */
@Tag("agent-cli")
@Timeout(120)
class CodexEndToEndTest {

    private static AgentClis clis;

    @TempDir
    Path root;

    private final CollectingJobLogger log = new CollectingJobLogger();
    private final MarkedProcesses marked = new MarkedProcesses();

    @BeforeAll
    static void installClis() throws Exception {
        clis = AgentClis.install();
    }

    private AgentRequest request(Path workspace, ScriptedModelServer server, Duration timeout, CancellationSignal cancel)
            throws Exception {
        Path home = root.resolve("agent-home");
        Files.createDirectories(home);
        Map<String, String> env = Map.of("PATH", clis.agentPath(), "OPENROUTER_API_KEY", "test-key", "LANG", "C.UTF-8",
                MarkedProcesses.VARIABLE, marked.value());
        Settings settings = Settings.of(Map.of(AgentProvider.BASE_URL_SETTING, server.baseUrl(),
                "ROOMOTE_CODEX_PATH", clis.codex().toString(), CodexAgentDriver.RETRIES_SETTING, "0"));
        return new AgentRequest(7, "Fix issue #7: the README says 'old line'; make it say 'new line', commit with "
                + "'Fixes #7' on branch fix-7 and push it.", workspace, home, env, Optional.of("gpt-5.5"), log, cancel,
                Instant.now().plus(timeout), settings);
    }

    @Test
    void editsCommitsAndPushesWithItsOwnToolsAndReportsUsage() throws Exception {
        Path workspace = TestRepos.workspaceWithOrigin(root, "# Demo\nold line\n");
        try (ScriptedModelServer server = ScriptedModelServer.start(
                editFile("README.md", "old line", "new line"),
                shell("git checkout -b fix-7"),
                shell("git add -A && git commit -m 'Fixes #7'"),
                shell("git push --set-upstream origin fix-7"),
                finalMessage("Pushed fix-7."))) {

            AgentOutcome outcome = new CodexAgentDriver().run(request(workspace, server, Duration.ofSeconds(90), new CancellationSignal()));

            assertThat(server.errors()).as(server.transcript()).isEmpty();
            assertThat(outcome.status()).as(outcome.message()).isEqualTo(AgentOutcome.Status.FINISHED);
            assertThat(Files.readString(workspace.resolve("README.md"))).isEqualTo("# Demo\nnew line\n");
            Path origin = TestRepos.origin(workspace);
            assertThat(git(origin, "log", "-1", "--format=%s", "fix-7")).isEqualTo("Fixes #7");
            assertThat(git(origin, "show", "fix-7:README.md")).isEqualTo("# Demo\nnew line");
            assertThat(git(workspace, "rev-parse", "HEAD")).isEqualTo(git(origin, "rev-parse", "fix-7"));
            assertThat(outcome.usage().tokensIn()).isEqualTo(server.tokensInSent());
            assertThat(outcome.usage().tokensOut()).isEqualTo(server.tokensOutSent());
            assertThat(outcome.usage().model()).isEqualTo("gpt-5.5");
            assertThat(server.scriptedRequests()).hasSize(5).allSatisfy(r -> {
                assertThat(r.header("authorization")).isEqualTo("Bearer test-key");
                assertThat(r.model()).isEqualTo("gpt-5.5");
            });
            // readable lines, not raw JSON events
            assertThat(log.texts()).contains("files changed: update " + workspace.resolve("README.md"),
                    "codex: Pushed fix-7.");
            assertThat(log.texts()).anyMatch(l -> l.startsWith("[exit 0] ") && l.contains("git push --set-upstream origin fix-7"));
            assertThat(log.texts()).noneMatch(l -> l.startsWith("{\""));
            assertThat(marked.alive()).isEmpty();
        }
    }

    @Test
    void anAgentThatDoesNothingFinishesAndLeavesTheRepositoryAlone() throws Exception {
        Path workspace = TestRepos.workspaceWithOrigin(root, "# Demo\nold line\n");
        String head = git(workspace, "rev-parse", "HEAD");
        try (ScriptedModelServer server = ScriptedModelServer.start(finalMessage("Nothing to change."))) {

            AgentOutcome outcome = new CodexAgentDriver().run(request(workspace, server, Duration.ofSeconds(90), new CancellationSignal()));

            // exit 0 is only a report: the caller sees from the repository that nothing happened (no_changes)
            assertThat(outcome.status()).as(outcome.message()).isEqualTo(AgentOutcome.Status.FINISHED);
            assertThat(server.scriptedRequests()).hasSize(1);
            assertThat(git(workspace, "status", "--porcelain")).isEmpty();
            assertThat(git(workspace, "rev-parse", "HEAD")).isEqualTo(head);
            assertThat(git(TestRepos.origin(workspace), "for-each-ref", "--format=%(refname)")).isEqualTo("refs/heads/main");
            assertThat(log.texts()).contains("codex: Nothing to change.");
        }
    }

    @Test
    void aHangingModelServerIsStoppedAtTheDeadlineWithItsWholeProcessTree() throws Exception {
        Path workspace = TestRepos.workspaceWithOrigin(root, "# Demo\n");
        try (ScriptedModelServer server = ScriptedModelServer.start(hang())) {
            AgentRequest request = request(workspace, server, Duration.ofSeconds(6), new CancellationSignal());
            CompletableFuture<AgentOutcome> run = CompletableFuture.supplyAsync(() -> {
                try {
                    return new CodexAgentDriver().run(request);
                } catch (Exception e) {
                    throw new CompletionException(e);
                }
            });
            await().atMost(Duration.ofSeconds(6)).until(() -> !server.requests().isEmpty());
            List<String> whileRunning = marked.alive();

            AgentOutcome outcome = run.get(60, TimeUnit.SECONDS);

            // the node launcher and the native codex binary at least
            assertThat(whileRunning).hasSizeGreaterThanOrEqualTo(2);
            assertThat(outcome.status()).isEqualTo(AgentOutcome.Status.STOPPED);
            assertThat(outcome.message()).isEqualTo("stopped: deadline reached");
            assertThat(marked.alive()).as("processes left after the stop").isEmpty();
        }
    }

    @Test
    void aModelApiErrorMakesCodexExitNonZeroWhichIsReportedAsFailed() throws Exception {
        Path workspace = TestRepos.workspaceWithOrigin(root, "# Demo\n");
        try (ScriptedModelServer server = ScriptedModelServer.start(httpError(500, "scripted outage"))) {

            AgentOutcome outcome = new CodexAgentDriver().run(request(workspace, server, Duration.ofSeconds(90), new CancellationSignal()));

            assertThat(outcome.status()).isEqualTo(AgentOutcome.Status.FAILED);
            assertThat(outcome.message()).isEqualTo("agent exited with code 1");
            assertThat(server.requests()).extracting(ScriptedModelServer.Received::reply).containsOnly("http 500");
            assertThat(log.lines()).anyMatch(l -> l.level() == JobLogger.Level.ERROR && l.text().startsWith("codex: turn failed: "));
            assertThat(marked.alive()).isEmpty();
        }
    }
}
