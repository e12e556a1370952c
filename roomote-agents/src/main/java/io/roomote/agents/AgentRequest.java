package io.roomote.agents;

import io.roomote.spi.Cancellation;
import io.roomote.spi.Configuration;
import io.roomote.spi.JobLogger;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One task for an agent.
 *
 * @param prompt       the full initial prompt
 * @param workspace    the git working copy the agent works in
 * @param agentHome    a private, empty folder for the agent's HOME and config (removed by the caller)
 * @param environment  the complete environment of the agent's process: nothing else is inherited
 * @param model        the model to use, or empty for the driver's default
 * @param config       Roomote's settings, for driver options (paths of binaries, …); never pass them to the agent
 * @param stopGrace    once asked to stop, the longest the driver may take to end the agent (drivers may take less,
 *                     e.g. process agents at most 5 s); the caller sizes it to fit the job's own cancel grace,
 *                     with room left to save the work
 * @param containment  where the agent's processes run (a sandbox, or as they are)
 * @param modelBaseUrl the OpenAI-compatible endpoint the agent must use, as seen from where it runs (Roomote's
 *                     model gateway); empty: the driver's own choice ({@code ROOMOTE_AGENT_BASE_URL}, OpenRouter, …)
 */
public record AgentRequest(long jobId, String prompt, Path workspace, Path agentHome, Map<String, String> environment,
                           Optional<String> model, JobLogger log, Cancellation cancellation, Instant deadline,
                           Configuration config, Duration stopGrace, AgentContainment containment,
                           Optional<String> modelBaseUrl) {

    /** The stop grace when the caller has no budget of its own to fit in; also process agents' longest. */
    public static final Duration DEFAULT_STOP_GRACE = Duration.ofSeconds(5);

    public AgentRequest(long jobId, String prompt, Path workspace, Path agentHome, Map<String, String> environment,
                        Optional<String> model, JobLogger log, Cancellation cancellation, Instant deadline,
                        Configuration config) {
        this(jobId, prompt, workspace, agentHome, environment, model, log, cancellation, deadline, config,
                DEFAULT_STOP_GRACE);
    }

    /** Not contained, the driver's own model endpoint. */
    public AgentRequest(long jobId, String prompt, Path workspace, Path agentHome, Map<String, String> environment,
                        Optional<String> model, JobLogger log, Cancellation cancellation, Instant deadline,
                        Configuration config, Duration stopGrace) {
        this(jobId, prompt, workspace, agentHome, environment, model, log, cancellation, deadline, config, stopGrace,
                AgentContainment.none(), Optional.empty());
    }

    public AgentRequest withContainment(AgentContainment containment, Optional<String> modelBaseUrl) {
        return new AgentRequest(jobId, prompt, workspace, agentHome, environment, model, log, cancellation, deadline,
                config, stopGrace, containment, modelBaseUrl);
    }

    public AgentRequest {
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(workspace, "workspace");
        Objects.requireNonNull(agentHome, "agentHome");
        environment = Map.copyOf(environment);
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(log, "log");
        Objects.requireNonNull(cancellation, "cancellation");
        Objects.requireNonNull(deadline, "deadline");
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(stopGrace, "stopGrace");
        Objects.requireNonNull(containment, "containment");
        Objects.requireNonNull(modelBaseUrl, "modelBaseUrl");
    }
}
