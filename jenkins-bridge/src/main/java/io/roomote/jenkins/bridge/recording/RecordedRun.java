package io.roomote.jenkins.bridge.recording;

import io.roomote.jenkins.bridge.step.FixStepPlan;
import io.roomote.jenkins.bridge.step.FixStepResult;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.roomote.core.store.Database;
import io.roomote.core.store.ExternalRunRepository;
import io.roomote.core.store.JobLogRepository;
import io.roomote.core.store.JobRepository;
import io.roomote.jobs.github.GitHubIssueFixJobType;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A run of the Jenkins step recorded in {@code cloud_jobs} (through core's {@link ExternalRunRepository}), so
 * that the standalone dashboard and API list Jenkins runs beside their own: inserted as {@code processing}
 * (attempt 1 of 1) with a lease that covers the job's deadline, then completed, failed or cancelled through
 * {@link JobRepository}'s fenced writes.
 *
 * <p>No queue worker ever claims it (only {@code pending} jobs are claimed). If Jenkins dies mid-run, a
 * standalone runner's reaper fails the row when the lease expires ("lease expired: runner jenkins:… stopped
 * renewing it"). The row takes the issue's dedupe key, so the standalone API answers {@code job_already_active}
 * while Jenkins works on that issue; if another job already holds the key, the run is recorded without it.
 * A cancel requested through the API is seen by {@link #cancelRequested()}, which the step polls.
 */
public final class RecordedRun {

    private final ExternalRunRepository runs;
    private final JobRepository jobs;
    private final JobLogRepository logs;
    private final long jobId;
    private final long token;
    private final Optional<Long> heldBy;

    private RecordedRun(Database database, ObjectMapper mapper, long jobId, long token, Optional<Long> heldBy) {
        this.runs = new ExternalRunRepository(database, mapper);
        this.jobs = new JobRepository(database, mapper);
        this.logs = new JobLogRepository(database);
        this.jobId = jobId;
        this.token = token;
        this.heldBy = heldBy;
    }

    /**
     * Inserts the run as processing.
     *
     * @param owner    shown as the job's worker, e.g. {@code jenkins:https://ci.example.com/job/fix/12/}
     * @param leaseFor the job's deadline plus its grace: after that, a standalone reaper may fail the row
     */
    public static RecordedRun begin(Database database, ObjectMapper mapper, FixStepPlan plan, String owner, Duration leaseFor) {
        ExternalRunRepository.Begun run = new ExternalRunRepository(database, mapper).begin(GitHubIssueFixJobType.ID,
                mapper.valueToTree(plan.payload()), GitHubIssueFixJobType.labelsOf(plan.repo(), plan.issue()),
                plan.dedupeKey(), owner, leaseFor);
        return new RecordedRun(database, mapper, run.jobId(), run.token(), run.heldBy());
    }

    /** A run begun before (e.g. by a Jenkins controller that restarted since), to finish it. */
    public static RecordedRun resume(Database database, ObjectMapper mapper, long jobId, long token) {
        return new RecordedRun(database, mapper, jobId, token, Optional.empty());
    }

    /** The fencing token of the row's lease; keep it with {@link #jobId()} to {@link #resume} the run. */
    public long token() {
        return token;
    }

    /** The row's id: the job id the dashboard shows, and the one in the fix branch and WIP branch names. */
    public long jobId() {
        return jobId;
    }

    /** The active job that already held the issue's dedupe key when this run began, if any. */
    public Optional<Long> heldBy() {
        return heldBy;
    }

    /** Stores one line in the job's log ({@code cloud_job_logs}). */
    public void log(String level, String line) {
        logs.append(List.of(new JobLogRepository.Entry(jobId, 1, level, line, Instant.now())));
    }

    /** True once someone asked the standalone API to cancel this job. */
    public boolean cancelRequested() {
        return runs.cancelRequested(jobId);
    }

    /** Records how the run ended; false when the row was already settled (e.g. by a reaper after a long outage). */
    public boolean finish(FixStepResult result, ObjectMapper mapper) {
        com.fasterxml.jackson.databind.JsonNode json = mapper.valueToTree(result);
        log(FixStepResult.COMPLETED.equals(result.status()) ? "INFO" : "ERROR", result.summary());
        return switch (result.status()) {
            // The pull request is what a fix job made (FixJobDescription's link), as a queue worker would store it.
            case FixStepResult.COMPLETED -> jobs.complete(jobId, token, json, result.hasPullRequest() ? result.prUrl() : null);
            case FixStepResult.CANCELLED -> jobs.cancelled(jobId, token,
                    result.error() == null ? "cancelled" : result.error(), json);
            default -> jobs.fail(jobId, token, result.error() == null ? "failed" : result.error(), json);
        };
    }
}
