package io.roomote.jobs.github;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The stored result: the original's {@code {repo, issue, result}} and everything a user needs to trust it.
 * Absent values are left out of the JSON. {@code title} is the issue's title as the job saw it (from the payload, else
 * from GitHub at pre-flight), so a job enqueued as {@code {repo, issue}} has one to show; {@code outcome} is the
 * generic field the dashboard reads ({@code skipped}, {@code no_changes}, {@code timed_out}, ...).
 * {@code prDraft}: whether the pull request Roomote opened is still a draft (absent when Roomote did not open it);
 * {@code reviewersRequested}: who Roomote asked to review it.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record IssueFixResult(
        String repo,
        int issue,
        String title,
        String result,
        String outcome,
        String prUrl,
        Integer prNumber,
        String branch,
        Integer commits,
        String agent,
        String model,
        Long tokensIn,
        Long tokensOut,
        Double costUsd,
        long durationMs,
        String agentStatus,
        String agentMessage,
        String pushedBy,
        String prOpenedBy,
        String wipBranch,
        String reason,
        Boolean prDraft,
        java.util.List<String> reviewersRequested) {
}
