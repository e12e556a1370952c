package io.roomote.jobs.github;

import io.roomote.agents.AgentContainment;
import io.roomote.agents.AgentDriver;
import io.roomote.agents.AgentDrivers;
import io.roomote.agents.AgentOutcome;
import io.roomote.agents.AgentRequest;
import io.roomote.agents.AgentUsage;
import io.roomote.core.config.Durations;
import io.roomote.jobs.github.git.Git;
import io.roomote.jobs.github.git.MirrorCache;
import io.roomote.jobs.github.git.MirrorLocks;
import io.roomote.jobs.github.setup.RepositorySetup;
import io.roomote.jobs.github.setup.SetupResult;
import io.roomote.jobs.github.setup.SetupSettings;
import io.roomote.sandbox.JobSandbox;
import io.roomote.sandbox.SandboxMode;
import io.roomote.sandbox.SandboxSettings;
import io.roomote.sandbox.egress.EgressPolicy;
import io.roomote.sandbox.gateway.Budget;
import io.roomote.sandbox.gateway.GatewayRoute;
import io.roomote.sandbox.gateway.ModelPrices;
import io.roomote.sandbox.gateway.Usage;
import io.roomote.spi.Cancellation;
import io.roomote.spi.JobContext;
import io.roomote.spi.JobFailedException;
import org.kohsuke.github.GHFileNotFoundException;
import org.kohsuke.github.HttpException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One attempt of one fix job: pre-flight on GitHub, a fresh working copy from the mirror cache, the prompt,
 * the agent, and then Roomote's own check of what happened — commits on the branch, the branch on the
 * remote, a pull request on GitHub — pushing and opening the PR itself when the agent stopped short, and
 * saving unfinished work to a WIP branch when the job is stopped.
 */
final class FixRun {

    private static final Duration GIT_TIMEOUT = Duration.ofMinutes(10);
    /** Below this, saving work is not even tried: the job reports at once rather than being abandoned. */
    private static final Duration MIN_SAVE_TIME = Duration.ofMillis(100);
    private static final Duration MAX_MARGIN = Duration.ofSeconds(1);
    /** {@code prOpenedBy} of a pull request that was open before the job's agent ran. */
    static final String EXISTING = "existing";

    private final IssueFixPayload payload;
    private final JobContext ctx;
    private final IssueFixSettings settings;
    private final AgentDrivers drivers;
    private final MirrorLocks mirrorLocks;
    private final Map<String, String> processEnvironment;
    private final Clock clock;
    private final Duration agentTokenCheck;
    private final long startNanos = System.nanoTime();
    /** When the job must have returned once asked to stop: set as the cancellation fires. */
    private final AtomicReference<Instant> stopBy = new AtomicReference<>();
    private final String repo;
    private final int issue;

    /** Roomote setting: where people reach Roomote, for the link to the job's page in the pull request. */
    static final String JOB_PAGE_SETTING = "ROOMOTE_PUBLIC_URL";

    /** Roomote setting: the hosts the sandboxed agent may reach through the egress proxy. */
    static final String EGRESS_SETTING = "ROOMOTE_EGRESS_ALLOW";

    /** What a process agent's driver reports when the agent ends by itself: no words of the agent's own. */
    private static final java.util.regex.Pattern EXIT_REPORT = java.util.regex.Pattern.compile("agent exited with code -?\\d+");

    private SandboxSettings sandboxSettings;
    private SandboxMode sandboxMode;
    private IssueFixSettings.PushMode push;
    private Budget budget;
    private String agentName;
    private Optional<String> model = Optional.empty();
    private String branch;
    /** The issue's title: the payload's, else GitHub's once pre-flight has read the issue. */
    private String title;
    /** Highest issue or pull request number before the agent ran: pull requests up to it are not this job's. */
    private int highestNumberBefore;
    /** Who opened the issue (GitHub login), from pre-flight: asked to review by default. */
    private String issueAuthor;
    /** Whether the pull request Roomote opened is still a draft; null when Roomote opened none. */
    private Boolean prDraft;
    private List<String> reviewersRequested;

    FixRun(IssueFixPayload payload, JobContext ctx, IssueFixSettings settings, AgentDrivers drivers,
           MirrorLocks mirrorLocks, Map<String, String> processEnvironment) {
        this(payload, ctx, settings, drivers, mirrorLocks, processEnvironment, Clock.systemUTC(),
                GitHubIssueFixJobType.AGENT_TOKEN_CHECK);
    }

    /**
     * {@code clock} decides when a job's GitHub App token is old enough to be replaced; {@code agentTokenCheck}
     * how often the token file of an agent that pushes itself is brought up to date.
     */
    FixRun(IssueFixPayload payload, JobContext ctx, IssueFixSettings settings, AgentDrivers drivers,
           MirrorLocks mirrorLocks, Map<String, String> processEnvironment, Clock clock, Duration agentTokenCheck) {
        this.clock = clock;
        this.agentTokenCheck = agentTokenCheck;
        this.payload = payload;
        this.ctx = ctx;
        this.settings = settings;
        this.drivers = drivers;
        this.mirrorLocks = mirrorLocks;
        this.processEnvironment = processEnvironment;
        this.repo = payload.repo();
        this.issue = payload.issue();
        this.title = payload.title();
    }

    IssueFixResult run() throws Exception {
        ctx.cancellation().onCancel(() -> stopBy.compareAndSet(null, Instant.now().plus(ctx.cancelGrace())));
        GitHubCredentials credentials = GitHubCredentials.of(settings).orElseThrow(() -> JobFailedException.permanent(
                "GH_TOKEN is not set, nor a GitHub App (GITHUB_APP_ID and its private key): Roomote needs one to read"
                        + " the issue and open the pull request"));
        agentName = payload.agent() != null ? payload.agent() : settings.agent();
        AgentDriver driver = drivers.find(agentName).orElseThrow(() -> JobFailedException.permanent(
                "unknown agent \"" + agentName + "\" (ROOMOTE_AGENT); known agents: " + String.join(", ", drivers.names())));
        model = Optional.ofNullable(payload.model()).or(settings::model);
        sandboxSettings = SandboxSettings.from(ctx.config(), processEnvironment);
        Optional<String> noSandbox = sandboxSettings.startupProblem();
        if (noSandbox.isPresent()) {
            throw JobFailedException.permanent(noSandbox.get());
        }
        sandboxMode = sandboxSettings.mode().orElseThrow();
        push = settings.push().orElse(sandboxMode == SandboxMode.NONE
                ? IssueFixSettings.PushMode.AGENT : IssueFixSettings.PushMode.HOST);
        budget = Budget.fromConfig(ctx.config()).lowerTo(Optional.ofNullable(payload.maxCostUsd()),
                Optional.ofNullable(payload.maxTokens()));

        RepositoryToken token = new RepositoryToken(credentials, repo, clock);
        String firstToken = firstToken(token, credentials);
        GitHubApi github = new GitHubApi(settings.apiUrl(), token::value);
        GitHubApi.IssueInfo info = preflight(github);
        String body = payload.body() != null ? payload.body() : Optional.ofNullable(info.body()).orElse("");
        List<String> labels = payload.labels() != null ? payload.labels() : info.labels();

        Path home = Files.createDirectories(ctx.workDir().resolve("home"));
        Path workspace = ctx.workDir().resolve("workspace");
        // Roomote's own git has the token; its askpass lives outside anything the agent can see.
        // Each git command reads the token afresh: an App's installation token is replaced before it expires.
        Map<String, String> gitEnv = AgentEnvironment.build(settings, ctx.config(), processEnvironment,
                Files.createDirectories(ctx.workDir().resolve("git-home")), model, Optional.of(firstToken));
        // An agent that pushes itself gets the token of the moment (an installation token: this repository only) in
        // GH_TOKEN, which cannot change while it runs; its git reads the token file below, kept current.
        Map<String, String> env = new HashMap<>(AgentEnvironment.build(settings, ctx.config(), processEnvironment, home,
                model, push == IssueFixSettings.PushMode.AGENT ? Optional.of(token.value()) : Optional.empty()));
        Git git = new Git(() -> AgentEnvironment.withToken(gitEnv, settings, token.value()), GIT_TIMEOUT);
        ctx.log().info("preparing a working copy of " + repo);
        boolean firstClone = new MirrorCache(settings.home().resolve("git-mirrors"), git, mirrorLocks)
                .checkout(settings.mirrorKey(repo), settings.cloneUrl(repo), workspace);
        ctx.log().info(firstClone ? "cloned " + repo + " into the mirror cache" : "updated the cached mirror of " + repo);
        Repository repository = new Repository(git, workspace);
        String base = repository.head();
        String baseBranch = repository.currentBranch().orElse("main");
        branch = "fix-" + issue;
        if (repository.remoteBranch(branch).isPresent()) {
            branch = "fix-" + issue + "-" + ctx.jobId();
            ctx.log().info("branch fix-" + issue + " already exists on the remote; this job uses " + branch);
        }
        PromptTemplate template = settings.promptTemplate().isPresent()
                ? PromptTemplate.fromFile(settings.promptTemplate().get())
                : push == IssueFixSettings.PushMode.HOST ? PromptTemplate.hostPush() : PromptTemplate.original();
        String prompt = template.render(repo, issue, title, body, labels, branch);
        ctx.log().info("prompt for the agent:\n" + prompt);

        SetupResult setup = new RepositorySetup(clock).run(new RepositorySetup.Request(ctx.jobId(), workspace, env,
                SetupSettings.from(ctx.config()), ctx.log(), ctx.cancellation(), agentStopGrace(ctx.cancelGrace()),
                (egress, log) -> JobSandbox.open(RepositorySetup.sandboxRequest(sandboxRequest(workspace, home), egress, log))));
        if (setup.status() == SetupResult.Status.STOPPED) {
            throw stopped(null, base, null);
        }
        if (!setup.agentMayStart()) {
            throw failure(Outcome.SETUP_FAILED, setup.message(), null, null, null, null, null, null, null);
        }

        AgentOutcome agent;
        boolean budgetExceeded;
        Usage spent;
        try (JobSandbox sandbox = JobSandbox.open(sandboxRequest(workspace, home));
             AgentTokenFile tokenFile = push == IssueFixSettings.PushMode.AGENT
                     ? AgentTokenFile.start(sandbox.spec().bridgeDir(), token::value, agentTokenCheck, ctx.log()) : null) {
            env.putAll(sandbox.agentEnvironment());
            if (tokenFile != null) {
                env.put(AgentTokenFile.VARIABLE, tokenFile.file().toString());
            }
            AgentStop stop = new AgentStop(ctx.cancellation());
            sandbox.lease().onBudgetExceeded(() -> {
                ctx.log().warn("the model budget is used up: stopping the agent");
                stop.fire();
            });
            ctx.log().info("starting agent " + agentName + model.map(m -> " with model " + m).orElse("")
                    + (sandbox.contained() ? " in the " + sandboxMode.value() + " sandbox"
                    : " WITHOUT a sandbox (ROOMOTE_SANDBOX=none)") + "; " + push.value() + " pushes");
            agent = driver.run(new AgentRequest(ctx.jobId(), prompt, workspace, home, env, model, ctx.log(),
                    stop, ctx.deadline(), ctx.config(), agentStopGrace(ctx.cancelGrace()))
                    .withContainment(AgentContainment.of(sandbox.sandbox(), sandbox.spec()), sandbox.modelBaseUrl()));
            spent = sandbox.lease().spent();
            agent = withGatewayUsage(agent, spent);
            budgetExceeded = sandbox.lease().budgetExceeded();
        }
        ctx.log().info("agent " + agentName + " ended: " + agent.status().name().toLowerCase(java.util.Locale.ROOT)
                + " (" + agent.message() + ")");

        if (ctx.cancellation().isCancelled()) {
            throw stopped(repository, base, agent);
        }
        if (budgetExceeded) {
            String wip = saveWork(repository, base, "model budget used up");
            throw failure(Outcome.BUDGET_EXCEEDED, "the job's model budget was used up (" + budget.describe(spent)
                    + ") and the agent was stopped" + (wip != null ? "; unfinished work saved to branch " + wip : "; there was no work to save"),
                    null, null, null, agent, null, null, wip);
        }
        if (agent.status() == AgentOutcome.Status.STOPPED) {
            throw stopped(repository, base, agent);
        }
        return verify(github, repository, base, baseBranch, agent);
    }

    private JobSandbox.Request sandboxRequest(Path workspace, Path home) {
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

    /** The gateway saw every model call: its counts replace what the agent claimed, when there were any. */
    private static AgentOutcome withGatewayUsage(AgentOutcome agent, Usage spent) {
        if (spent.calls() == 0) {
            return agent;
        }
        return new AgentOutcome(agent.status(), agent.message(), new AgentUsage(spent.tokensIn(), spent.tokensOut(),
                spent.costUsd(), spent.lastModel() != null ? spent.lastModel() : agent.usage().model()));
    }

    /** The job's first token; an App that cannot mint one for the repository ends the job with one clear line. */
    private String firstToken(RepositoryToken token, GitHubCredentials credentials) throws IOException, JobFailedException {
        try {
            return token.value();
        } catch (IOException e) {
            if (credentials instanceof GitHubCredentials.App app && app.refusal(e, repo).isPresent()) {
                throw JobFailedException.permanent(app.refusal(e, repo).get());
            }
            throw e;
        }
    }

    private GitHubApi.IssueInfo preflight(GitHubApi github) throws Exception {
        Optional<GitHubApi.IssueInfo> found;
        try {
            found = github.issue(repo, issue);
        } catch (HttpException e) {
            if (e.getResponseCode() == 401 || e.getResponseCode() == 403) {
                throw JobFailedException.permanent("GitHub refused the token (HTTP " + e.getResponseCode()
                        + ") reading " + repo + "#" + issue + ": check " + (settings.app().isPresent()
                        ? "the GitHub App's permissions" : "GH_TOKEN") + " and its access to the repository");
            }
            throw e;
        }
        if (found.isEmpty()) {
            throw skipped("issue #" + issue + " does not exist in " + repo, null);
        }
        GitHubApi.IssueInfo info = found.get();
        if (title == null) {
            title = info.title();
        }
        if (info.pullRequest()) {
            throw skipped("#" + issue + " in " + repo + " is a pull request, not an issue", null);
        }
        if (!info.open()) {
            throw skipped("issue closed", null);
        }
        if (info.locked()) {
            throw skipped("issue is locked", null);
        }
        List<String> people = info.assignees().stream().filter(a -> !isBot(a)).toList();
        if (settings.skipAssigned() && !people.isEmpty()) {
            throw skipped("issue is assigned to " + String.join(", ", people), null);
        }
        issueAuthor = info.author();
        GitHubApi.OpenPulls open = github.openPulls(repo, issue);
        highestNumberBefore = Math.max(issue, open.highestNumber());
        if (open.fixingIssue().isPresent()) {
            GitHubApi.PullRequestInfo pr = open.fixingIssue().get();
            throw skipped("pull request #" + pr.number() + (pr.author() != null ? " by " + pr.author() : "")
                    + " is already open for this issue", pr);
        }
        return info;
    }

    private JobFailedException skipped(String reason, GitHubApi.PullRequestInfo pr) {
        ctx.log().warn("skipped: " + reason);
        return JobFailedException.permanent("skipped: " + reason, result(Outcome.SKIPPED, reason, pr,
                pr == null ? null : pr.headRef(), null, null, null, pr == null ? null : EXISTING, null));
    }

    /** Decides the outcome from the repository and GitHub, not from what the agent said. */
    private IssueFixResult verify(GitHubApi github, Repository repository, String base, String baseBranch,
                                  AgentOutcome agent) throws Exception {
        String workBranch = branch;
        Optional<String> tip = repository.localBranch(branch);
        if (tip.isEmpty()) {
            // The agent may have committed on another branch than the one asked for.
            Optional<String> current = repository.currentBranch().filter(b -> !b.equals(baseBranch));
            if (current.isPresent()) {
                workBranch = current.get();
                tip = repository.localBranch(workBranch);
                ctx.log().warn("the agent worked on branch " + workBranch + " instead of " + branch);
            }
        }
        int commits = tip.isPresent() ? repository.commitsBetween(base, tip.get()) : 0;
        if (commits == 0) {
            Optional<GitHubApi.PullRequestInfo> pr = github.openPullRequest(repo, branch);
            if (pr.isPresent()) {
                return result(Outcome.PR_OPENED, null, pr.get(), branch, null, agent, "agent", openedBy(pr.get(), "agent"), null);
            }
            if (repository.hasUncommittedChanges()) {
                String wip = saveWork(repository, base, "the agent left its changes uncommitted");
                throw failure(Outcome.AGENT_FAILED, "the agent changed files but did not commit them"
                        + (wip != null ? "; they were saved to branch " + wip : ""), null, workBranch, 0, agent, null, null, wip);
            }
            if (agent.status() == AgentOutcome.Status.FINISHED) {
                throw failure(Outcome.NO_CHANGES, "the agent finished without committing any change", null, null, 0, agent,
                        null, null, null);
            }
            throw failure(Outcome.AGENT_FAILED, "the agent " + (agent.status() == AgentOutcome.Status.ABORTED
                    ? "aborted its task" : "failed") + " without committing any change: " + agent.message(),
                    null, null, 0, agent, null, null, null);
        }

        String pushedBy = "agent";
        Optional<String> remote = repository.remoteBranch(workBranch);
        if (remote.isEmpty() || !remote.get().equals(tip.get())) {
            ctx.log().info("the agent did not push " + commits + " commit(s) of " + workBranch + "; Roomote pushes them");
            pushedBy = "roomote";
            try {
                repository.push("refs/heads/" + workBranch, workBranch);
            } catch (IOException e) {
                String wip = saveWork(repository, base, "push of " + workBranch + " failed");
                throw failure(Outcome.AGENT_FAILED, "could not push branch " + workBranch + ": " + e.getMessage()
                        + (wip != null ? "; the work was saved to " + wip : ""), null, workBranch, commits, agent, pushedBy, null, wip);
            }
        }
        Optional<GitHubApi.PullRequestInfo> pr = github.openPullRequest(repo, workBranch);
        if (pr.isPresent()) {
            String by = openedBy(pr.get(), "agent");
            ctx.log().info((by.equals(EXISTING) ? "pull request #" + pr.get().number() + " by " + pr.get().author()
                    + " was already open for " + workBranch + ": " : "pull request opened by the agent: ") + pr.get().url());
            return result(Outcome.PR_OPENED, null, pr.get(), workBranch, commits, agent, pushedBy, by, null);
        }
        ctx.log().info("no pull request for " + workBranch + " yet; Roomote opens it");
        List<String> files = repository.changedFiles(base, tip.get());
        // A command-line agent's driver reports only its exit code: then its commit messages say what it did.
        String summary = EXIT_REPORT.matcher(agent.message()).matches()
                ? repository.commitMessages(base, tip.get()) : agent.message();
        return readyForReview(github, openPullRequest(github, workBranch, baseBranch, commits, agent, pushedBy, files,
                summary));
    }

    /** GitHub Apps and bots ({@code dependabot[bot]}) are not people: never asked to review, never a reason to skip. */
    private static boolean isBot(String login) {
        return login == null || login.endsWith("[bot]");
    }

    /**
     * The job ended well with a pull request Roomote opened as a draft: mark it ready for review and ask for
     * reviews ({@code ROOMOTE_REVIEWERS}, else the issue's author). Neither step changes the outcome: the pull
     * request exists; a failure is logged and the result says the PR is still a draft.
     */
    private IssueFixResult readyForReview(GitHubApi github, IssueFixResult opened) {
        if (!"roomote".equals(opened.prOpenedBy()) || opened.prNumber() == null || openedPr == null) {
            return opened;
        }
        String prAuthor = openedPr.author();
        if (Boolean.TRUE.equals(prDraft)) {
            try {
                github.markReadyForReview(openedPr.nodeId());
                prDraft = false;
                ctx.log().info("pull request #" + opened.prNumber() + " marked ready for review");
            } catch (IOException e) {
                ctx.log().warn("could not mark pull request #" + opened.prNumber() + " ready for review; it stays a"
                        + " draft: " + describe(e));
                return result(opened);
            }
        }
        List<String> wanted = !settings.reviewers().isEmpty() ? settings.reviewers()
                : issueAuthor == null ? List.of() : List.of(issueAuthor);
        // GitHub refuses a review request to the pull request's own author (the token's user here).
        List<String> reviewers = wanted.stream().filter(r -> !isBot(r) && !r.equalsIgnoreCase(prAuthor)).toList();
        if (!reviewers.isEmpty()) {
            try {
                github.requestReviewers(repo, opened.prNumber(), reviewers);
                reviewersRequested = reviewers;
                ctx.log().info("review requested from " + String.join(", ", reviewers));
            } catch (IOException e) {
                ctx.log().warn("could not request review from " + String.join(", ", reviewers) + ": " + describe(e));
            }
        }
        return result(opened);
    }

    /** {@code opened} again, with what {@link #readyForReview} changed. */
    private IssueFixResult result(IssueFixResult r) {
        return new IssueFixResult(r.repo(), r.issue(), r.title(), r.result(), r.outcome(), r.prUrl(), r.prNumber(),
                r.branch(), r.commits(), r.agent(), r.model(), r.tokensIn(), r.tokensOut(), r.costUsd(), r.durationMs(),
                r.agentStatus(), r.agentMessage(), r.pushedBy(), r.prOpenedBy(), r.wipBranch(), r.reason(), prDraft,
                reviewersRequested);
    }

    /** The pull request Roomote opened in this job. */
    private GitHubApi.PullRequestInfo openedPr;

    /**
     * Opens the pull request, retrying GitHub's own trouble (5xx, 429, network) with a doubling backoff; a
     * retry first looks whether the failed call opened it after all. Then honest: {@code pushed_without_pr}
     * with the last error.
     */
    private IssueFixResult openPullRequest(GitHubApi github, String workBranch, String baseBranch, int commits,
                                           AgentOutcome agent, String pushedBy, List<String> files, String summary)
            throws Exception {
        int attempts = settings.githubAttempts();
        boolean draft = settings.draftPr();
        String body = PullRequestBody.render(issue, settings.issueUrl(repo, issue), ctx.jobId(), agentName,
                summary, files, agent.usage(),
                ctx.config().get(JOB_PAGE_SETTING).map(String::strip).filter(u -> !u.isEmpty())
                        .map(u -> JobPage.url(u, ctx.jobId())));
        String lastError = null;
        String gaveUp = "";
        for (int attempt = 1; attempt <= attempts; attempt++) {
            try {
                GitHubApi.PullRequestInfo opened = github.createPullRequest(repo, workBranch, baseBranch, "Fixes #" + issue,
                        body, draft);
                openedPr = opened;
                prDraft = draft;
                ctx.log().info((draft ? "draft " : "") + "pull request opened by Roomote: " + opened.url());
                return result(Outcome.PR_OPENED, null, opened, workBranch, commits, agent, pushedBy, "roomote", null);
            } catch (IOException e) {
                if (draft && refusesDrafts(e)) {
                    // Draft pull requests are not available on every plan: a ready one is better than none.
                    ctx.log().warn("GitHub takes no draft pull requests in " + repo + " (" + describe(e)
                            + "); Roomote opens it ready for review");
                    draft = false;
                    attempt--;
                    continue;
                }
                lastError = describe(e);
                if (!retryable(e)) {
                    break;
                }
                if (attempt == attempts) {
                    gaveUp = " after " + attempts + " attempts";
                    break;
                }
            }
            Duration wait = settings.githubBackoff().multipliedBy(1L << Math.min(attempt - 1, 20));
            ctx.log().warn("opening the pull request failed (attempt " + attempt + " of " + attempts + "): " + lastError
                    + "; retrying in " + Durations.describe(wait));
            if (!pause(wait)) {
                gaveUp = " (stopped retrying after " + attempt + " attempt" + (attempt == 1 ? "" : "s")
                        + ": the job was asked to stop)";
                break;
            }
            try {
                Optional<GitHubApi.PullRequestInfo> late = github.openPullRequest(repo, workBranch);
                if (late.isPresent()) {
                    ctx.log().info("the failed call opened the pull request after all: " + late.get().url());
                    if (openedBy(late.get(), "roomote").equals("roomote")) {
                        openedPr = late.get();
                        prDraft = draft;
                    }
                    return result(Outcome.PR_OPENED, null, late.get(), workBranch, commits, agent, pushedBy,
                            openedBy(late.get(), "roomote"), null);
                }
            } catch (IOException e) {
                lastError = describe(e);
            }
        }
        throw failure(Outcome.PUSHED_WITHOUT_PR, "branch " + workBranch + " was pushed but the pull request could not"
                + " be opened" + gaveUp + ": " + lastError, null, workBranch, commits, agent, pushedBy, null, null);
    }

    /** GitHub's 422 for a draft pull request in a repository whose plan has none. */
    private static boolean refusesDrafts(IOException e) {
        return e instanceof HttpException http && http.getResponseCode() == 422 && e.getMessage() != null
                && e.getMessage().toLowerCase(java.util.Locale.ROOT).contains("draft");
    }

    /** GitHub's own trouble, worth another try: 5xx, rate limiting, or no answer at all. */
    private static boolean retryable(IOException e) {
        if (e instanceof HttpException http) {
            int code = http.getResponseCode();
            return code >= 500 || code == 429 || code == -1;
        }
        return !(e instanceof GHFileNotFoundException);
    }

    private static String describe(IOException e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().strip();
        return e instanceof HttpException http && http.getResponseCode() > 0
                ? "HTTP " + http.getResponseCode() + " " + message : message;
    }

    /** Waits, unless the job is asked to stop meanwhile; false when it was. */
    private boolean pause(Duration wait) throws InterruptedException {
        CountDownLatch stop = new CountDownLatch(1);
        ctx.cancellation().onCancel(stop::countDown);
        return !stop.await(wait.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Who opened {@code pr}: {@code existing} when it was there before the agent ran, else {@code who}. */
    private String openedBy(GitHubApi.PullRequestInfo pr, String who) {
        return pr.number() <= highestNumberBefore ? EXISTING : who;
    }

    /**
     * Stopped (cancel, deadline, shutdown, lost lease): keep whatever the agent did on a WIP branch, within
     * what is left of the job's cancel grace, then report the reason as it was. A null {@code repository}: stopped
     * before the agent started, nothing to save.
     */
    private JobFailedException stopped(Repository repository, String base, AgentOutcome agent) {
        Cancellation.Reason reason = ctx.cancellation().reason().orElse(Cancellation.Reason.TIMED_OUT);
        Outcome outcome = switch (reason) {
            case CANCELLED -> Outcome.CANCELLED;
            case TIMED_OUT -> Outcome.TIMED_OUT;
            case SHUTDOWN -> Outcome.INTERRUPTED;
            case LEASE_LOST -> Outcome.LEASE_LOST;
        };
        String what = switch (reason) {
            case CANCELLED -> "cancelled";
            case TIMED_OUT -> "timed out";
            case SHUTDOWN -> "stopped because the runner is shutting down; the job goes back to the queue";
            case LEASE_LOST -> "stopped because the queue took the job's lease back; another runner owns the job now";
        };
        String why = switch (reason) {
            case CANCELLED -> "cancelled";
            case TIMED_OUT -> "stopped at the deadline";
            case SHUTDOWN -> "stopped by a shutdown";
            case LEASE_LOST -> "stopped: lease lost";
        };
        String wip = null;
        String unsaved = "; there was no work to save";
        Instant until = saveBy();
        Duration left = Duration.between(Instant.now(), until);
        if (repository == null) {
            unsaved = "; the agent had not started"; // stopped during the setup: its files are not work to save
        } else if (left.compareTo(MIN_SAVE_TIME) < 0) {
            unsaved = "; no time was left within JOB_CANCEL_GRACE (" + Durations.describe(ctx.cancelGrace())
                    + ") to save unfinished work";
            ctx.log().error("could not save the unfinished work: no time left within JOB_CANCEL_GRACE");
        } else {
            try {
                wip = saveWork(repository, base, why, until);
            } catch (Exception e) {
                unsaved = "; the unfinished work could not be saved: " + e.getMessage();
                ctx.log().error("could not save the unfinished work: " + e.getMessage());
            }
        }
        String message = what + (wip != null ? "; unfinished work saved to branch " + wip : unsaved);
        return failure(outcome, message, null, null, null, agent, null, null, wip);
    }

    /** The agent's share of the cancel grace: half; the other half saves the work and reports. */
    static Duration agentStopGrace(Duration cancelGrace) {
        return cancelGrace.dividedBy(2);
    }

    /** When saving work must be done: the end of the cancel grace, less a margin for reporting. */
    private Instant saveBy() {
        Instant end = stopBy.get() != null ? stopBy.get() : ctx.deadline().plus(ctx.cancelGrace());
        Duration margin = ctx.cancelGrace().dividedBy(10);
        return end.minus(margin.compareTo(MAX_MARGIN) > 0 ? MAX_MARGIN : margin);
    }

    /**
     * Commits anything uncommitted and pushes everything since {@code base} to {@code roomote/wip/<issue>-<job>}.
     * Returns the branch, or null when there was nothing to save.
     */
    private String saveWork(Repository repository, String base, String why) throws IOException, InterruptedException {
        return saveWork(repository, base, why, null);
    }

    /** As above; with {@code until}, every git command is limited to the time left before it. */
    private String saveWork(Repository repository, String base, String why, Instant until)
            throws IOException, InterruptedException {
        if (within(repository, until).hasUncommittedChanges()) {
            within(repository, until).commitAll("WIP: Roomote job " + ctx.jobId() + " for #" + issue + " (" + why + ")");
        }
        String head = within(repository, until).head();
        if (head.equals(base) || within(repository, until).commitsBetween(base, head) == 0) {
            return null;
        }
        String wip = "roomote/wip/" + issue + "-" + ctx.jobId();
        within(repository, until).push("HEAD", wip);
        ctx.log().warn("unfinished work saved to branch " + wip + " (" + why + ")");
        return wip;
    }

    private static Repository within(Repository repository, Instant until) throws IOException {
        if (until == null) {
            return repository;
        }
        Duration left = Duration.between(Instant.now(), until);
        if (left.compareTo(Duration.ofMillis(1)) < 0) {
            throw new IOException("the cancel grace ran out");
        }
        return repository.withTimeout(left);
    }

    private JobFailedException failure(Outcome outcome, String message, GitHubApi.PullRequestInfo pr, String branchName,
                                       Integer commits, AgentOutcome agent, String pushedBy, String prOpenedBy, String wip) {
        ctx.log().error(outcome.value() + ": " + message);
        return JobFailedException.permanent(outcome.value() + ": " + message,
                result(outcome, message, pr, branchName, commits, agent, pushedBy, prOpenedBy, wip));
    }

    private IssueFixResult result(Outcome outcome, String reason, GitHubApi.PullRequestInfo pr, String branchName,
                                  Integer commits, AgentOutcome agent, String pushedBy, String prOpenedBy, String wip) {
        AgentUsage usage = agent == null ? AgentUsage.UNKNOWN : agent.usage();
        return new IssueFixResult(repo, issue, title,
                outcome == Outcome.PR_OPENED ? "PR created successfully" : outcome.value().replace('_', ' '),
                outcome.value(),
                pr == null ? null : pr.url(), pr == null ? null : pr.number(),
                branchName, commits, agentName, usage.model() != null ? usage.model() : model.orElse(null),
                usage.tokensIn(), usage.tokensOut(), usage.costUsd(),
                Duration.ofNanos(System.nanoTime() - startNanos).toMillis(),
                agent == null ? null : agent.status().name().toLowerCase(java.util.Locale.ROOT),
                agent == null ? null : agent.message(),
                pushedBy, prOpenedBy, wip, reason, null, null);
    }
}
