package io.roomote.jobs.github;

import io.roomote.sandbox.SandboxSettings;
import io.roomote.agents.AgentDriver;
import io.roomote.agents.AgentDrivers;
import io.roomote.agents.AgentRequest;
import io.roomote.core.config.ConfigurationException;
import io.roomote.spi.Cancellation;
import io.roomote.spi.Configuration;
import io.roomote.spi.ValidationProblem;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Whether this runner's settings let a fix job run at all: the GitHub token, and the key or setting the chosen
 * agent needs (each driver says, from the environment the agent would get). Said as warnings at start and
 * checked at enqueue, so that a job that can only fail — after the clone, with agent time spent — is refused.
 */
public final class FixReadiness {

    private static final String TOKEN_MISSING = "GH_TOKEN (or GITHUB_TOKEN) is not set, nor a GitHub App"
            + " (GITHUB_APP_ID with GITHUB_APP_PRIVATE_KEY or GITHUB_APP_PRIVATE_KEY_FILE)";

    private final AgentDrivers drivers;
    private final Map<String, String> processEnvironment;
    private SandboxSettings checkedSandbox;
    private Optional<String> sandboxProblem = Optional.empty();

    public FixReadiness(AgentDrivers drivers, Map<String, String> processEnvironment) {
        this.drivers = drivers;
        this.processEnvironment = processEnvironment;
    }

    /** One line per missing thing: the token, the default agent, each agent that could not start. */
    public List<String> missing(Configuration config) {
        IssueFixSettings settings;
        try {
            settings = IssueFixSettings.from(config);
        } catch (ConfigurationException e) {
            return List.of(e.getMessage() + ": every job is refused until it is fixed");
        }
        List<String> missing = new ArrayList<>();
        sandboxProblem(config).ifPresent(why -> missing.add(why + ": every job is refused until it is fixed"));
        setupProblem(config).ifPresent(why -> missing.add(why + ": every job is refused until it is fixed"));
        if (settings.token().isEmpty() && settings.app().isEmpty()) {
            missing.add(TOKEN_MISSING + ": every job is refused until one is; set a GitHub token that can"
                    + " push and open pull requests, or a GitHub App installed on the repositories");
        }
        if (drivers.find(settings.agent()).isEmpty()) {
            missing.add("ROOMOTE_AGENT=" + settings.agent() + " is not an installed agent (" + String.join(", ",
                    drivers.names()) + "): jobs without an \"agent\" are refused");
        }
        for (String name : drivers.names()) {
            agentProblem(settings, config, drivers.find(name).orElseThrow(), settings.model()).ifPresent(why ->
                    missing.add(why + ": jobs" + (name.equals(settings.agent()) ? " without an \"agent\" (the"
                            + " default, ROOMOTE_AGENT) or" : "") + " with \"agent\": \"" + name + "\" are refused"));
        }
        return missing;
    }

    /** Why this payload cannot run here, or nothing. */
    List<ValidationProblem> problems(IssueFixPayload payload, Configuration config) {
        return problems(GitHubIssueFixJobType.ID, payload.agent(), payload.model(), config);
    }

    /** Why a job of {@code jobType} with this agent and model (null: the defaults) cannot run here, or nothing. */
    public List<ValidationProblem> problems(String jobType, String payloadAgent, String payloadModel, Configuration config) {
        IssueFixSettings settings;
        try {
            settings = IssueFixSettings.from(config);
        } catch (ConfigurationException e) {
            return List.of(new ValidationProblem("", "this Roomote cannot run " + jobType + " jobs: "
                    + e.getMessage()));
        }
        List<ValidationProblem> problems = new ArrayList<>();
        sandboxProblem(config).ifPresent(why -> problems.add(new ValidationProblem("", "this Roomote cannot run "
                + jobType + " jobs: " + why)));
        setupProblem(config).ifPresent(why -> problems.add(new ValidationProblem("", "this Roomote cannot run "
                + jobType + " jobs: " + why)));
        if (settings.token().isEmpty() && settings.app().isEmpty()) {
            problems.add(new ValidationProblem("", "this Roomote cannot run " + jobType + " jobs: "
                    + TOKEN_MISSING + "; set one and restart Roomote"));
        }
        boolean chosen = payloadAgent != null;
        String agent = chosen ? payloadAgent : settings.agent();
        Optional<AgentDriver> driver = drivers.find(agent);
        if (driver.isEmpty()) {
            problems.add(new ValidationProblem("", "the default agent ROOMOTE_AGENT=" + agent + " is not installed;"
                    + " choose one with \"agent\" (" + String.join(", ", drivers.names()) + ") or fix ROOMOTE_AGENT"));
        } else {
            Optional<String> model = Optional.ofNullable(payloadModel).or(settings::model);
            agentProblem(settings, config, driver.get(), model).ifPresent(why -> problems.add(new ValidationProblem(
                    chosen ? "agent" : "", "this Roomote cannot start this agent: " + why + "; "
                    + (chosen ? "choose another agent, or " : "") + "set what it needs and restart Roomote")));
        }
        return problems;
    }

    /** A malformed ROOMOTE_SETUP_* setting: refused at enqueue rather than failing each job after its clone. */
    private static Optional<String> setupProblem(Configuration config) {
        try {
            io.roomote.jobs.github.setup.SetupSettings.from(config);
            return Optional.empty();
        } catch (ConfigurationException e) {
            return Optional.of(e.getMessage());
        }
    }

    /**
     * Why no agent can be contained here (bubblewrap missing and no explicit choice, a bad setting), or nothing.
     * The answer is kept for the same settings: checking runs bubblewrap once, and enqueue asks at every job.
     */
    private Optional<String> sandboxProblem(Configuration config) {
        SandboxSettings sandbox;
        try {
            sandbox = SandboxSettings.from(config, processEnvironment);
        } catch (ConfigurationException e) {
            return Optional.of(e.getMessage());
        }
        synchronized (this) {
            if (!sandbox.equals(checkedSandbox)) {
                sandboxProblem = sandbox.startupProblem();
                checkedSandbox = sandbox;
            }
            return sandboxProblem;
        }
    }

    /** Asks the driver about a request like the one a job would make; nothing is written or started. */
    private Optional<String> agentProblem(IssueFixSettings settings, Configuration config, AgentDriver driver,
                                          Optional<String> model) {
        Path home = settings.home().resolve("work").resolve("readiness-probe");
        Map<String, String> env = AgentEnvironment.variables(settings, config, processEnvironment, home, model);
        AgentRequest probe = new AgentRequest(0, "Fix the issue.", home, home, env, model, (level, line) -> { },
                NEVER_CANCELLED, Instant.MAX, config);
        return driver.configurationProblem(probe);
    }

    private static final Cancellation NEVER_CANCELLED = new Cancellation() {
        @Override
        public boolean isCancelled() {
            return false;
        }

        @Override
        public Optional<Reason> reason() {
            return Optional.empty();
        }

        @Override
        public void onCancel(Runnable action) {
        }
    };
}
