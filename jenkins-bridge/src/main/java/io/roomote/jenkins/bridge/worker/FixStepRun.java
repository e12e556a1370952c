package io.roomote.jenkins.bridge.worker;

import io.roomote.jenkins.bridge.step.FixStepResult;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.roomote.agents.AgentDrivers;
import io.roomote.core.config.Settings;
import io.roomote.core.execution.CancellationSignal;
import io.roomote.core.execution.JobOutcome;
import io.roomote.core.execution.JobRequest;
import io.roomote.core.execution.JobRunner;
import io.roomote.core.logging.LogSink;
import io.roomote.core.logging.SecretRedactor;
import io.roomote.core.types.JobTypeRegistry;
import io.roomote.jobs.github.GitHubIssueFixJobType;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Runs one {@code github.issue.fix} job outside the queue, as the Jenkins step does on its node: the
 * roomote-core {@link JobRunner} with the given log sink, cancellation signal (fire CANCELLED on abort),
 * deadline and work root, and the settings the step mapped (they win over the process environment, which is
 * the build's environment on the node). Returns the step's result; never throws for a failed job.
 */
public final class FixStepRun {

    private final AgentDrivers drivers;
    private final Map<String, String> processEnvironment;
    private final ObjectMapper mapper = new ObjectMapper();

    /** @param processEnvironment the environment of the node's process: PATH and friends reach the agent from here */
    public FixStepRun(AgentDrivers drivers, Map<String, String> processEnvironment) {
        this.drivers = drivers;
        this.processEnvironment = Map.copyOf(processEnvironment);
    }

    /** With the agent drivers found on the class path and this process's environment. */
    public static FixStepRun discover() {
        return new FixStepRun(AgentDrivers.discover(FixStepRun.class.getClassLoader()), System.getenv());
    }

    /**
     * @param settings    job settings, secrets included (GH_TOKEN, OPENROUTER_API_KEY, GITHUB_API_URL, …)
     * @param cancelGrace how long the job may take to stop once cancelled (it pushes a WIP branch meanwhile)
     */
    public FixStepResult run(long jobId, String repo, int issue, JsonNode payload, Map<String, String> settings,
                             Duration timeout, Duration cancelGrace, Path workRoot, LogSink sink, CancellationSignal signal) {
        Map<String, String> merged = new HashMap<>(settings);
        // ROOMOTE_HOME (the git mirror cache) defaults to a folder beside the work root, so it survives the job.
        merged.putIfAbsent("ROOMOTE_HOME", workRoot.resolveSibling(workRoot.getFileName() + "-home").toString());
        // Fail at once, before the clone, when the chosen agent's program is not here (e.g. roo-code in an image
        // without VS Code); the same default as IssueFixSettings when neither the call nor the settings name one.
        String agent = payload.hasNonNull("agent") ? payload.get("agent").asText()
                : merged.getOrDefault("ROOMOTE_AGENT", processEnvironment.getOrDefault("ROOMOTE_AGENT", "roo-code"));
        Optional<String> missing = AgentPresence.missing(agent, merged, processEnvironment.get("PATH"));
        if (missing.isPresent()) {
            sink.write(jobId, 1, io.roomote.spi.JobLogger.Level.ERROR, "roomote: " + missing.get());
            sink.flush();
            return FixStepResult.failedWithoutResult(jobId, repo, issue, missing.get());
        }
        Settings config = Settings.of(merged, processEnvironment);
        GitHubIssueFixJobType type = new GitHubIssueFixJobType(drivers, processEnvironment);
        ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "roomote-step-timer");
            t.setDaemon(true);
            return t;
        });
        try {
            JobRunner runner = new JobRunner(JobTypeRegistry.of(type), mapper, config,
                    new SecretRedactor(config.secretValues()), workRoot, cancelGrace, timers);
            JobOutcome outcome = runner.run(new JobRequest(jobId, 1, GitHubIssueFixJobType.ID, payload, timeout, signal, sink));
            sink.flush();
            return FixStepResult.from(jobId, repo, issue, outcome);
        } finally {
            timers.shutdownNow();
            try {
                timers.awaitTermination(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
