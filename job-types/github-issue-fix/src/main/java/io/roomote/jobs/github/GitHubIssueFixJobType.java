package io.roomote.jobs.github;

import io.roomote.agents.AgentDrivers;
import io.roomote.jobs.github.git.MirrorLocks;
import io.roomote.spi.Configuration;
import io.roomote.spi.JobContext;
import io.roomote.spi.JobDescription;
import io.roomote.spi.JobType;
import io.roomote.spi.ValidationProblem;
import org.kohsuke.github.HttpException;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * {@code github.issue.fix}: an AI coding agent studies a GitHub issue in a fresh working copy, changes the
 * code, pushes a branch and opens a pull request; Roomote then checks on the host and on GitHub what really
 * happened (see {@link FixRun}).
 */
public final class GitHubIssueFixJobType implements JobType<IssueFixPayload, IssueFixResult> {

    public static final String ID = "github.issue.fix";

    /** GitHub's own limits for an issue's title and body (characters). */
    static final int MAX_TITLE = 256;
    static final int MAX_BODY = 65_536;
    /** GitHub's limits for a label's name and the labels of one issue. */
    static final int MAX_LABEL = 50;
    static final int MAX_LABELS = 100;

    private final AgentDrivers drivers;
    private final Map<String, String> processEnvironment;
    /** Shared by all jobs of this type, hence of this process: the job type is one instance per runner. */
    private final MirrorLocks mirrorLocks = new MirrorLocks();
    private final FixReadiness readiness;
    private final Clock clock;
    private final Duration agentTokenCheck;
    /** Well inside the refresh margin (5 minutes): the agent's file holds a token with minutes left. */
    public static final Duration AGENT_TOKEN_CHECK = Duration.ofSeconds(30);

    /** As found by ServiceLoader: the agent drivers on the class path and this process's environment. */
    public GitHubIssueFixJobType() {
        this(AgentDrivers.discover(GitHubIssueFixJobType.class.getClassLoader()), System.getenv());
    }

    public GitHubIssueFixJobType(AgentDrivers drivers, Map<String, String> processEnvironment) {
        this(drivers, processEnvironment, Clock.systemUTC(), AGENT_TOKEN_CHECK);
    }

    /**
     * @param clock           decides when a job's GitHub App token is old enough to be replaced
     * @param agentTokenCheck how often the token file of an agent that pushes itself is looked at
     */
    GitHubIssueFixJobType(AgentDrivers drivers, Map<String, String> processEnvironment, Clock clock,
                          Duration agentTokenCheck) {
        this.clock = clock;
        this.agentTokenCheck = agentTokenCheck;
        this.drivers = drivers;
        this.processEnvironment = Map.copyOf(processEnvironment);
        this.readiness = new FixReadiness(drivers, this.processEnvironment);
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public Class<IssueFixPayload> payloadType() {
        return IssueFixPayload.class;
    }

    @Override
    public Optional<JobDescription> describe(IssueFixPayload payload, Optional<Map<String, Object>> result, Configuration config) {
        if (payload.repo() == null || payload.issue() == null) {
            return Optional.empty();
        }
        return Optional.of(FixJobDescription.of(config.get("GITHUB_SERVER_URL", "https://github.com").replaceAll("/+$", ""),
                payload.repo(), payload.issue(), result));
    }

    @Override
    public Optional<String> agent(IssueFixPayload payload, Configuration config) {
        return Optional.of(payload.agent() != null ? payload.agent() : IssueFixSettings.defaultAgent(config));
    }

    @Override
    public List<ValidationProblem> validate(IssueFixPayload p) {
        List<ValidationProblem> problems = new ArrayList<>();
        if (p.repo() == null || p.repo().isBlank()) {
            problems.add(new ValidationProblem("repo", "is required, as \"owner/name\""));
        } else {
            GitHubNames.repoProblem(p.repo()).ifPresent(why -> problems.add(new ValidationProblem("repo",
                    why + ", got \"" + abbreviate(p.repo()) + "\"")));
        }
        if (p.issue() == null) {
            problems.add(new ValidationProblem("issue", "is required: the issue number"));
        } else if (p.issue() < 1) {
            problems.add(new ValidationProblem("issue", "must be a positive issue number, got " + p.issue()));
        }
        if (p.title() != null && characters(p.title()) > MAX_TITLE) {
            problems.add(new ValidationProblem("title", "must be at most " + MAX_TITLE + " characters (GitHub's limit)"));
        }
        if (p.body() != null && characters(p.body()) > MAX_BODY) {
            problems.add(new ValidationProblem("body", "must be at most " + MAX_BODY + " characters (GitHub's limit)"));
        }
        if (p.labels() != null) {
            if (p.labels().size() > MAX_LABELS) {
                problems.add(new ValidationProblem("labels", "must be at most " + MAX_LABELS + " labels"));
            }
            for (int i = 0; i < Math.min(p.labels().size(), MAX_LABELS + 1); i++) {
                String label = p.labels().get(i);
                if (label == null || label.isBlank()) {
                    problems.add(new ValidationProblem("labels[" + i + "]", "must be a non-empty string"));
                } else if (characters(label) > MAX_LABEL) {
                    problems.add(new ValidationProblem("labels[" + i + "]", "must be at most " + MAX_LABEL
                            + " characters (GitHub's limit for a label)"));
                }
            }
        }
        problems.addAll(AgentChoice.problems(drivers, p.agent(), p.model(), p.maxCostUsd(), p.maxTokens()));
        return problems;
    }

    private static int characters(String s) {
        return s.codePointCount(0, s.length());
    }

    private static String abbreviate(String s) {
        return s.length() <= 150 ? s : s.substring(0, 150) + "…";
    }

    /** The GitHub token, and the key or setting each agent needs (the default agent's refuses every job). */
    @Override
    public List<String> missingConfiguration(Configuration config) {
        return readiness.missing(config);
    }

    /** A job without a token, or whose agent lacks its key, would fail after the clone: refused at enqueue. */
    @Override
    public List<ValidationProblem> configurationProblems(IssueFixPayload payload, Configuration config) {
        return readiness.problems(payload, config);
    }

    /** The API's and dashboard's {@code repo=} and {@code issue=} filters find the job by these. */
    @Override
    public Map<String, String> labels(IssueFixPayload p) {
        return labelsOf(p.repo(), p.issue());
    }

    /** The labels of a fix job for {@code repo}#{@code issue}: also those of a Jenkins step's recorded run. */
    public static Map<String, String> labelsOf(String repo, Integer issue) {
        Map<String, String> labels = new java.util.HashMap<>();
        if (repo != null) {
            labels.put("repo", repo);
        }
        if (issue != null) {
            labels.put("issue", String.valueOf(issue));
        }
        return labels;
    }

    /** One active fix job per issue. */
    @Override
    public Optional<String> dedupeKey(IssueFixPayload p) {
        return Optional.of(p.repo().toLowerCase(Locale.ROOT) + "#" + p.issue());
    }

    @Override
    public IssueFixResult run(IssueFixPayload payload, JobContext context) throws Exception {
        return new FixRun(payload, context, IssueFixSettings.from(context.config()), drivers, mirrorLocks,
                processEnvironment, clock, agentTokenCheck).run();
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
