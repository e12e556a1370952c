package io.roomote.agents.roocode;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.roomote.agents.AgentContainment;
import io.roomote.agents.AgentDrivers;
import io.roomote.agents.AgentOutcome;
import io.roomote.agents.AgentOutcome.Status;
import io.roomote.agents.AgentRequest;
import io.roomote.agents.roocode.RooCodeAgentDriver.Timings;
import io.roomote.core.config.Settings;
import io.roomote.core.execution.CancellationSignal;
import io.roomote.sandbox.Sandbox;
import io.roomote.sandbox.SandboxSettings;
import io.roomote.sandbox.SandboxSpec;
import io.roomote.sandbox.Sandboxes;
import io.roomote.spi.Cancellation;
import io.roomote.spi.JobLogger.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

/**
 * The driver end to end against a real peer: {@code fake-code} (as {@code ROOMOTE_VSCODE_PATH}) starts a
 * Node program that serves the IPC protocol with the real node-ipc 12.0.0 server and validates every
 * message with the real {@code ipcMessageSchema} of {@code @roo-code/types}. Launch, socket wait, handshake,
 * commands, events and the stop sequence all run for real. A message the schema rejects makes the peer
 * exit with code 3 and is recorded; {@link #everyMessageThePeerReceivedPassedTheSchema()} then fails the test.
 */
class RooCodeAgentDriverTest {

    private static final String KEY = "sk-or-v1-test-0123456789abcdef";
    private static final String MODEL = "anthropic/claude-sonnet-4.5";
    private static final String PROMPT = "Fix the following GitHub issue:\n\nRepository: acme/app\nIssue #7: off by one — naïve ✓\n";
    /** The original's pauses, shortened so that the stop sequence takes a few seconds in tests. */
    private static final Timings FAST = new Timings(Duration.ofMillis(250), Duration.ofSeconds(1), 5,
            Duration.ofSeconds(2), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(2));
    /** Variables a shell adds when it runs the launcher script; VS Code's own launcher would add others. */
    private static final Set<String> SHELL_VARIABLES = Set.of("PWD", "OLDPWD", "SHLVL", "_");

    private static final ObjectMapper MAPPER = new ObjectMapper();

    @TempDir
    Path tmp;

    private final RecordingLog log = new RecordingLog();
    private final List<RooIpcPeer.Record> peers = new ArrayList<>();
    private final ExecutorService executor = Executors.newSingleThreadExecutor();

    @BeforeAll
    static void installThePeer() {
        // Before any deadline is set: the first run may have to 'npm ci' the peer's dependencies.
        RooIpcPeer.launcher();
    }

    @AfterEach
    void everyMessageThePeerReceivedPassedTheSchema() throws Exception {
        executor.shutdownNow();
        for (RooIpcPeer.Record peer : peers) {
            peer.cleanUp(); // whatever the driver did: no peer outlives its test
        }
        for (RooIpcPeer.Record peer : peers) {
            assertThat(peer.problems()).as("schema rejections and other problems the peer recorded in %s", peer.file()).isEmpty();
        }
    }

    // ---------------------------------------------------------------------------------------------------

    @Test
    void launchesVsCodeWithOnlyTheAgentsEnvironmentAndHandshakes() throws Exception {
        Run run = run("complete", Instant.now().plusSeconds(60), new CancellationSignal(), Map.of());

        assertThat(run.outcome().status()).as(run.describe()).isEqualTo(Status.FINISHED);
        JsonNode start = run.peer().start();
        assertThat(strings(start.get("argv"))).containsExactly("--wait", "--log", "trace", "--disable-workspace-trust",
                "--disable-gpu", "--disable-lcd-text", "--no-sandbox", "--user-data-dir",
                run.request().agentHome().resolve("vscode-user-data").toString(), "--password-store=basic",
                "-n", run.request().workspace().toString());
        assertThat(run.request().agentHome().resolve("vscode-user-data")).isDirectory();

        Map<String, String> env = MAPPER.convertValue(start.get("env"), MAPPER.getTypeFactory()
                .constructMapType(Map.class, String.class, String.class));
        String socket = env.get("ROO_CODE_IPC_SOCKET_PATH");
        assertThat(socket).matches("/tmp/roo-[0-9a-f]{8}\\.sock");
        assertThat(socket.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(107);
        assertThat(env).containsAllEntriesOf(run.request().environment())
                .containsEntry("HOME", run.request().agentHome().toString());
        Set<String> allowed = new HashSet<>(run.request().environment().keySet());
        allowed.addAll(List.of("ROO_CODE_IPC_SOCKET_PATH", "HOME"));
        allowed.addAll(SHELL_VARIABLES);
        assertThat(env.keySet()).as("nothing of the test JVM's own environment leaks in").isSubsetOf(allowed);
        assertThat(Path.of(socket)).as("the socket file is removed at the end").doesNotExist();

        // One connection; every command carried the clientId of that connection's Ack.
        assertThat(run.peer().clientIds()).hasSize(1);
        String clientId = run.peer().clientIds().get(0);
        assertThat(run.peer().commands()).isNotEmpty().allSatisfy(c -> {
            assertThat(c.path("type").asText()).isEqualTo("TaskCommand");
            assertThat(c.path("origin").asText()).isEqualTo("client");
            assertThat(c.path("clientId").asText()).isEqualTo(clientId);
        });
        assertThat(run.peer().ofKind("command")).allSatisfy(c -> assertThat(c.path("knownClient").asBoolean()).isTrue());
        assertThat(log.texts()).contains("connected to Roo Code (client id " + clientId + ")");
        awaitDead(run.peer().pid());
    }

    /**
     * Issue 11: VS Code (here the real IPC peer behind the {@code code} stand-in) runs inside bubblewrap — real
     * bwrap and socat — and the IPC socket is made in the agent's HOME, which both sides see; /tmp is the
     * sandbox's own.
     */
    @Test
    void runsAFullTaskInsideBubblewrap() throws Exception {
        Path home = Files.createDirectories(tmp.resolve("agent-home"));
        AgentRequest base = request("complete", Instant.now().plusSeconds(60), new CancellationSignal(), Map.of());
        RooIpcPeer.Record peer = new RooIpcPeer.Record(home.resolve("peer.jsonl"));
        peers.set(peers.size() - 1, peer);
        Map<String, String> env = new HashMap<>(base.environment());
        env.put("ROO_PEER_RECORD", peer.file().toString());
        Path bridge = Files.createTempDirectory("rmt-");
        Sandbox sandbox = Sandboxes.create(SandboxSettings.from(Settings.of(Map.of("ROOMOTE_SANDBOX", "bwrap")), System.getenv()));
        SandboxSpec spec = new SandboxSpec(42, base.workspace(), home, bridge, List.of(), List.of(), List.of(tmp));
        AgentRequest request = new AgentRequest(base.jobId(), base.prompt(), base.workspace(), home, env, base.model(),
                base.log(), base.cancellation(), base.deadline(), base.config())
                .withContainment(AgentContainment.of(sandbox, spec), Optional.of("http://127.0.0.1:18080/openrouter"));

        AgentOutcome outcome = new RooCodeAgentDriver(FAST).run(request);

        assertThat(outcome.status()).as(outcome.message()).isEqualTo(Status.FINISHED);
        assertThat(outcome.message()).isEqualTo("Roo Code completed the task: Fixed the off-by-one in app.js.");
        JsonNode start = peer.start();
        assertThat(start.path("env").path("ROO_CODE_IPC_SOCKET_PATH").asText()).startsWith(home + "/roo-");
        // Its own PID namespace: the peer is one of the first few processes there.
        assertThat(start.path("pid").asLong()).isLessThan(20);
        assertThat(log.texts()).anyMatch(l -> l.contains("in the bwrap sandbox"));
        // Roo Code's OpenRouter provider is pointed at the gateway (a field the real schema accepted).
        JsonNode settings = peer.commands().get(0).path("data").path("data").path("configuration");
        assertThat(settings.path("openRouterBaseUrl").asText()).isEqualTo("http://127.0.0.1:18080/openrouter");
    }

    /** Issue 11: behind the model gateway, Roomote's own key in its settings is never handed to Roo Code. */
    @Test
    void behindTheGatewayRoomotesOwnKeyIsNeverSent() throws Exception {
        AgentRequest base = request("complete", Instant.now().plusSeconds(60), new CancellationSignal(),
                Map.of("OPENROUTER_API_KEY", "sk-or-v1-roomotesOwnKey0123456789"));
        Map<String, String> env = new HashMap<>(base.environment());
        env.remove("OPENROUTER_API_KEY");
        AgentRequest request = new AgentRequest(base.jobId(), base.prompt(), base.workspace(), base.agentHome(), env,
                base.model(), base.log(), base.cancellation(), base.deadline(), base.config())
                .withContainment(AgentContainment.none(), Optional.of("http://127.0.0.1:41000/openrouter"));

        AgentOutcome outcome = new RooCodeAgentDriver(FAST).run(request);

        assertThat(outcome.status()).as(outcome.message()).isEqualTo(Status.FINISHED);
        JsonNode settings = peers.get(peers.size() - 1).commands().get(0).path("data").path("data").path("configuration");
        assertThat(settings.has("openRouterApiKey")).as(settings.toString()).isFalse();
        assertThat(settings.toString()).doesNotContain("roomotesOwnKey");
    }

    @Test
    void runsAFullTaskAndReportsItsUsage() throws Exception {
        Path readme = workspaceFile();
        Run run = run("complete", Instant.now().plusSeconds(60), new CancellationSignal(), Map.of());

        assertThat(run.outcome().status()).as(run.describe()).isEqualTo(Status.FINISHED);
        assertThat(run.outcome().message()).isEqualTo("Roo Code completed the task: Fixed the off-by-one in app.js.");
        assertThat(run.outcome().usage().tokensIn()).isEqualTo(1200L);
        assertThat(run.outcome().usage().tokensOut()).isEqualTo(340L);
        assertThat(run.outcome().usage().costUsd()).isCloseTo(0.0425, within(1e-9));
        assertThat(run.outcome().usage().model()).isEqualTo(MODEL);

        String taskId = run.peer().topLevelTaskId();
        assertThat(run.peer().commandNames()).containsExactly("StartNewTask", "CloseTask");
        JsonNode startData = run.peer().commands().get(0).path("data").path("data");
        ObjectNode expectedConfig = (ObjectNode) MAPPER.readTree("""
                {"apiProvider":"openrouter","autoApprovalEnabled":true,"alwaysAllowReadOnly":true,"alwaysAllowWrite":true,
                 "alwaysAllowExecute":true,"allowedCommands":["*"],"alwaysApproveResubmit":true,"alwaysAllowMcp":true,
                 "alwaysAllowModeSwitch":true,"alwaysAllowSubtasks":true,"browserToolEnabled":false,"enableCheckpoints":false,
                 "mcpEnabled":false,"mode":"code","language":"en","terminalShellIntegrationDisabled":true,"rateLimitSeconds":0}""");
        expectedConfig.put("openRouterApiKey", KEY).put("openRouterModelId", MODEL);
        assertThat(startData.get("configuration")).isEqualTo(expectedConfig);
        assertThat(startData.path("text").asText()).isEqualTo(PROMPT);
        assertThat(startData.path("newTab").isBoolean()).isTrue();
        assertThat(startData.path("newTab").asBoolean()).isTrue();
        // The key and model survive the extension's schema (right names, right types): Roo Code will use them.
        JsonNode parsed = run.peer().parsedCommands().get(0).path("data").path("data");
        assertThat(parsed.path("configuration").path("openRouterApiKey").asText()).isEqualTo(KEY);
        assertThat(parsed.path("configuration").path("openRouterModelId").asText()).isEqualTo(MODEL);
        assertThat(parsed.path("configuration").path("autoApprovalEnabled").asBoolean()).isTrue();
        assertThat(parsed.path("newTab").asBoolean()).isTrue();
        assertThat(run.peer().commands().get(1).path("data").path("data").asText()).isEqualTo(taskId);
        assertThat(run.peer().commands()).allSatisfy(c -> assertThat(nullFields(c)).as("null fields in %s", c).isEmpty());
        assertThat(run.peer().timeline()).containsSubsequence("emitted taskCompleted " + taskId, "received CloseTask");

        // The job log: final messages once, no partial updates, tools, failures, mode switches; never the key.
        assertThat(log.texts()).containsOnlyOnce("Roo: Looking at the issue now.")
                .doesNotContain("Roo: Looking at", "Roo: Looking at the issue")
                .contains("Roo uses tool readFile: src/app.js", "Roo Code: task " + taskId + " switched to mode 'debug'",
                        "Roo (result): Fixed the off-by-one in app.js.", "Roo Code: task " + taskId + " started");
        assertThat(log.texts(Level.WARN)).contains("Roo Code: tool 'apply_diff' failed in task " + taskId + ": no match for the search block");
        // The key reached VS Code's output and the agent's command output; neither reached the job log.
        assertThat(log.texts(Level.DEBUG)).contains("Roo (command output): OPENROUTER_API_KEY=***")
                .anyMatch(t -> t.startsWith("vscode: [API] StartNewTask -> ") && t.contains("\"openRouterApiKey\":\"***\""));
        assertThat(log.texts()).noneMatch(t -> t.contains(KEY));

        // Roomote wrote nothing into the workspace.
        try (Stream<Path> files = Files.walk(run.request().workspace())) {
            assertThat(files.filter(Files::isRegularFile).toList()).containsExactly(readme);
        }
        assertThat(Files.readString(readme)).isEqualTo("# app\n");
    }

    @Test
    void readsFramesSplitAcrossReadsAndSeveralFramesInOneRead() throws Exception {
        Run run = run("split", Instant.now().plusSeconds(60), new CancellationSignal(), Map.of());

        assertThat(run.outcome().status()).as(run.describe()).isEqualTo(Status.FINISHED);
        // The Ack came in two pieces, a frame was cut inside a 3-byte character, the last three frames came in one write.
        assertThat(log.texts()).contains("Roo: Naïve fix → «done» ✓");
        assertThat(run.outcome().message()).isEqualTo("Roo Code completed the task: Split and merged frames both arrived.");
        assertThat(run.outcome().usage().tokensIn()).isEqualTo(900L);
        assertThat(run.outcome().usage().tokensOut()).isEqualTo(90L);
        assertThat(run.peer().commandNames()).containsExactly("StartNewTask", "CloseTask");
    }

    @Test
    void logsAndIgnoresUnknownEventsExtraFieldsAndForeignFrames() throws Exception {
        Run run = run("unknown-event", Instant.now().plusSeconds(60), new CancellationSignal(), Map.of());

        assertThat(run.outcome().status()).as(run.describe()).isEqualTo(Status.FINISHED);
        assertThat(log.texts(Level.DEBUG)).contains("Roo Code: ignored event 'taskIdle'", "Roo Code: ignored event 'taskTeleported'");
        assertThat(log.texts()).contains("Roo: Extra fields are fine.", "Roo (result): Fixed the off-by-one in app.js.");
        assertThat(run.peer().commandNames()).containsExactly("StartNewTask", "CloseTask");
    }

    @Test
    void aSubtaskCompletingFirstDoesNotEndTheRun() throws Exception {
        Run run = run("subtask", Instant.now().plusSeconds(60), new CancellationSignal(), Map.of());

        assertThat(run.outcome().status()).as(run.describe()).isEqualTo(Status.FINISHED);
        assertThat(run.outcome().message()).isEqualTo("Roo Code completed the task (after 1 subtask): Parent done after its subtask.");
        String parent = run.peer().topLevelTaskId();
        String spawner = run.peer().ofKind("emitted").stream().filter(e -> "taskSpawned".equals(e.path("eventName").asText()))
                .findFirst().orElseThrow().path("taskId").asText(); // payload[0] of taskSpawned: the parent
        assertThat(spawner).isEqualTo(parent);
        String childId = run.peer().ofKind("emitted").stream()
                .filter(e -> "taskStarted".equals(e.path("eventName").asText()) && !parent.equals(e.path("taskId").asText()))
                .findFirst().orElseThrow().path("taskId").asText();
        assertThat(run.peer().timeline()).containsSubsequence("emitted taskCompleted " + childId,
                "emitted taskCompleted " + parent, "received CloseTask");
        assertThat(run.peer().commandNames()).containsExactly("StartNewTask", "CloseTask");
        // Usage of the whole tree: the subtask's (400/40/$0.007) plus the parent's (1100/110/$0.025).
        assertThat(run.outcome().usage().tokensIn()).isEqualTo(1500L);
        assertThat(run.outcome().usage().tokensOut()).isEqualTo(150L);
        assertThat(run.outcome().usage().costUsd()).isCloseTo(0.032, within(1e-9));
        assertThat(log.texts()).contains("Roo Code: subtask " + childId + " completed (tokens in 400, out 40, cost $0.0070)",
                "Roo (subtask " + childId.substring(0, 8) + "): Writing the tests.",
                "Roo Code: task " + parent + " started subtask " + childId);
    }

    @Test
    void anAbortedTaskIsReportedAsAnAbortNotADisconnect() throws Exception {
        Run run = run("abort", Instant.now().plusSeconds(60), new CancellationSignal(), Map.of());

        assertThat(run.outcome().status()).as(run.describe()).isEqualTo(Status.ABORTED);
        assertThat(run.outcome().message()).isEqualTo("Roo Code aborted the task");
        assertThat(run.outcome().usage().tokensIn()).isEqualTo(10L);
        assertThat(run.peer().commandNames()).containsExactly("StartNewTask", "CloseTask");
        assertThat(log.texts(Level.WARN)).contains("Roo (api_req_failed): 401 No auth credentials found",
                "Roo Code: task " + run.peer().topLevelTaskId() + " aborted");
        assertThat(log.texts(Level.ERROR)).isEmpty();
    }

    @Test
    void aPeerCrashFailsTheRunAsALostConnection() throws Exception {
        Run run = run("crash", Instant.now().plusSeconds(60), new CancellationSignal(), Map.of());

        assertThat(run.outcome().status()).as(run.describe()).isEqualTo(Status.FAILED);
        assertThat(run.outcome().message()).isEqualTo("lost the connection to Roo Code before the task finished (VS Code exited with code 1)");
        assertThat(run.peer().commandNames()).containsExactly("StartNewTask");
        assertThat(log.texts()).contains("Roo: About to crash.");
        assertThat(Path.of(run.socket())).doesNotExist();
    }

    @Test
    void atTheDeadlineCancelsThenClosesTheTaskThenKillsTheWholeTree() throws Exception {
        Instant deadline = Instant.now().plusSeconds(5);
        Run run = run("hang", deadline, new CancellationSignal(), Map.of());
        Instant returned = Instant.now();

        assertThat(run.outcome().status()).as(run.describe()).isEqualTo(Status.STOPPED);
        assertThat(run.outcome().message()).isEqualTo("stopped: deadline reached");
        String taskId = run.peer().topLevelTaskId();
        assertThat(run.peer().commandNames()).containsExactly("StartNewTask", "CancelTask", "CloseTask");
        assertThat(run.peer().commands().get(1).path("data").path("data").asText()).isEqualTo(taskId);
        assertThat(run.peer().commands().get(2).path("data").path("data").asText()).isEqualTo(taskId);
        assertThat(run.peer().timeline()).containsSubsequence("received CancelTask", "emitted taskAborted " + taskId, "received CloseTask");
        assertThat(run.peer().ofKind("command").get(1).path("at").asLong())
                .as("CancelTask is sent once the deadline has passed").isGreaterThanOrEqualTo(deadline.toEpochMilli());
        // The peer ignored CloseTask: it and the child it started were killed.
        assertThat(log.texts(Level.WARN)).contains("VS Code did not exit within 1 second; killing it");
        awaitDead(run.peer().pid());
        awaitDead(run.peer().childPid().orElseThrow());
        assertThat(Duration.between(deadline, returned)).isLessThan(Duration.ofSeconds(15));
    }

    @Test
    void cancellationStopsTheTaskTheSameWay() throws Exception {
        CancellationSignal cancellation = new CancellationSignal();
        AgentRequest request = request("hang", Instant.now().plusSeconds(120), cancellation, Map.of());
        Future<AgentOutcome> outcome = executor.submit(() -> new RooCodeAgentDriver(FAST).run(request));
        await().atMost(Duration.ofSeconds(30)).until(() -> log.texts().stream().anyMatch(t -> t.matches("Roo Code: task .* started")));

        cancellation.fire(Cancellation.Reason.CANCELLED);

        AgentOutcome result = outcome.get(30, TimeUnit.SECONDS);
        RooIpcPeer.Record peer = peers.get(0);
        assertThat(result.status()).as(result.message()).isEqualTo(Status.STOPPED);
        assertThat(result.message()).isEqualTo("stopped: cancelled");
        assertThat(peer.commandNames()).containsExactly("StartNewTask", "CancelTask", "CloseTask");
        awaitDead(peer.pid());
        awaitDead(peer.childPid().orElseThrow());
    }

    /**
     * Issue 9: the stop sequence's own pauses (up to 5 + 2 + 10 + 5 s with the original's timings) ran past a
     * short JOB_CANCEL_GRACE, so the job was abandoned before it could save its work. They now fit the request's
     * stop grace.
     */
    @Test
    void theStopSequenceFitsTheRequestsStopGrace() throws Exception {
        CancellationSignal cancellation = new CancellationSignal();
        AgentRequest base = request("hang", Instant.now().plusSeconds(120), cancellation, Map.of());
        AgentRequest request = new AgentRequest(base.jobId(), base.prompt(), base.workspace(), base.agentHome(),
                base.environment(), base.model(), base.log(), base.cancellation(), base.deadline(), base.config(),
                Duration.ofSeconds(1));
        Future<AgentOutcome> outcome = executor.submit(() -> new RooCodeAgentDriver(Timings.DEFAULT).run(request));
        await().atMost(Duration.ofSeconds(30)).until(() -> log.texts().stream().anyMatch(t -> t.matches("Roo Code: task .* started")));

        Instant fired = Instant.now();
        cancellation.fire(Cancellation.Reason.TIMED_OUT);
        AgentOutcome result = outcome.get(60, TimeUnit.SECONDS);
        Instant returned = Instant.now();

        RooIpcPeer.Record peer = peers.get(0);
        assertThat(result.status()).as(result.message()).isEqualTo(Status.STOPPED);
        // The original's pauses alone (CloseTask ignored: 2 s, then 10 s for the exit) would take 12 s.
        assertThat(Duration.between(fired, returned)).isLessThan(Duration.ofSeconds(8));
        assertThat(log.texts(Level.WARN)).noneMatch(t -> t.startsWith("VS Code did not exit within 10 seconds"))
                .contains("stopping Roo Code (stopped: timed_out; it has 1 second to stop)");
        assertThat(peer.commandNames()).containsExactly("StartNewTask", "CancelTask", "CloseTask");
        awaitDead(peer.pid());
        awaitDead(peer.childPid().orElseThrow());
    }

    @Test
    void vsCodeWithoutTheExtensionFailsAfterTheStartTimeout() throws Exception {
        Run run = run("no-socket", Instant.now().plusSeconds(60), new CancellationSignal(),
                Map.of(VsCodeLauncher.START_TIMEOUT_SETTING, "3"));

        assertThat(run.outcome().status()).as(run.describe()).isEqualTo(Status.FAILED);
        assertThat(run.outcome().message()).startsWith("Roo Code did not open its IPC socket within 3 seconds");
        assertThat(run.peer().commands()).isEmpty();
        awaitDead(run.peer().pid());
    }

    @Test
    void aMissingCodeCommandFailsWithItsError() throws Exception {
        AgentRequest request = request("complete", Instant.now().plusSeconds(60), new CancellationSignal(),
                Map.of(VsCodeLauncher.PATH_SETTING, tmp.resolve("no-such-code").toString()));

        AgentOutcome outcome = new RooCodeAgentDriver(FAST).run(request);

        assertThat(outcome.status()).isEqualTo(Status.FAILED);
        assertThat(outcome.message()).startsWith("VS Code exited with code ").contains("before Roo Code opened its IPC socket")
                .contains("no-such-code").containsIgnoringCase("no such file");
        peers.clear(); // the peer never ran
    }

    @Test
    void thePeerRejectsWhatTheExtensionsSchemaRejects() throws Exception {
        // The guard of every test above: a command the real schema refuses is recorded, and the peer exits 3.
        RooIpcPeer.Record peer = new RooIpcPeer.Record(tmp.resolve("reject.jsonl"));
        Path socket = VsCodeLauncher.newSocketPath();
        ProcessBuilder pb = new ProcessBuilder(RooIpcPeer.launcher().toString()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().putAll(Map.of("ROO_CODE_IPC_SOCKET_PATH", socket.toString(), "ROO_PEER_SCENARIO", "complete",
                "ROO_PEER_RECORD", peer.file().toString(), "ROO_PEER_LISTEN_DELAY_MS", "0"));
        Process process = pb.start();
        try {
            await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(socket));
            try (RooCodeIpcClient client = RooCodeIpcClient.connect(MAPPER, socket, Duration.ofSeconds(5), new RooCodeIpcClient.Listener() {
                @Override
                public void onEvent(JsonNode data) {
                }

                @Override
                public void onClosed(boolean byUs, String reason) {
                }
            }, "reject-test")) {
                // null in an optional field: the extension would drop this StartNewTask silently.
                client.send("StartNewTask", MAPPER.readTree("{\"configuration\":{},\"text\":\"hi\",\"newTab\":null}"));
                assertThat(process.waitFor(20, TimeUnit.SECONDS)).isTrue();
            }
            assertThat(process.exitValue()).isEqualTo(3);
            assertThat(peer.problems()).singleElement().satisfies(p -> {
                assertThat(p.path("kind").asText()).isEqualTo("rejected");
                assertThat(p.path("issues").toString()).contains("newTab");
            });
        } finally {
            process.destroyForcibly();
            Files.deleteIfExists(socket);
        }
    }

    @Test
    void isRegisteredAsRooCodeNextToTheCommandDriver() {
        AgentDrivers drivers = AgentDrivers.discover(getClass().getClassLoader());
        assertThat(drivers.find("roo-code")).get().isInstanceOf(RooCodeAgentDriver.class);
        assertThat(drivers.names()).contains("command", "roo-code");
    }

    @Test
    void defaultPausesAreTheOriginalWorkersOnes() {
        assertThat(Timings.DEFAULT).isEqualTo(new Timings(Duration.ofMillis(250), Duration.ofSeconds(1), 5,
                Duration.ofSeconds(5), Duration.ofSeconds(2), Duration.ofSeconds(10), Duration.ofSeconds(5)));
        assertThat(RooCodeAgentDriver.DEFAULT_START_TIMEOUT).isEqualTo(Duration.ofSeconds(30));
    }

    // ---------------------------------------------------------------------------------------------------

    private record Run(AgentOutcome outcome, RooIpcPeer.Record peer, AgentRequest request, RecordingLog log) {
        String socket() {
            return peer.start().path("env").path("ROO_CODE_IPC_SOCKET_PATH").asText();
        }

        String describe() {
            return outcome + "\npeer: " + peer.timeline() + "\nlog:\n" + String.join("\n", log.lines().stream().map(Object::toString).toList());
        }
    }

    private Run run(String scenario, Instant deadline, Cancellation cancellation, Map<String, String> settings) throws Exception {
        AgentRequest request = request(scenario, deadline, cancellation, settings);
        AgentOutcome outcome = new RooCodeAgentDriver(FAST).run(request);
        return new Run(outcome, peers.get(peers.size() - 1), request, log);
    }

    private AgentRequest request(String scenario, Instant deadline, Cancellation cancellation, Map<String, String> settings)
            throws Exception {
        Path launcher = RooIpcPeer.launcher();
        Path workspace = Files.createDirectories(tmp.resolve("workspace"));
        RooIpcPeer.Record peer = new RooIpcPeer.Record(tmp.resolve("peer-" + scenario + ".jsonl"));
        peers.add(peer);
        Map<String, String> env = new HashMap<>();
        env.put("PATH", System.getenv("PATH"));
        env.put("LANG", "C.UTF-8");
        env.put("DISPLAY", ":99"); // so that xvfb-run is not needed here; the command without DISPLAY is unit-tested
        env.put("OPENROUTER_API_KEY", KEY);
        env.put("ROO_PEER_SCENARIO", scenario);
        env.put("ROO_PEER_RECORD", peer.file().toString());
        Map<String, String> config = new HashMap<>(Map.of(VsCodeLauncher.PATH_SETTING, launcher.toString(),
                VsCodeLauncher.START_TIMEOUT_SETTING, "20s"));
        config.putAll(settings);
        return new AgentRequest(42, PROMPT, workspace, tmp.resolve("agent-home"), env, Optional.of(MODEL), log,
                cancellation, deadline, Settings.of(config));
    }

    private Path workspaceFile() throws Exception {
        Path readme = Files.createDirectories(tmp.resolve("workspace")).resolve("README.md");
        Files.writeString(readme, "# app\n");
        return readme;
    }

    private static void awaitDead(long pid) {
        await().atMost(Duration.ofSeconds(10)).until(() -> ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true));
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    /** Paths of every {@code null} value in {@code node}. */
    private static List<String> nullFields(JsonNode node) {
        List<String> found = new ArrayList<>();
        collectNulls(node, "$", found);
        return found;
    }

    private static void collectNulls(JsonNode node, String path, List<String> found) {
        if (node.isNull()) {
            found.add(path);
        } else if (node.isObject()) {
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                collectNulls(e.getValue(), path + "." + e.getKey(), found);
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                collectNulls(node.get(i), path + "[" + i + "]", found);
            }
        }
    }
}
