package io.roomote.jobs.github.revise;

import io.roomote.agents.AgentDriver;
import io.roomote.agents.AgentDrivers;
import io.roomote.agents.AgentOutcome;
import io.roomote.agents.AgentUsage;
import io.roomote.jobs.github.AgentChoice;
import io.roomote.jobs.github.AgentExport;
import io.roomote.jobs.github.AgentWork;
import io.roomote.jobs.github.AgentPhase;
import io.roomote.jobs.github.AgentTokenFile;
import io.roomote.jobs.github.GitHubIssueFixJobType;
import io.roomote.jobs.github.GitHubAccess;
import io.roomote.jobs.github.GitHubApi;
import io.roomote.jobs.github.GitHubCredentials;
import io.roomote.jobs.github.IssueFixSettings;
import io.roomote.jobs.github.JobPage;
import io.roomote.jobs.github.WorkSaver;
import io.roomote.jobs.github.git.FreshWorkspace;
import io.roomote.jobs.github.git.Git;
import io.roomote.jobs.github.git.GitException;
import io.roomote.jobs.github.git.MirrorCache;
import io.roomote.jobs.github.git.MirrorLocks;
import io.roomote.jobs.github.git.TrustedRepository;
import io.roomote.jobs.github.setup.RepositorySetup;
import io.roomote.jobs.github.setup.SetupResult;
import io.roomote.jobs.github.setup.SetupSettings;
import io.roomote.sandbox.JobSandbox;
import io.roomote.spi.JobContext;
import io.roomote.spi.JobFailedException;
import org.kohsuke.github.HttpException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;

/**
 * One review round on a pull request Roomote opened: pre-flight on GitHub (open, same repository, Roomote's
 * marker and author), the rounds recounted from Roomote's own replies (past the limit: hand the PR back once),
 * the feedback not yet addressed (none: {@code nothing_to_do}), the PR's head branch from the mirror cache, the
 * agent in the job's sandbox, and Roomote's own check: the PR's head must be an ancestor of what the agent left
 * (no rewritten history), then the new commits are pushed without force and Roomote replies on the PR.
 */
final class ReviseRun {

    private static final Duration GIT_TIMEOUT = Duration.ofMinutes(10);
    /** The trigger mention setting of the webhook; its first word is what a comment must contain. */
    static final String MENTION_SETTING = "ROOMOTE_TRIGGER_MENTION";
    private static final String DEFAULT_MENTION = "@roomote fix";

    private final PullRequestRevisePayload payload;
    private final JobContext ctx;
    private final IssueFixSettings settings;
    private final AgentDrivers drivers;
    private final MirrorLocks mirrorLocks;
    private final Map<String, String> processEnvironment;
    private final Clock clock;
    private final long startNanos = System.nanoTime();
    private final String repo;
    private final int number;

    private WorkSaver workSaver;
    private MirrorCache mirrors;
    private String agentName;
    private Optional<String> model = Optional.empty();
    private int maxRounds;
    private Integer round;
    private GitHubApi.PullRequestDetails pr;
    private Long fixJobId;
    private List<ReviewFeedback.Item> feedback = List.of();
    /** What the reply quotes as the agent's words: its final message, or its commit messages when it has none. */
    private String summary;

    ReviseRun(PullRequestRevisePayload payload, JobContext ctx, IssueFixSettings settings, AgentDrivers drivers,
              MirrorLocks mirrorLocks, Map<String, String> processEnvironment, Clock clock) {
        this.payload = payload;
        this.ctx = ctx;
        this.settings = settings;
        this.drivers = drivers;
        this.mirrorLocks = mirrorLocks;
        this.processEnvironment = processEnvironment;
        this.clock = clock;
        this.repo = payload.repo();
        this.number = payload.pr();
    }

    ReviseResult run() throws Exception {
        try {
            return revise();
        } finally {
            if (mirrors != null) {
                mirrors.awaitSpare(GIT_TIMEOUT); // the next job's working copy, made while this one ran
            }
        }
    }

    private ReviseResult revise() throws Exception {
        workSaver = new WorkSaver(ctx);
        GitHubCredentials credentials = GitHubAccess.credentials(settings, "read the pull request and push to it");
        agentName = payload.agent() != null ? payload.agent() : settings.agent();
        AgentDriver driver = AgentChoice.driver(drivers, agentName);
        model = Optional.ofNullable(payload.model()).or(settings::model);
        maxRounds = RevisionRounds.max(ctx.config());
        AgentPhase agentPhase = AgentPhase.prepare(ctx, settings, processEnvironment,
                Optional.ofNullable(payload.maxCostUsd()), Optional.ofNullable(payload.maxTokens()), clock);
        boolean hostPush = agentPhase.push() == IssueFixSettings.PushMode.HOST;
        GitHubAccess access = GitHubAccess.open(settings, credentials, repo, clock);
        GitHubApi github = access.api();

        preflight(github);
        String login = RoomoteLogin.of(access, settings.apiUrl());
        if (pr.author() == null || !pr.author().equalsIgnoreCase(login)) {
            throw skipped("pull request #" + number + " was opened by " + pr.author() + ", not by Roomote (" + login + ")");
        }
        List<GitHubApi.IssueComment> conversation = github.issueComments(repo, number);
        List<RevisionRounds.Comment> comments = conversation.stream()
                .map(c -> new RevisionRounds.Comment(c.author(), c.body())).toList();
        int done = RevisionRounds.roundsDone(comments, login);
        if (done >= maxRounds) {
            return roundLimit(github, comments, login, done);
        }
        feedback = ReviewFeedback.collect(login, ReviewFeedback.mentionPattern(mention()), payload.trigger(),
                payload.triggerId(), conversation, github.reviews(repo, number), github.reviewComments(repo, number),
                checks(github), pr.headSha());
        if (feedback.isEmpty()) {
            String why = "nothing new to address on pull request #" + number + ": earlier rounds answered every request";
            ctx.log().info(why);
            return result(ReviseOutcome.NOTHING_TO_DO, why, null, List.of(), List.of(), null, null, null, null, null);
        }
        round = done + 1;
        ctx.log().info("review round " + round + " of " + maxRounds + " on " + pr.url() + ": " + feedback.size()
                + " item(s) to address: " + String.join("; ", feedback.stream().map(ReviewFeedback::describe).toList()));

        Path home = Files.createDirectories(ctx.workDir().resolve("home"));
        Path workspace = ctx.workDir().resolve("workspace");
        Git git = access.git(ctx, processEnvironment, model, GIT_TIMEOUT);
        Map<String, String> env = access.agentEnvironment(ctx, processEnvironment, home, model, !hostPush);
        ctx.log().info("preparing a working copy of " + repo + " on branch " + pr.headRef());
        mirrors = new MirrorCache(settings.home().resolve("git-mirrors"), git, mirrorLocks,
                IssueFixSettings.spareWorkspaces(ctx.config()));
        // Beside the workspace, a repository no agent ever sees: everything Roomote asks or pushes after the agent.
        mirrors.checkout(settings.mirrorKey(repo), settings.cloneUrl(repo), workspace, Optional.of(pr.headRef()));
        java.util.concurrent.CompletableFuture<TrustedRepository> trusted = mirrors.trustedCopy(settings.mirrorKey(repo),
                settings.cloneUrl(repo), ctx.workDir().resolve("trusted.git"));
        FreshWorkspace fresh = new FreshWorkspace(git, workspace);
        String base = pr.headSha();
        if (!fresh.head().equals(base)) {
            // The branch moved between GitHub's answer and the fetch: work on what the round was asked about.
            fresh.checkout(pr.headRef(), base);
        }
        long bundleMax = AgentExport.bundleMax(ctx.config());
        String prompt = RevisePrompt.render(hostPush, repo, number, pr.title(), pr.headRef(), feedback);
        ctx.log().info("prompt for the agent:\n" + prompt);

        // From here on sandboxed processes write the workspace, its .git included: Roomote runs no git in it again.
        fresh.handOver();
        AgentExport export = new AgentExport(agentPhase.request(workspace, home), trusted, base, ctx.workDir(), bundleMax,
                // Real time: the export's limits come from the job's deadline and cancel grace (WorkSaver), not from the
                // clock that ages GitHub tokens.
                AgentExport.environment(settings, processEnvironment, workspace), ctx.log(), Clock.systemUTC());
        // The repository's own setup, in its own sandbox with its own allow-list, as for github.issue.fix.
        SetupResult setup = new RepositorySetup(clock).run(new RepositorySetup.Request(ctx.jobId(), workspace, env,
                SetupSettings.from(ctx.config()), ctx.log(), ctx.cancellation(), AgentPhase.agentStopGrace(ctx.cancelGrace()),
                (egress, log) -> JobSandbox.open(RepositorySetup.sandboxRequest(agentPhase.request(workspace, home), egress, log))));
        if (setup.status() == SetupResult.Status.STOPPED) {
            WorkSaver.Stopped stopped = workSaver.stopped(null, base, wipBranch(), this::wipMessage);
            throw failed(github, ReviseOutcome.of(stopped.outcome()), stopped.message(), null, List.of(), List.of(), null,
                    null, false);
        }
        if (!setup.agentMayStart()) {
            // Said on the PR: the reviewer asked, and should know why no commit follows.
            throw failed(github, ReviseOutcome.SETUP_FAILED, setup.message(), null, List.of(), List.of(), null, null, true);
        }

        AgentPhase.Ended ended;
        // An agent that pushes itself reads the App's token afresh from a file Roomote renews, as in a fix.
        try (JobSandbox sandbox = JobSandbox.open(agentPhase.request(workspace, home));
             AgentTokenFile tokenFile = hostPush ? null : AgentTokenFile.start(sandbox.spec().bridgeDir(), access::token,
                     GitHubIssueFixJobType.AGENT_TOKEN_CHECK, ctx.log())) {
            env.putAll(sandbox.agentEnvironment());
            if (tokenFile != null) {
                env.put(AgentTokenFile.VARIABLE, tokenFile.file().toString());
            }
            ended = agentPhase.run(sandbox, driver, agentName, model, prompt, workspace, home, env);
        }
        AgentOutcome agent = ended.agent();
        ctx.log().info("agent " + agentName + " ended: " + agent.status().name().toLowerCase(Locale.ROOT)
                + " (" + agent.message() + ")");

        if (ctx.cancellation().isCancelled() || agent.status() == AgentOutcome.Status.STOPPED && !ended.budgetExceeded()) {
            WorkSaver.Stopped stopped = workSaver.stopped(export::run, base, wipBranch(), this::wipMessage);
            ReviseOutcome outcome = ReviseOutcome.of(stopped.outcome());
            // A shutdown or a lost lease hands the job to another attempt: that one replies.
            boolean reply = outcome == ReviseOutcome.TIMED_OUT || outcome == ReviseOutcome.CANCELLED;
            throw failed(github, outcome, stopped.message(), agent, List.of(), List.of(), null, stopped.wip(), reply);
        }
        if (ended.budgetExceeded()) {
            String wip = null;
            String unsaved = "; there was no work to save";
            try {
                wip = workSaver.save(export.run(workSaver::saveBy), base, wipBranch(), this::wipMessage,
                        "model budget used up", null);
            } catch (IOException e) {
                unsaved = "; the unfinished work could not be saved: " + e.getMessage();
            }
            throw failed(github, ReviseOutcome.BUDGET_EXCEEDED, "the round's model budget was used up ("
                    + agentPhase.budget().describe(ended.spent()) + ") and the agent was stopped"
                    + (wip != null ? "; unfinished work saved to branch " + wip : unsaved),
                    agent, List.of(), List.of(), null, wip, true);
        }
        AgentWork work;
        try {
            work = export.run(workSaver::saveBy);
        } catch (IOException e) {
            throw failed(github, ReviseOutcome.AGENT_FAILED, e.getMessage(), agent, List.of(),
                    List.of(), null, null, true);
        }
        return verify(github, work, base, agent, hostPush);
    }

    private void preflight(GitHubApi github) throws Exception {
        Optional<GitHubApi.PullRequestDetails> found;
        try {
            found = github.pullRequest(repo, number);
        } catch (HttpException e) {
            if (e.getResponseCode() == 401 || e.getResponseCode() == 403) {
                throw JobFailedException.permanent("GitHub refused the token (HTTP " + e.getResponseCode()
                        + ") reading " + repo + " pull request #" + number + ": check " + (settings.app().isPresent()
                        ? "the GitHub App's permissions" : "GH_TOKEN") + " and its access to the repository");
            }
            throw e;
        }
        if (found.isEmpty()) {
            throw skipped("pull request #" + number + " does not exist in " + repo);
        }
        pr = found.get();
        Matcher marker = GitHubApi.MARKER.matcher(pr.body() == null ? "" : pr.body());
        if (marker.find()) {
            try {
                fixJobId = Long.parseLong(marker.group(1));
            } catch (NumberFormatException e) {
                fixJobId = null;
            }
        }
        if (!pr.open()) {
            throw skipped("pull request #" + number + " is " + (pr.merged() ? "merged" : "closed"));
        }
        if (pr.headRepo() == null || !pr.headRepo().equalsIgnoreCase(repo)) {
            throw skipped("pull request #" + number + "'s branch is in " + (pr.headRepo() == null ? "a deleted fork"
                    : "the fork " + pr.headRepo()) + ": Roomote pushes only to branches of " + repo);
        }
        if (fixJobId == null) {
            throw skipped("pull request #" + number + " was not opened by Roomote: its description has no Roomote marker");
        }
    }

    /** For a check trigger: the check run, or the check suite's runs, the payload names. */
    private List<GitHubApi.CheckRun> checks(GitHubApi github) throws IOException {
        if (payload.triggerId() == null) {
            return List.of();
        }
        return switch (payload.trigger()) {
            case "check_run" -> github.checkRun(repo, payload.triggerId()).map(List::of).orElse(List.of());
            case "check_suite" -> github.checkSuiteRuns(repo, payload.triggerId());
            default -> List.of();
        };
    }

    private String mention() {
        return ctx.config().get(MENTION_SETTING).filter(m -> !m.isBlank()).orElse(DEFAULT_MENTION);
    }

    /** Past the limit: hand the PR back once (never twice), no agent. */
    private ReviseResult roundLimit(GitHubApi github, List<RevisionRounds.Comment> comments, String login, int done)
            throws IOException {
        String why = "pull request #" + number + " has had " + done + " review round" + (done == 1 ? "" : "s")
                + " of " + maxRounds + " (ROOMOTE_MAX_REVISIONS): it is back with people";
        ctx.log().warn(why);
        if (RevisionRounds.handedBack(comments, login)) {
            return result(ReviseOutcome.ROUND_LIMIT_REACHED, why + "; the hand-back comment was posted before",
                    null, List.of(), List.of(), null, null, null, null, null);
        }
        GitHubApi.Posted posted = github.postComment(repo, number, ReviseReply.handBack(maxRounds,
                mention().strip().split("\\s+")[0], jobPage(), ctx.jobId()));
        return result(ReviseOutcome.ROUND_LIMIT_REACHED, why, null, List.of(), List.of(), null, null, null, posted.url(),
                posted.id());
    }

    /** Decides the outcome from the agent's work as Roomote's trusted repository holds it, not from what the agent said. */
    private ReviseResult verify(GitHubApi github, AgentWork work, String base, AgentOutcome agent,
                                boolean hostPush) throws Exception {
        TrustedRepository repository = work.repository();
        String tip = work.head();
        if (!isAncestor(repository, base, tip)) {
            throw failed(github, ReviseOutcome.HISTORY_REWRITTEN, "the agent rewrote the branch's history (the pull"
                    + " request's head " + shortSha(base) + " is no longer an ancestor of its work): nothing was pushed",
                    agent, List.of(), List.of(), null, null, true);
        }
        String pushedBy = null;
        if (!hostPush) {
            Optional<String> remote = repository.remoteBranch(pr.headRef());
            if (remote.isPresent() && !remote.get().equals(base)) {
                repository.fetchFromOrigin(pr.headRef());
                if (!isAncestor(repository, base, remote.get())) {
                    throw failed(github, ReviseOutcome.HISTORY_REWRITTEN, "the branch " + pr.headRef() + " on GitHub no"
                            + " longer contains the pull request's head " + shortSha(base) + ": it was force-pushed",
                            agent, List.of(), List.of(), null, null, true);
                }
                if (remote.get().equals(tip) || isAncestor(repository, tip, remote.get())) {
                    tip = remote.get();
                    pushedBy = "agent";
                }
            }
        }
        List<ReviseResult.Commit> commits = commits(repository, base, tip);
        if (commits.isEmpty()) {
            if (work.hasUncommittedChanges()) {
                String wip = workSaver.save(work, base, wipBranch(), this::wipMessage,
                        "the agent left its changes uncommitted", null);
                throw failed(github, ReviseOutcome.AGENT_FAILED, "the agent changed files but did not commit them"
                        + (wip != null ? "; they were saved to branch " + wip : ""), agent, List.of(), List.of(), null, wip, true);
            }
            if (agent.status() == AgentOutcome.Status.FINISHED) {
                Posted reply = reply(github, ReviseOutcome.NO_CHANGES, null, agent, List.of(), List.of());
                return result(ReviseOutcome.NO_CHANGES, "the agent finished without committing any change", agent,
                        List.of(), List.of(), false, null, null, reply.url, reply.posted);
            }
            throw failed(github, ReviseOutcome.AGENT_FAILED, "the agent " + (agent.status() == AgentOutcome.Status.ABORTED
                    ? "aborted its task" : "failed") + " without committing any change: " + agent.message(),
                    agent, List.of(), List.of(), null, null, true);
        }
        List<String> files = repository.changedFiles(base, tip);
        // A command-line agent's driver reports only its exit code: then its commit messages say what it did.
        if (agent.message() == null || AgentPhase.EXIT_REPORT.matcher(agent.message()).matches()) {
            summary = repository.commitMessages(base, tip);
        }
        if (pushedBy == null) {
            ctx.log().info("pushing " + commits.size() + " new commit(s) to " + pr.headRef());
            try {
                repository.push(tip, pr.headRef());
                pushedBy = "roomote";
            } catch (GitException e) {
                boolean rejected = rejected(e.getMessage());
                String wip = workSaver.save(work, base, wipBranch(), this::wipMessage,
                        "push to " + pr.headRef() + " " + (rejected ? "rejected" : "failed"), null);
                throw failed(github, rejected ? ReviseOutcome.PUSH_REJECTED : ReviseOutcome.PUSH_FAILED,
                        (rejected ? "GitHub refused the push to " + pr.headRef() + ": someone pushed to it meanwhile"
                                : "could not push to " + pr.headRef() + ": " + e.getMessage())
                                + (wip != null ? "; the work was saved to branch " + wip : ""),
                        agent, commits, files, false, wip, true);
            }
        }
        ctx.log().info(commits.size() + " new commit(s) on " + pr.headRef() + " (pushed by " + pushedBy + ")");
        Posted reply = reply(github, ReviseOutcome.REVISED, null, agent, commits, files);
        return result(ReviseOutcome.REVISED, null, agent, commits, files, true, pushedBy, null, reply.url, reply.posted);
    }

    private static boolean rejected(String gitOutput) {
        String s = gitOutput == null ? "" : gitOutput;
        return s.contains("[rejected]") || s.contains("non-fast-forward") || s.contains("fetch first")
                || s.contains("[remote rejected]");
    }

    private static boolean isAncestor(TrustedRepository repository, String ancestor, String tip)
            throws IOException, InterruptedException {
        return repository.isAncestor(ancestor, tip);
    }

    private static List<ReviseResult.Commit> commits(TrustedRepository repository, String base, String tip)
            throws IOException, InterruptedException {
        List<ReviseResult.Commit> out = new ArrayList<>();
        for (String line : repository.log(base, tip, "%H%x09%s").lines().filter(l -> !l.isBlank()).toList()) {
            int tab = line.indexOf('\t');
            out.add(tab < 0 ? new ReviseResult.Commit(line, "") : new ReviseResult.Commit(line.substring(0, tab),
                    line.substring(tab + 1)));
        }
        return out;
    }

    private static String shortSha(String sha) {
        return sha == null ? "?" : sha.substring(0, Math.min(7, sha.length()));
    }

    private String wipBranch() {
        return "roomote/wip/pr-" + number + "-" + ctx.jobId();
    }

    private String wipMessage(String why) {
        return "WIP: Roomote job " + ctx.jobId() + " for pull request #" + number + " (" + why + ")";
    }

    private Optional<String> jobPage() {
        return ctx.config().get("ROOMOTE_PUBLIC_URL").map(String::strip).filter(u -> !u.isEmpty())
                .map(u -> JobPage.url(u, ctx.jobId()));
    }

    /** A posted reply, or nothing when GitHub refused it (the round's work stands; the log says why). */
    private record Posted(Long posted, String url) {
    }

    private Posted reply(GitHubApi github, ReviseOutcome outcome, String why, AgentOutcome agent,
                         List<ReviseResult.Commit> commits, List<String> files) {
        String body = ReviseReply.render(ctx.jobId(), round, maxRounds, outcome, why, pr.headRef(), feedback, commits,
                files, agentName, summary != null ? summary : agent == null || agent.message() == null
                        || AgentPhase.EXIT_REPORT.matcher(agent.message()).matches() ? null : agent.message(), agent == null ? AgentUsage.UNKNOWN : agent.usage(),
                jobPage());
        try {
            GitHubApi.Posted posted = github.postComment(repo, number, body);
            ctx.log().info("replied on pull request #" + number + ": " + posted.url());
            return new Posted(posted.id(), posted.url());
        } catch (IOException e) {
            ctx.log().warn("could not reply on pull request #" + number + ": " + e.getMessage());
            return new Posted(null, null);
        }
    }

    private JobFailedException skipped(String reason) {
        ctx.log().warn("skipped: " + reason);
        return JobFailedException.permanent("skipped: " + reason,
                result(ReviseOutcome.SKIPPED, reason, null, List.of(), List.of(), null, null, null, null, null));
    }

    private JobFailedException failed(GitHubApi github, ReviseOutcome outcome, String message, AgentOutcome agent,
                                      List<ReviseResult.Commit> commits, List<String> files, Boolean pushed, String wip,
                                      boolean reply) {
        ctx.log().error(outcome.value() + ": " + message);
        Posted posted = reply ? reply(github, outcome, message, agent, commits, files) : new Posted(null, null);
        return JobFailedException.permanent(outcome.value() + ": " + message,
                result(outcome, message, agent, commits, files, pushed, null, wip, posted.url, posted.posted));
    }

    private ReviseResult result(ReviseOutcome outcome, String message, AgentOutcome agent, List<ReviseResult.Commit> commits,
                                List<String> files, Boolean pushed, String pushedBy, String wip, String replyUrl,
                                Long replyId) {
        AgentUsage usage = agent == null ? AgentUsage.UNKNOWN : agent.usage();
        return new ReviseResult(repo, number, outcome.value(), round, maxRounds, pr == null ? null : pr.url(), fixJobId,
                pr == null ? null : pr.headRef(), payload.trigger(),
                feedback.stream().map(i -> new ReviseResult.Addressed(i.kind(), i.id())).toList(),
                commits.isEmpty() ? null : commits, files.isEmpty() ? null : files, pushed, pushedBy, wip, replyUrl, replyId,
                agent == null ? null : agentName,
                agent == null ? null : usage.model() != null ? usage.model() : model.orElse(null),
                usage.tokensIn(), usage.tokensOut(), usage.costUsd(),
                Duration.ofNanos(System.nanoTime() - startNanos).toMillis(),
                agent == null ? null : agent.status().name().toLowerCase(Locale.ROOT), message);
    }
}
