package io.roomote.jenkins;

import edu.umd.cs.findbugs.annotations.CheckForNull;
import hudson.model.Run;
import io.roomote.jenkins.bridge.step.FixStepResult;
import io.roomote.jenkins.bridge.step.PullRequestUrl;
import jenkins.model.RunAction2;

import java.util.Locale;

/**
 * One {@code roomoteFix} call of a build: the pull request in the sidebar (the link goes straight to GitHub)
 * and in the build's summary ({@code summary.jelly}), with outcome, branch, saved work and cost — so the
 * build history is the job history. A build that calls the step several times has one action per call.
 */
public class RoomoteBuildAction implements RunAction2 {

    private final long jobId;
    private final String repo;
    private final int issue;
    private final String status;
    private final String outcome;
    private final String prUrl;
    private final Integer prNumber;
    private final String branch;
    private final String wipBranch;
    private final String agent;
    private final String model;
    private final Double costUsd;
    private final Long durationMs;
    private final String error;
    private final boolean recorded;
    private transient Run<?, ?> run;

    public RoomoteBuildAction(FixStepResult r, boolean recorded) {
        this.jobId = r.jobId();
        this.repo = r.repo();
        this.issue = r.issue();
        this.status = r.status();
        this.outcome = r.outcome();
        this.prUrl = r.prUrl();
        this.prNumber = r.prNumber();
        this.branch = r.branch();
        this.wipBranch = r.wipBranch();
        this.agent = r.agent();
        this.model = r.model();
        this.costUsd = r.costUsd();
        this.durationMs = r.durationMs();
        this.error = r.error();
        this.recorded = recorded;
    }

    /** The sidebar link: to the pull request when there is one, else none. */
    @Override
    @CheckForNull
    public String getIconFileName() {
        return getPrUrl() == null ? null : "symbol-code-working";
    }

    @Override
    public String getDisplayName() {
        return getPrUrl() == null ? Messages.RoomoteBuildAction_NoPullRequest()
                : Messages.RoomoteBuildAction_PullRequest(prNumber == null ? "" : "#" + prNumber, repo);
    }

    @Override
    @CheckForNull
    public String getUrlName() {
        return getPrUrl();
    }

    @Override
    public void onAttached(Run<?, ?> r) {
        this.run = r;
    }

    @Override
    public void onLoad(Run<?, ?> r) {
        this.run = r;
    }

    public Run<?, ?> getRun() {
        return run;
    }

    public long getJobId() {
        return jobId;
    }

    public String getRepo() {
        return repo;
    }

    public int getIssue() {
        return issue;
    }

    public String getStatus() {
        return status;
    }

    public String getOutcome() {
        return outcome;
    }

    /**
     * The pull request's URL, only when it is an {@code https://} URL under the configured GitHub server
     * (jenkins-bridge's {@link PullRequestUrl}). Core's {@code Functions.getActionUrl} returns an action's absolute
     * URL unchanged into the sidebar link, and {@code summary.jelly} puts it into an {@code href} — escaping does
     * not neutralise a {@code javascript:} URL. The step already drops such a URL when it reads the result; this
     * check also covers actions stored by older versions or edited on disk.
     */
    @CheckForNull
    public String getPrUrl() {
        return prUrl == null ? null : PullRequestUrl.accept(prUrl, RoomoteGlobalConfiguration.get().getGithubServerUrl()).orElse(null);
    }

    public Integer getPrNumber() {
        return prNumber;
    }

    public String getBranch() {
        return branch;
    }

    public String getWipBranch() {
        return wipBranch;
    }

    public String getAgent() {
        return agent;
    }

    public String getModel() {
        return model;
    }

    public Double getCostUsd() {
        return costUsd;
    }

    public boolean isRecorded() {
        return recorded;
    }

    public String getError() {
        return error;
    }

    /** {@code $0.42}, or null when the agent reported no cost. */
    @CheckForNull
    public String getCostText() {
        return costUsd == null ? null : String.format(Locale.ROOT, "$%.2f", costUsd);
    }

    /** {@code 3 min 12 s}, or null. */
    @CheckForNull
    public String getDurationText() {
        if (durationMs == null) {
            return null;
        }
        long s = durationMs / 1000;
        return s >= 60 ? (s / 60) + " min " + (s % 60) + " s" : s + " s";
    }

    public boolean isSuccess() {
        return getPrUrl() != null;
    }
}
