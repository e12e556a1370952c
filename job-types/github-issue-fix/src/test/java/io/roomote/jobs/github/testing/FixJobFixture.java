package io.roomote.jobs.github.testing;

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
import io.roomote.spi.JobType;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the fix module's job tests share: real bare git repositories standing for GitHub's git server with
 * {@code acme/app} (calc.py, whose add() subtracts), the GitHub REST API stand-in (GitHubStandIn, not GitHub) with
 * issue 7 about it, agent scripts in a folder of their own, and one job run at a time through Roomote's real
 * JobRunner, its log collected. Made in a test's {@code @BeforeEach} over its {@code @TempDir}; closed in
 * {@code @AfterEach}.
 */
public final class FixJobFixture implements AutoCloseable {

    public static final String TOKEN = "ghp_standInToken0123456789abcdefghijklmn";
    public static final String MODEL_KEY = "sk-or-v1-modelKeyForTheAgent0123456789";
    public static final String REPO = "acme/app";
    public static final String BUGGY = "def add(a, b):\n    return a - b\n";
    public static final String FIXED = "def add(a, b):\n    return a + b\n";
    /** How long a cancelled job's agent is given to stop before it is killed, unless a run says otherwise. */
    public static final Duration CANCEL_GRACE = Duration.ofSeconds(20);

    private final Path temp;
    private final String sandbox;
    private final Map<String, String> extraSettings;
    private final AtomicLong jobIds;
    private final ScheduledExecutorService timers = Executors.newScheduledThreadPool(1);
    private final CollectingLogSink log = new CollectingLogSink();
    private final GitRemotes remotes;
    private final GitHubStandIn github;
    private final Path agents;

    /**
     * @param lastJobId     the id before the first job's: jobs run here get {@code lastJobId + 1}, {@code + 2}, …
     * @param sandbox       ROOMOTE_SANDBOX of {@link #settings}: {@code none}, or {@code bwrap} (then the agents'
     *                      folder is shown read-only in the sandbox)
     * @param extraSettings added to (or replacing) the settings every {@link #settings} call returns
     */
    public FixJobFixture(Path temp, long lastJobId, String sandbox, Map<String, String> extraSettings)
            throws IOException, InterruptedException {
        this.temp = temp;
        this.sandbox = sandbox;
        this.extraSettings = Map.copyOf(extraSettings);
        this.jobIds = new AtomicLong(lastJobId);
        remotes = new GitRemotes(Files.createDirectories(temp.resolve("remotes")));
        remotes.create(REPO, "calc.py", BUGGY);
        github = new GitHubStandIn(remotes.root());
        // Opened by alice (the stand-in's author of every issue); a test that needs another issue 7 adds it again.
        github.addIssue(REPO, 7, "add() subtracts", "add(2, 2) returns 0 instead of 4.", List.of("bug"), "open");
        agents = Files.createDirectories(temp.resolve("agents"));
    }

    public Path temp() {
        return temp;
    }

    public GitRemotes remotes() {
        return remotes;
    }

    public GitHubStandIn github() {
        return github;
    }

    public CollectingLogSink log() {
        return log;
    }

    /** The folder agent scripts are copied to (read-only in a bwrap sandbox). */
    public Path agents() {
        return agents;
    }

    /** The id of the job run last (or {@code lastJobId} before any). */
    public long lastJobId() {
        return jobIds.get();
    }

    /** The pull request {@link #openFixPullRequest()} opened: its head commit and number. */
    public record FixPullRequest(String head, int number) {
    }

    /**
     * The pull request an earlier github.issue.fix job (41) opened for issue 7, as a review round finds it: branch
     * fix-7 with add() fixed, Roomote's marker in its body.
     */
    public FixPullRequest openFixPullRequest() throws IOException, InterruptedException {
        String head = remotes.commit(REPO, "fix-7", "calc.py", FIXED, "Fixes #7");
        int number = github.addPull(REPO, "fix-7", "Fixes #7",
                "Fixes #7\n\nOpened by Roomote, job 41.\n<!-- roomote:job=41 -->\n").get("number").asInt();
        return new FixPullRequest(head, number);
    }

    /** Copies the test resource {@code /agents/<name>} into {@link #agents()}; returns the copy. */
    public Path copyAgent(String name) throws IOException {
        Path script = agents.resolve(name);
        try (InputStream in = FixJobFixture.class.getResourceAsStream("/agents/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no test resource /agents/" + name);
            }
            Files.write(script, in.readAllBytes());
        }
        return script;
    }

    /** Writes an agent script {@code text} as {@code name} into {@link #agents()}; returns it. */
    public Path writeAgent(String name, String text) throws IOException {
        return Files.writeString(agents.resolve(name), text);
    }

    /**
     * A job's settings (a fresh, changeable map): the stand-in's token and URLs, ROOMOTE_HOME under the temp folder,
     * the {@code command} agent running {@code sh <script> {promptFile} <agentArgs>}, a model key, short retry
     * back-off, this fixture's sandbox, then its extra settings.
     */
    public Map<String, String> settings(Path script, String agentArgs) {
        Map<String, String> s = new HashMap<>();
        s.put("GH_TOKEN", TOKEN);
        s.put("GITHUB_API_URL", github.apiUrl());
        s.put("GITHUB_SERVER_URL", remotes.serverUrl());
        s.put("ROOMOTE_HOME", temp.resolve("home").toString());
        s.put("ROOMOTE_AGENT", "command");
        s.put("ROOMOTE_AGENT_COMMAND", "sh " + script + " {promptFile}"
                + (agentArgs == null || agentArgs.isEmpty() ? "" : " " + agentArgs));
        s.put("OPENROUTER_API_KEY", MODEL_KEY);
        s.put("GITHUB_RETRY_BACKOFF_MS", "10"); // retries of GitHub writes without long sleeps
        s.put("ROOMOTE_SANDBOX", sandbox);
        if (sandbox.equals("bwrap")) {
            s.put("ROOMOTE_SANDBOX_READ", agents.toString());
        }
        s.putAll(extraSettings);
        return s;
    }

    /** Roomote's {@code command} agent driver alone, as most job types here are built with. */
    public static AgentDrivers commandAgent() {
        return AgentDrivers.of(List.of(new CommandAgentDriver()));
    }

    /** {@link #run(Function, Map, String, Duration, Duration, CancellationSignal)} with its usual grace, uncancelled. */
    public JobOutcome run(Function<Map<String, String>, JobType<?, ?>> type, Map<String, String> settings,
                          String payload, Duration timeout) {
        return run(type, settings, payload, timeout, CANCEL_GRACE, new CancellationSignal());
    }

    /**
     * Runs the next job through Roomote's JobRunner: {@code type} is built from the job's process environment (the
     * settings and PATH), its workspaces are under {@code <temp>/work}, its log lines go to {@link #log()}.
     */
    public JobOutcome run(Function<Map<String, String>, JobType<?, ?>> type, Map<String, String> settings,
                          String payload, Duration timeout, Duration cancelGrace, CancellationSignal signal) {
        Map<String, String> processEnv = new HashMap<>(settings);
        processEnv.put("PATH", System.getenv("PATH"));
        JobType<?, ?> jobType = type.apply(processEnv);
        Settings config = Settings.of(settings);
        JobRunner runner = new JobRunner(JobTypeRegistry.of(jobType), Json.newMapper(), config,
                new SecretRedactor(config.secretValues()), temp.resolve("work"), cancelGrace, timers);
        return runner.run(new JobRequest(jobIds.incrementAndGet(), 1, jobType.id(), json(payload), timeout, signal,
                log));
    }

    public static JsonNode json(String text) {
        try {
            return Json.newMapper().readTree(text);
        } catch (IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** The result of a job that must have succeeded. */
    public static JsonNode succeeded(JobOutcome outcome) {
        assertThat(outcome).isInstanceOf(JobOutcome.Succeeded.class);
        return ((JobOutcome.Succeeded) outcome).result();
    }

    /** A job that must have failed. */
    public static JobOutcome.Failed failed(JobOutcome outcome) {
        assertThat(outcome).isInstanceOf(JobOutcome.Failed.class);
        return (JobOutcome.Failed) outcome;
    }

    @Override
    public void close() {
        github.close();
        timers.shutdownNow();
    }
}
