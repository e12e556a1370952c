package io.roomote.jobs.github;

import io.roomote.agents.AgentDriver;
import io.roomote.agents.AgentDrivers;
import io.roomote.agents.AgentOutcome;
import io.roomote.agents.AgentUsage;
import io.roomote.core.config.Durations;
import io.roomote.jobs.github.git.FreshWorkspace;
import io.roomote.jobs.github.git.Git;
import io.roomote.jobs.github.git.MirrorCache;
import io.roomote.jobs.github.git.MirrorLocks;
import io.roomote.jobs.github.git.TrustedRepository;
import io.roomote.jobs.github.setup.RepositorySetup;
import io.roomote.jobs.github.setup.SetupResult;
import io.roomote.jobs.github.setup.SetupSettings;
import io.roomote.sandbox.JobSandbox;
import io.roomote.sandbox.gateway.Budget;
import io.roomote.sandbox.gateway.Usage;
import io.roomote.spi.JobContext;
import io.roomote.spi.JobFailedException;
import org.kohsuke.github.GHFileNotFoundException;
import org.kohsuke.github.HttpException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * One attempt of one fix job: pre-flight on GitHub, a fresh working copy from the mirror cache, the prompt,
 * the agent, and then Roomote's own check of what happened — commits on the branch, the branch on the
 * remote, a pull request on GitHub — pushing and opening the PR itself when the agent stopped short, and
 * saving unfinished work to a WIP branch when the job is stopped.
 */
final class FixRun {

    private static final Duration GIT_TIMEOUT = Duration.ofMinutes(10);
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
    private WorkSaver workSaver;
    private MirrorCache mirrors;
    private final String repo;
    private final int issue;

    /** Roomote setting: where people reach Roomote, for the link to the job's page in the pull request. */
    static final String JOB_PAGE_SETTING = "ROOMOTE_PUBLIC_URL";

    /** Roomote setting: the hosts the sandboxed agent may reach through the egress proxy. */
    static final String EGRESS_SETTING = AgentPhase.EGRESS_SETTING;

    /** What a process agent's driver reports when the agent ends by itself: no words of the agent's own. */
    private static final java.util.regex.Pattern EXIT_REPORT = AgentPhase.EXIT_REPORT;

    private AgentPhase agentPhase;
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
        try {
            return fix();
        } finally {
            if (mirrors != null) {
                mirrors.awaitSpare(GIT_TIMEOUT); // the next job's working copy, made while this one ran
            }
        }
    }

    private IssueFixResult fix() throws Exception {
        workSaver = new WorkSaver(ctx);
        GitHubCredentials credentials = GitHubAccess.credentials(settings, "read the issue and open the pull request");
        agentName = payload.agent() != null ? payload.agent() : settings.agent();
        AgentDriver driver = AgentChoice.driver(drivers, agentName);
        model = Optional.ofNullable(payload.model()).or(settings::model);
        agentPhase = AgentPhase.prepare(ctx, settings, processEnvironment, Optional.ofNullable(payload.maxCostUsd()),
                Optional.ofNullable(payload.maxTokens()), clock);
        push = agentPhase.push();
        budget = agentPhase.budget();

        GitHubAccess access = GitHubAccess.open(settings, credentials, repo, clock);
        GitHubApi github = access.api();
        GitHubApi.IssueInfo info = preflight(github);
        String body = payload.body() != null ? payload.body() : Optional.ofNullable(info.body()).orElse("");
        List<String> labels = payload.labels() != null ? payload.labels() : info.labels();

        Path home = Files.createDirectories(ctx.workDir().resolve("home"));
        Path workspace = ctx.workDir().resolve("workspace");
        // Roomote's own git has the token; its askpass lives outside anything the agent can see.
        // Each git command reads the token afresh: an App's installation token is replaced before it expires.
        Git git = access.git(ctx, processEnvironment, model, GIT_TIMEOUT);
        // An agent that pushes itself gets the token of the moment (an installation token: this repository only) in
        // GH_TOKEN, which cannot change while it runs; its git reads the token file below, kept current.
        Map<String, String> env = access.agentEnvironment(ctx, processEnvironment, home, model,
                push == IssueFixSettings.PushMode.AGENT);
        ctx.log().info("preparing a working copy of " + repo);
        mirrors = new MirrorCache(settings.home().resolve("git-mirrors"), git, mirrorLocks,
                IssueFixSettings.spareWorkspaces(ctx.config()));
        boolean firstClone = mirrors.checkout(settings.mirrorKey(repo), settings.cloneUrl(repo), workspace);
        ctx.log().info(firstClone ? "cloned " + repo + " into the mirror cache" : "updated the cached mirror of " + repo);
        // Beside the workspace, a repository no agent ever sees: everything Roomote asks or pushes after the agent.
        CompletableFuture<TrustedRepository> trusted = mirrors.trustedCopy(settings.mirrorKey(repo),
                settings.cloneUrl(repo), ctx.workDir().resolve("trusted.git"));
        FreshWorkspace fresh = new FreshWorkspace(git, workspace);
        String base = fresh.head();
        String baseBranch = fresh.currentBranch().orElse("main");
        long bundleMax = AgentExport.bundleMax(ctx.config());
        branch = "fix-" + issue;
        if (fresh.remoteBranch(branch).isPresent()) {
            branch = "fix-" + issue + "-" + ctx.jobId();
            ctx.log().info("branch fix-" + issue + " already exists on the remote; this job uses " + branch);
        }
        PromptTemplate template = settings.promptTemplate().isPresent()
                ? PromptTemplate.fromFile(settings.promptTemplate().get())
                : push == IssueFixSettings.PushMode.HOST ? PromptTemplate.hostPush() : PromptTemplate.original();
        String prompt = template.render(repo, issue, title, body, labels, branch);
        ctx.log().info("prompt for the agent:\n" + prompt);

        // From here on sandboxed processes write the workspace, its .git included: Roomote runs no git in it again.
        fresh.handOver();
        AgentExport export = new AgentExport(agentPhase.request(workspace, home), trusted, base, ctx.workDir(), bundleMax,
                // Real time: the export's limits come from the job's deadline and cancel grace (WorkSaver), not from the
                // clock that ages GitHub tokens.
                AgentExport.environment(settings, processEnvironment, workspace), ctx.log(), Clock.systemUTC());
        SetupResult setup = new RepositorySetup(clock).run(new RepositorySetup.Request(ctx.jobId(), workspace, env,
                SetupSettings.from(ctx.config()), ctx.log(), ctx.cancellation(), AgentPhase.agentStopGrace(ctx.cancelGrace()),
                (egress, log) -> JobSandbox.open(RepositorySetup.sandboxRequest(agentPhase.request(workspace, home), egress, log))));
        if (setup.status() == SetupResult.Status.STOPPED) {
            throw stopped(null, base, null);
        }
        if (!setup.agentMayStart()) {
            throw failure(Outcome.SETUP_FAILED, setup.message(), null, null, null, null, null, null, null);
        }

        AgentOutcome agent;
        boolean budgetExceeded;
        Usage spent;
        try (JobSandbox sandbox = JobSandbox.open(agentPhase.request(workspace, home));
             AgentTokenFile tokenFile = push == IssueFixSettings.PushMode.AGENT
                     ? AgentTokenFile.start(sandbox.spec().bridgeDir(), access::token, agentTokenCheck, ctx.log()) : null) {
            env.putAll(sandbox.agentEnvironment());
            if (tokenFile != null) {
                env.put(AgentTokenFile.VARIABLE, tokenFile.file().toString());
            }
            AgentPhase.Ended ended = agentPhase.run(sandbox, driver, agentName, model, prompt, workspace, home, env);
            agent = ended.agent();
            spent = ended.spent();
            budgetExceeded = ended.budgetExceeded();
        }
        ctx.log().info("agent " + agentName + " ended: " + agent.status().name().toLowerCase(java.util.Locale.ROOT)
                + " (" + agent.message() + ")");

        if (ctx.cancellation().isCancelled()) {
            throw stopped(export, base, agent);
        }
        if (budgetExceeded) {
            String wip = null;
            String unsaved = "; there was no work to save";
            try {
                wip = saveWork(export.run(workSaver::saveBy), base, "model budget used up");
            } catch (IOException e) {
                unsaved = "; the unfinished work could not be saved: " + e.getMessage();
            }
            throw failure(Outcome.BUDGET_EXCEEDED, "the job's model budget was used up (" + budget.describe(spent)
                    + ") and the agent was stopped" + (wip != null ? "; unfinished work saved to branch " + wip : unsaved),
                    null, null, null, agent, null, null, wip);
        }
        if (agent.status() == AgentOutcome.Status.STOPPED) {
            throw stopped(export, base, agent);
        }
        AgentWork work;
        try {
            work = export.run(workSaver::saveBy);
        } catch (IOException e) {
            throw failure(Outcome.AGENT_FAILED, e.getMessage(), null, null, null, agent, null, null, null);
        }
        return verify(github, work, base, baseBranch, agent);
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

    /**
     * Decides the outcome from the agent's work as Roomote's trusted repository holds it, and GitHub, not from what
     * the agent said.
     */
    private IssueFixResult verify(GitHubApi github, AgentWork work, String base, String baseBranch,
                                  AgentOutcome agent) throws Exception {
        TrustedRepository repository = work.repository();
        String workBranch = branch;
        Optional<String> tip = work.localBranch(branch);
        if (tip.isEmpty()) {
            // The agent may have committed on another branch than the one asked for.
            Optional<String> current = work.currentBranch().filter(b -> !b.equals(baseBranch) && !b.equals(branch));
            if (current.isPresent()) {
                workBranch = current.get();
                tip = work.localBranch(workBranch);
                ctx.log().warn("the agent worked on branch " + workBranch + " instead of " + branch);
            }
        }
        int commits = tip.isPresent() ? repository.commitsBetween(base, tip.get()) : 0;
        if (commits == 0) {
            Optional<GitHubApi.PullRequestInfo> pr = github.openPullRequest(repo, branch);
            if (pr.isPresent()) {
                return result(Outcome.PR_OPENED, null, pr.get(), branch, null, agent, "agent", openedBy(pr.get(), "agent"), null);
            }
            if (work.hasUncommittedChanges()) {
                String wip = saveWork(work, base, "the agent left its changes uncommitted");
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
                repository.push(AgentWork.ref(workBranch), workBranch);
            } catch (IOException e) {
                String wip = saveWork(work, base, "push of " + workBranch + " failed");
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
     * what is left of the job's cancel grace, then report the reason as it was. A null {@code export}: stopped
     * before the agent started, nothing to save.
     */
    private JobFailedException stopped(AgentExport export, String base, AgentOutcome agent) {
        WorkSaver.Stopped stopped = workSaver.stopped(export == null ? null : export::run, base, wipBranch(),
                this::wipMessage);
        return failure(stopped.outcome(), stopped.message(), null, null, null, agent, null, null, stopped.wip());
    }


    /**
     * Commits anything uncommitted and pushes everything since {@code base} to {@code roomote/wip/<issue>-<job>}.
     * Returns the branch, or null when there was nothing to save.
     */
    private String saveWork(AgentWork work, String base, String why) throws IOException, InterruptedException {
        return workSaver.save(work, base, wipBranch(), this::wipMessage, why, null);
    }

    private String wipBranch() {
        return "roomote/wip/" + issue + "-" + ctx.jobId();
    }

    private String wipMessage(String why) {
        return "WIP: Roomote job " + ctx.jobId() + " for #" + issue + " (" + why + ")";
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
