package io.roomote.agents.cli;

import io.roomote.agents.AgentOutcome;
import io.roomote.agents.AgentRequest;
import io.roomote.core.config.Settings;
import io.roomote.core.execution.CancellationSignal;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

import static io.roomote.agents.cli.ScriptedModelServer.finalMessage;
import static io.roomote.agents.cli.ScriptedModelServer.shell;
import static io.roomote.agents.cli.ScriptedModelServer.writeFile;
import static io.roomote.agents.cli.TestRepos.git;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The real opencode CLI (npm {@code opencode-ai} 1.18.33) driven by {@link OpenCodeAgentDriver} against the
 * {@link ScriptedModelServer} (Chat Completions) on 127.0.0.1, in a real git repository with a bare origin.
 */
@Tag("agent-cli")
@Timeout(120)
class OpenCodeEndToEndTest {

    private static AgentClis clis;

    @TempDir
    Path root;

    private final CollectingJobLogger log = new CollectingJobLogger();
    private final MarkedProcesses marked = new MarkedProcesses();

    @BeforeAll
    static void installClis() throws Exception {
        clis = AgentClis.install();
    }

    @Test
    void writesAFileCommitsAndPushesWithItsOwnTools() throws Exception {
        Path workspace = TestRepos.workspaceWithOrigin(root, "# Demo\n");
        try (ScriptedModelServer server = ScriptedModelServer.start(
                writeFile(workspace.resolve("FIX.md").toString(), "Fixed issue 7.\n"),
                shell("git checkout -b fix-7"),
                shell("git add -A && git commit -m 'Fixes #7'"),
                shell("git push --set-upstream origin fix-7"),
                finalMessage("Pushed fix-7."))) {
            Path home = root.resolve("agent-home");
            Files.createDirectories(home);
            Map<String, String> env = Map.of("PATH", clis.agentPath(), "OPENROUTER_API_KEY", "test-key", "LANG", "C.UTF-8",
                    MarkedProcesses.VARIABLE, marked.value());
            Settings settings = Settings.of(Map.of(AgentProvider.BASE_URL_SETTING, server.baseUrl(),
                    "ROOMOTE_OPENCODE_PATH", clis.opencode().toString()));
            AgentRequest request = new AgentRequest(7, "Fix issue #7: add FIX.md, commit with 'Fixes #7' on branch fix-7 "
                    + "and push it.", workspace, home, env, Optional.of("m"), log, new CancellationSignal(),
                    Instant.now().plus(Duration.ofSeconds(100)), settings);

            AgentOutcome outcome = new OpenCodeAgentDriver().run(request);

            assertThat(server.errors()).as(server.transcript()).isEmpty();
            assertThat(outcome.status()).as(outcome.message()).isEqualTo(AgentOutcome.Status.FINISHED);
            assertThat(Files.readString(workspace.resolve("FIX.md"))).isEqualTo("Fixed issue 7.\n");
            Path origin = TestRepos.origin(workspace);
            assertThat(git(origin, "log", "-1", "--format=%s", "fix-7")).isEqualTo("Fixes #7");
            assertThat(git(origin, "show", "fix-7:FIX.md")).isEqualTo("Fixed issue 7.");
            assertThat(server.scriptedRequests()).allSatisfy(r -> {
                assertThat(r.header("authorization")).isEqualTo("Bearer test-key");
                assertThat(r.model()).isEqualTo("m");
            });
            assertThat(server.scriptedRequests()).hasSize(5);
            assertThat(outcome.usage().tokensIn()).isEqualTo(server.tokensInSent());
            assertThat(outcome.usage().tokensOut()).isEqualTo(server.tokensOutSent());
            assertThat(outcome.usage().model()).isEqualTo("m");
            // readable lines, not raw JSON events
            assertThat(log.texts()).contains("write " + workspace.resolve("FIX.md"), "[exit 0] git checkout -b fix-7",
                    "opencode: Pushed fix-7.");
            assertThat(log.texts()).noneMatch(l -> l.startsWith("{\""));
            assertThat(marked.alive()).isEmpty();
        }
    }
}
