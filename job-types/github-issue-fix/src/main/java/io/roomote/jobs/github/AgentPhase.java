package io.roomote.jobs.github;

import io.roomote.agents.AgentContainment;
import io.roomote.agents.AgentDriver;
import io.roomote.agents.AgentOutcome;
import io.roomote.agents.AgentRequest;
import io.roomote.agents.AgentUsage;
import io.roomote.sandbox.JobSandbox;
import io.roomote.sandbox.SandboxMode;
import io.roomote.sandbox.SandboxSettings;
import io.roomote.sandbox.egress.EgressPolicy;
import io.roomote.sandbox.gateway.Budget;
import io.roomote.sandbox.gateway.GatewayRoute;
import io.roomote.sandbox.gateway.ModelPrices;
import io.roomote.sandbox.gateway.Usage;
import io.roomote.spi.JobContext;
import io.roomote.spi.JobFailedException;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How a GitHub job runs its agent: in the job's sandbox (bubblewrap unless {@code ROOMOTE_SANDBOX=none}), its
 * model calls through the gateway with the job's budget, stopped when the budget is used up or the job is
 * stopped. Shared by {@code github.issue.fix} and {@code github.pr.revise}; the job opens the sandbox itself
 * ({@link #request}) so that it can do more in it before the agent starts.
 */
public final class AgentPhase {

    /** Roomote setting: the hosts the sandboxed agent may reach through the egress proxy. */
    public static final String EGRESS_SETTING = "ROOMOTE_EGRESS_ALLOW";

    /** What a process agent's driver reports when the agent ends by itself: no words of the agent's own. */
    public static final java.util.regex.Pattern EXIT_REPORT = java.util.regex.Pattern.compile("agent exited with code -?\\d+");

    /** What the agent did, with the gateway's own count of its model calls, and whether the budget stopped it. */
    public record Ended(AgentOutcome agent, Usage spent, boolean budgetExceeded) {
    }

    private final JobContext ctx;
    private final IssueFixSettings settings;
    private final SandboxSettings sandboxSettings;
    private final SandboxMode mode;
    private final IssueFixSettings.PushMode push;
    private final Budget budget;
    private final Clock clock;

    private AgentPhase(JobContext ctx, IssueFixSettings settings, SandboxSettings sandboxSettings,
                       IssueFixSettings.PushMode push, Budget budget, Clock clock) {
        this.ctx = ctx;
        this.settings = settings;
        this.sandboxSettings = sandboxSettings;
        this.mode = sandboxSettings.mode().orElseThrow();
        this.push = push;
        this.budget = budget;
        this.clock = clock;
    }

    /**
     * The sandbox this runner can give agents (or the job ends with the reason), who pushes ({@code ROOMOTE_PUSH},
     * else Roomote whenever the agent is sandboxed) and the job's budget, lowered by the payload's limits.
     */
    public static AgentPhase prepare(JobContext ctx, IssueFixSettings settings, Map<String, String> processEnvironment,
                                     Optional<Double> maxCostUsd, Optional<Long> maxTokens, Clock clock)
            throws JobFailedException {
        SandboxSettings sandboxSettings = SandboxSettings.from(ctx.config(), processEnvironment);
        Optional<String> noSandbox = sandboxSettings.startupProblem();
        if (noSandbox.isPresent()) {
            throw JobFailedException.permanent(noSandbox.get());
        }
        SandboxMode mode = sandboxSettings.mode().orElseThrow();
        IssueFixSettings.PushMode push = settings.push().orElse(mode == SandboxMode.NONE
                ? IssueFixSettings.PushMode.AGENT : IssueFixSettings.PushMode.HOST);
        Budget budget = Budget.fromConfig(ctx.config()).lowerTo(maxCostUsd, maxTokens);
        return new AgentPhase(ctx, settings, sandboxSettings, push, budget, clock);
    }

    public IssueFixSettings.PushMode push() {
        return push;
    }

    public SandboxMode mode() {
        return mode;
    }

    public Budget budget() {
        return budget;
    }

    /** What {@link JobSandbox#open} needs for this job's agent working in {@code workspace} with {@code home}. */
    public JobSandbox.Request request(Path workspace, Path home) {
        EgressPolicy egress = EgressPolicy.parse(ctx.config().get(EGRESS_SETTING).orElse(""));
        if (push == IssueFixSettings.PushMode.AGENT) {
            egress = egress.with(githubHosts());
        }
        // Roomote's home, and the folder of every job's work (other jobs, this job's git home with its askpass).
        List<Path> hidden = List.of(settings.home(), ctx.workDir().toAbsolutePath().getParent());
        return new JobSandbox.Request(sandboxSettings, ctx.jobId(), workspace, home, hidden, egress,
                GatewayRoute.fromConfig(ctx.config()), ModelPrices.fromConfig(ctx.config()), budget, ctx.modelCalls(),
                ctx.log(), clock);
    }

    /** The hosts an agent that pushes itself must reach: GitHub's web and API hosts (or GitHub Enterprise's). */
    private List<String> githubHosts() {
        List<String> hosts = new ArrayList<>();
        for (String url : List.of(settings.serverUrl(), settings.apiUrl())) {
            java.net.URI uri = java.net.URI.create(url);
            if (uri.getHost() != null) {
                hosts.add(uri.getHost() + (uri.getPort() > 0 ? ":" + uri.getPort() : ""));
            }
        }
        hosts.add("*.githubusercontent.com");
        return hosts;
    }

    /**
     * Runs the agent in the open {@code sandbox}, with {@code env} (which the caller completed with
     * {@link JobSandbox#agentEnvironment()}): stopped when the job is, or when the gateway says the budget is used up.
     */
    public Ended run(JobSandbox sandbox, AgentDriver driver, String agentName, Optional<String> model, String prompt,
                     Path workspace, Path home, Map<String, String> env) throws Exception {
        AgentStop stop = new AgentStop(ctx.cancellation());
        sandbox.lease().onBudgetExceeded(() -> {
            ctx.log().warn("the model budget is used up: stopping the agent");
            stop.fire();
        });
        ctx.log().info("starting agent " + agentName + model.map(m -> " with model " + m).orElse("")
                + (sandbox.contained() ? " in the " + mode.value() + " sandbox"
                : " WITHOUT a sandbox (ROOMOTE_SANDBOX=none)") + "; " + push.value() + " pushes");
        AgentOutcome agent = driver.run(new AgentRequest(ctx.jobId(), prompt, workspace, home, env, model, ctx.log(),
                stop, ctx.deadline(), ctx.config(), agentStopGrace(ctx.cancelGrace()))
                .withContainment(AgentContainment.of(sandbox.sandbox(), sandbox.spec()), sandbox.modelBaseUrl()));
        Usage spent = sandbox.lease().spent();
        return new Ended(withGatewayUsage(agent, spent), spent, sandbox.lease().budgetExceeded());
    }

    /** The gateway saw every model call: its counts replace what the agent claimed, when there were any. */
    static AgentOutcome withGatewayUsage(AgentOutcome agent, Usage spent) {
        if (spent.calls() == 0) {
            return agent;
        }
        return new AgentOutcome(agent.status(), agent.message(), new AgentUsage(spent.tokensIn(), spent.tokensOut(),
                spent.costUsd(), spent.lastModel() != null ? spent.lastModel() : agent.usage().model()));
    }

    /** The agent's share of the cancel grace: half; the other half saves the work and reports. */
    public static Duration agentStopGrace(Duration cancelGrace) {
        return cancelGrace.dividedBy(2);
    }
}
