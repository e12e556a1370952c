package io.roomote.jobs.github.revise;

import io.roomote.agents.AgentDrivers;
import io.roomote.jobs.github.AgentChoice;
import io.roomote.jobs.github.FixReadiness;
import io.roomote.jobs.github.GitHubNames;
import io.roomote.jobs.github.IssueFixSettings;
import io.roomote.jobs.github.git.MirrorLocks;
import io.roomote.spi.Configuration;
import io.roomote.spi.JobContext;
import io.roomote.spi.JobDescription;
import io.roomote.spi.JobFailedException;
import io.roomote.spi.JobType;
import io.roomote.spi.ValidationProblem;
import org.kohsuke.github.HttpException;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code github.pr.revise}: one review round on a pull request Roomote opened — the agent addresses the review
 * comments (or a failing check) with new commits on the PR's branch, Roomote pushes them without force and replies
 * on the PR; bounded by {@code ROOMOTE_MAX_REVISIONS} rounds per PR (see {@link ReviseRun}). One round runs at a
 * time per pull request ({@link #concurrencyKey}); a queued second request finds its comments answered and ends
 * as {@code nothing_to_do}.
 */
public final class GitHubPrReviseJobType implements JobType<PullRequestRevisePayload, ReviseResult> {

    public static final String ID = PullRequestRevisePayload.TYPE;

    /** What may ask for a round. */
    public static final Set<String> TRIGGERS = Set.of("review", "review_comment", "comment", "check_run", "check_suite",
            "manual");

    private final AgentDrivers drivers;
    private final Map<String, String> processEnvironment;
    /** Shared by all jobs of this type in this process (the fix type has its own: a mirror lock is per process). */
    private final MirrorLocks mirrorLocks;
    private final FixReadiness readiness;
    private final Clock clock;

    /** As found by ServiceLoader: the agent drivers on the class path and this process's environment. */
    public GitHubPrReviseJobType() {
        this(AgentDrivers.discover(GitHubPrReviseJobType.class.getClassLoader()), System.getenv());
    }

    public GitHubPrReviseJobType(AgentDrivers drivers, Map<String, String> processEnvironment) {
        this(drivers, processEnvironment, new MirrorLocks(), Clock.systemUTC());
    }

    /** {@code mirrorLocks}: pass the fix type's to share one lock per mirror between both types of one process. */
    public GitHubPrReviseJobType(AgentDrivers drivers, Map<String, String> processEnvironment, MirrorLocks mirrorLocks,
                                 Clock clock) {
        this.drivers = drivers;
        this.processEnvironment = Map.copyOf(processEnvironment);
        this.mirrorLocks = mirrorLocks;
        this.readiness = new FixReadiness(drivers, this.processEnvironment);
        this.clock = clock;
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public Class<PullRequestRevisePayload> payloadType() {
        return PullRequestRevisePayload.class;
    }

    @Override
    public List<ValidationProblem> validate(PullRequestRevisePayload p) {
        List<ValidationProblem> problems = new ArrayList<>();
        if (p.repo() == null || p.repo().isBlank()) {
            problems.add(new ValidationProblem("repo", "is required, as \"owner/name\""));
        } else {
            GitHubNames.repoProblem(p.repo()).ifPresent(why -> problems.add(new ValidationProblem("repo",
                    why + ", got \"" + abbreviate(p.repo()) + "\"")));
        }
        if (p.pr() == null) {
            problems.add(new ValidationProblem("pr", "is required: the pull request's number"));
        } else if (p.pr() < 1) {
            problems.add(new ValidationProblem("pr", "must be a positive pull request number, got " + p.pr()));
        }
        if (p.trigger() == null || !TRIGGERS.contains(p.trigger())) {
            problems.add(new ValidationProblem("trigger", "must be one of " + String.join(", ", TRIGGERS.stream().sorted()
                    .toList()) + (p.trigger() == null ? "" : ", got \"" + abbreviate(p.trigger()) + "\"")));
        } else if (!p.trigger().equals("manual") && p.triggerId() == null) {
            problems.add(new ValidationProblem("triggerId", "is required for trigger " + p.trigger()
                    + ": GitHub's id of the review, comment or check that asked"));
        }
        if (p.triggerId() != null && p.triggerId() < 1) {
            problems.add(new ValidationProblem("triggerId", "must be a positive GitHub id, got " + p.triggerId()));
        }
        if (p.requestedBy() != null && !p.requestedBy().matches("[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\\[bot])?")) {
            problems.add(new ValidationProblem("requestedBy", "must be a GitHub login, got \"" + abbreviate(p.requestedBy())
                    + "\""));
        }
        problems.addAll(AgentChoice.problems(drivers, p.agent(), p.model(), p.maxCostUsd(), p.maxTokens()));
        return problems;
    }

    private static String abbreviate(String s) {
        return s.length() <= 150 ? s : s.substring(0, 150) + "…";
    }

    /** The GitHub token or App, and the key or setting the chosen agent needs, as for {@code github.issue.fix}. */
    @Override
    public List<String> missingConfiguration(Configuration config) {
        return readiness.missing(config);
    }

    @Override
    public List<ValidationProblem> configurationProblems(PullRequestRevisePayload payload, Configuration config) {
        List<ValidationProblem> problems = new ArrayList<>(readiness.problems(ID, payload.agent(), payload.model(), config));
        try {
            RevisionRounds.max(config);
        } catch (RuntimeException e) {
            problems.add(new ValidationProblem("", "this Roomote cannot run " + ID + " jobs: " + e.getMessage()));
        }
        return problems;
    }

    @Override
    public Optional<String> agent(PullRequestRevisePayload payload, Configuration config) {
        return Optional.of(payload.agent() != null ? payload.agent() : IssueFixSettings.defaultAgent(config));
    }

    /**
     * "Revising PR #7" with the pull request's link; once the round pushed commits, "2 commits pushed" with the
     * same link. The texts of Slack threads come from here.
     */
    @Override
    public Optional<JobDescription> describe(PullRequestRevisePayload payload, Optional<Map<String, Object>> result,
                                             Configuration config) {
        if (payload.repo() == null || payload.pr() == null) {
            return Optional.empty();
        }
        String url = config.get("GITHUB_SERVER_URL", "https://github.com").replaceAll("/+$", "") + "/" + payload.repo()
                + "/pull/" + payload.pr();
        JobDescription.Link pr = new JobDescription.Link("PR #" + payload.pr(), url);
        Optional<JobDescription.Made> made = result.filter(r -> Boolean.TRUE.equals(r.get("pushed")))
                .map(r -> r.get("commits") instanceof List<?> commits ? commits.size() : 0)
                .filter(n -> n > 0)
                .map(n -> new JobDescription.Made(n + (n == 1 ? " commit" : " commits") + " pushed", pr));
        return Optional.of(new JobDescription("Revising", pr, made));
    }

    /** The {@code repo=} filter finds the rounds of a repository's pull requests; {@code pr} names the pull request. */
    @Override
    public Map<String, String> labels(PullRequestRevisePayload payload) {
        Map<String, String> labels = new java.util.HashMap<>();
        if (payload.repo() != null) {
            labels.put("repo", payload.repo());
        }
        if (payload.pr() != null) {
            labels.put("pr", String.valueOf(payload.pr()));
        }
        return labels;
    }

    /** One round at a time per pull request: a second request waits and then finds what is left to do. */
    @Override
    public Optional<String> concurrencyKey(PullRequestRevisePayload payload) {
        return Optional.of(payload.pullRequestKey());
    }

    @Override
    public ReviseResult run(PullRequestRevisePayload payload, JobContext context) throws Exception {
        ReviseResult result = new ReviseRun(payload, context, IssueFixSettings.from(context.config()), drivers,
                mirrorLocks, processEnvironment, clock).run();
        if (!ReviseOutcome.valueOf(result.outcome().toUpperCase(java.util.Locale.ROOT)).completes()) {
            throw JobFailedException.permanent(result.outcome() + ": " + result.message(), result);
        }
        return result;
    }

    /** GitHub's own trouble (5xx, rate limits) and git's network trouble are worth another attempt. */
    @Override
    public boolean isRetryable(Throwable failure) {
        if (failure instanceof HttpException http) {
            int code = http.getResponseCode();
            return code >= 500 || code == 429 || code == -1;
        }
        return JobType.super.isRetryable(failure);
    }
}
