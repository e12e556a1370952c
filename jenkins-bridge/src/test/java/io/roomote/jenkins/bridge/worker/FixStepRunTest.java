package io.roomote.jenkins.bridge.worker;

import io.roomote.jenkins.bridge.step.FixStepArguments;
import io.roomote.jenkins.bridge.step.FixStepPlan;
import io.roomote.jenkins.bridge.step.FixStepResult;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.roomote.agents.AgentDrivers;
import io.roomote.agents.command.CommandAgentDriver;
import io.roomote.core.execution.CancellationSignal;
import io.roomote.core.testing.CollectingLogSink;
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
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The step's run of one fix job, from its arguments to its result, with real git (bare repositories as the
 * remote), the real `command` agent driver running the scripted agent, and GitHubStandIn (not GitHub).
 */
class FixStepRunTest {

    static final String TOKEN = "ghp_stepRunToken0123456789abcdefghijklm";
    static final String KEY = "sk-or-v1-stepRunKey0123456789abcdefghij";

    @TempDir
    Path temp;

    private GitRemotes remotes;
    private GitHubStandIn github;
    private Path script;
    private final CollectingLogSink log = new CollectingLogSink();

    @BeforeEach
    void setUp() throws Exception {
        remotes = new GitRemotes(Files.createDirectories(temp.resolve("remotes")));
        remotes.create("acme/app", "calc.py", "def add(a, b):\n    return a - b\n");
        github = new GitHubStandIn(remotes.root());
        github.addIssue("acme/app", 7, "add() subtracts", "add(2, 2) returns 0 instead of 4.", List.of("bug"), "open");
        script = temp.resolve("scripted-agent.sh");
        try (var in = getClass().getResourceAsStream("/agents/scripted-agent.sh")) {
            Files.write(script, in.readAllBytes());
        }
    }

    @AfterEach
    void tearDown() {
        github.close();
    }

    GitRemotes remotesForTest() {
        return remotes;
    }

    /** What the plugin does on the controller: the step's arguments, credentials' secrets and the job's SCM. */
    FixStepPlan plan(String mode, Integer timeoutMinutes, Boolean failOnNoPr) throws Exception {
        Map<String, String> global = Map.of(
                "GITHUB_API_URL", github.apiUrl(),
                "GITHUB_SERVER_URL", remotes.serverUrl(),
                "ROOMOTE_AGENT", "command",
                // The scripted agent pushes and opens the PR itself, as the original: no sandbox (the job type's
                // and the runner's tests cover the sandboxed runs).
                "ROOMOTE_SANDBOX", "none",
                "ROOMOTE_AGENT_COMMAND", "sh " + script + " {promptFile} " + mode + " " + github.apiUrl());
        return new FixStepArguments(7, null, null, null, null, null, timeoutMinutes, failOnNoPr).plan(
                new FixStepArguments.Context(global, Optional.of(TOKEN), Optional.of(KEY), List.of(), Map.of("GITHUB_REPOSITORY", "acme/app")));
    }

    FixStepResult run(FixStepPlan plan, long jobId, CancellationSignal signal) {
        FixStepRun run = new FixStepRun(AgentDrivers.of(List.of(new CommandAgentDriver())), Map.of("PATH", System.getenv("PATH")));
        return run.run(jobId, plan.repo(), plan.issue(), new ObjectMapper().valueToTree(plan.payload()), plan.settings(),
                plan.timeout(), Duration.ofSeconds(20), temp.resolve("ws@tmp/roomote/work"), log, signal);
    }

    @Test
    void aFixedIssueReturnsThePullRequest() throws Exception {
        FixStepPlan plan = plan("fix-push-pr", null, null);

        FixStepResult r = run(plan, 12, new CancellationSignal());

        assertThat(r.status()).isEqualTo("completed");
        assertThat(r.outcome()).isEqualTo("pr_opened");
        assertThat(r.prUrl()).isEqualTo(github.pulls().get(0).get("html_url").asText());
        assertThat(r.branch()).isEqualTo("fix-7");
        assertThat(r.failure(plan.failOnNoPr())).isEmpty();
        assertThat(r.toMap()).containsEntry("success", true).containsEntry("jobId", 12L);
        assertThat(remotes.inRemote("acme/app", "show", "fix-7:calc.py")).contains("return a + b");
        // The log streamed through the sink, redacted; the work folder is gone, the mirror cache stays.
        assertThat(log.texts()).anyMatch(l -> l.contains("scripted agent: mode=fix-push-pr"));
        assertThat(String.join("\n", log.texts())).doesNotContain(TOKEN).doesNotContain(KEY);
        assertThat(temp.resolve("ws@tmp/roomote/work")).isEmptyDirectory();
        assertThat(temp.resolve("ws@tmp/roomote/work-home/git-mirrors")).isDirectory();
    }

    @Test
    void noPullRequestFailsTheStepWithTheReasonUnlessAllowed() throws Exception {
        FixStepPlan plan = plan("noop", null, null);

        FixStepResult r = run(plan, 13, new CancellationSignal());

        assertThat(r.outcome()).isEqualTo("no_changes");
        assertThat(r.failure(true)).contains("roomoteFix: no pull request for acme/app#7 (no_changes): the agent "
                + "finished without committing any change (set failOnNoPr: false to go on without a pull request)");
        assertThat(r.failure(plan("noop", null, false).failOnNoPr())).isEmpty();
    }

    @Test
    void anAbortStopsTheAgentAndKeepsItsWorkOnAWipBranch() throws Exception {
        CancellationSignal signal = new CancellationSignal();
        AtomicReference<FixStepResult> result = new AtomicReference<>();
        FixStepPlan plan = plan("hang-after-edit", null, null);
        Thread t = new Thread(() -> result.set(run(plan, 14, signal)));
        t.start();
        await().atMost(Duration.ofSeconds(60)).until(() -> log.texts().contains("thinking forever"));

        signal.fire(Cancellation.Reason.CANCELLED);
        t.join(60_000);

        FixStepResult r = result.get();
        assertThat(r.status()).isEqualTo("cancelled");
        assertThat(r.outcome()).isEqualTo("cancelled");
        assertThat(r.wipBranch()).isEqualTo("roomote/wip/7-14");
        assertThat(remotes.inRemote("acme/app", "show", "roomote/wip/7-14:calc.py")).contains("return a + b");
        assertThat(r.failure(true)).get().asString().contains("unfinished work was pushed to branch roomote/wip/7-14");
    }

    @Test
    void anAgentMissingFromTheNodeFailsAtOnceWithWhatToDo() throws Exception {
        Map<String, String> settings = new java.util.HashMap<>(plan("fix-push-pr", null, null).settings());
        settings.put("ROOMOTE_AGENT", "roo-code");
        Path emptyBin = Files.createDirectories(temp.resolve("empty-bin"));
        FixStepRun run = new FixStepRun(AgentDrivers.of(List.of(new CommandAgentDriver())), Map.of("PATH", emptyBin.toString()));

        FixStepResult r = run.run(15, "acme/app", 7, new ObjectMapper().createObjectNode().put("repo", "acme/app").put("issue", 7),
                settings, Duration.ofMinutes(5), Duration.ofSeconds(20), temp.resolve("ws@tmp/roomote/work"), log,
                new CancellationSignal());

        assertThat(r.status()).isEqualTo("failed");
        assertThat(r.error()).startsWith("agent 'roo-code' cannot run: \"code\" was not found").contains("Dockerfile.worker");
        assertThat(log.texts()).anyMatch(l -> l.contains("agent 'roo-code' cannot run"));
        // Nothing was cloned: it failed before the job started.
        assertThat(temp.resolve("ws@tmp/roomote/work")).doesNotExist();
    }
}
