package io.roomote.jobs.github;

import io.roomote.core.agent.AgentDrivers;
import io.roomote.core.git.MirrorLocks;
import io.roomote.spi.JobContext;
import io.roomote.spi.JobType;
import io.roomote.spi.ValidationProblem;
import org.kohsuke.github.HttpException;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * {@code github.issue.fix}: an AI coding agent studies a GitHub issue in a fresh working copy, changes the
 * code, pushes a branch and opens a pull request; Roomote then checks on the host and on GitHub what really
 * happened (see {@link FixRun}).
 */
public final class GitHubIssueFixJobType implements JobType<IssueFixPayload, IssueFixResult> {

    public static final String ID = "github.issue.fix";

    private static final Pattern REPO = Pattern.compile("[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}");
    static final int MAX_TITLE = 1_000;
    static final int MAX_BODY = 200_000;

    private final AgentDrivers drivers;
    private final Map<String, String> processEnvironment;
    /** Shared by all jobs of this type, hence of this process: the job type is one instance per runner. */
    private final MirrorLocks mirrorLocks = new MirrorLocks();

    /** As found by ServiceLoader: the agent drivers on the class path and this process's environment. */
    public GitHubIssueFixJobType() {
        this(AgentDrivers.discover(GitHubIssueFixJobType.class.getClassLoader()), System.getenv());
    }

    public GitHubIssueFixJobType(AgentDrivers drivers, Map<String, String> processEnvironment) {
        this.drivers = drivers;
        this.processEnvironment = Map.copyOf(processEnvironment);
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
    public List<ValidationProblem> validate(IssueFixPayload p) {
        List<ValidationProblem> problems = new ArrayList<>();
        if (p.repo() == null || p.repo().isBlank()) {
            problems.add(new ValidationProblem("repo", "is required, as \"owner/name\""));
        } else if (!REPO.matcher(p.repo()).matches() || p.repo().contains("..")) {
            problems.add(new ValidationProblem("repo", "must be a GitHub repository as \"owner/name\", got \"" + p.repo() + "\""));
        }
        if (p.issue() == null) {
            problems.add(new ValidationProblem("issue", "is required: the issue number"));
        } else if (p.issue() < 1) {
            problems.add(new ValidationProblem("issue", "must be a positive issue number, got " + p.issue()));
        }
        if (p.title() != null && p.title().length() > MAX_TITLE) {
            problems.add(new ValidationProblem("title", "must be at most " + MAX_TITLE + " characters"));
        }
        if (p.body() != null && p.body().length() > MAX_BODY) {
            problems.add(new ValidationProblem("body", "must be at most " + MAX_BODY + " characters"));
        }
        if (p.labels() != null) {
            for (int i = 0; i < p.labels().size(); i++) {
                String label = p.labels().get(i);
                if (label == null || label.isBlank()) {
                    problems.add(new ValidationProblem("labels[" + i + "]", "must be a non-empty string"));
                }
            }
        }
        if (p.agent() != null && drivers.find(p.agent()).isEmpty()) {
            problems.add(new ValidationProblem("agent", "unknown agent \"" + p.agent() + "\"; known agents: "
                    + String.join(", ", drivers.names())));
        }
        if (p.model() != null && p.model().isBlank()) {
            problems.add(new ValidationProblem("model", "must not be empty; leave it out for the default model"));
        }
        return problems;
    }

    /** One active fix job per issue. */
    @Override
    public Optional<String> dedupeKey(IssueFixPayload p) {
        return Optional.of(p.repo().toLowerCase(Locale.ROOT) + "#" + p.issue());
    }

    @Override
    public IssueFixResult run(IssueFixPayload payload, JobContext context) throws Exception {
        return new FixRun(payload, context, IssueFixSettings.from(context.config()), drivers, mirrorLocks,
                processEnvironment).run();
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
