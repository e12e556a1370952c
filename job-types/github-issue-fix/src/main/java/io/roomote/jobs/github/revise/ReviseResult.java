package io.roomote.jobs.github.revise;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;

/**
 * The stored result of one review round; absent values are left out of the JSON and nothing secret is in it.
 *
 * @param outcome           {@link ReviseOutcome#value()}: {@code revised}, {@code no_changes}, {@code nothing_to_do}, …
 * @param round             the round this job was (1-based); null when it used none
 * @param maxRounds         {@code ROOMOTE_MAX_REVISIONS} when the job ran
 * @param fixJobId          the {@code github.issue.fix} job that opened the PR (from its marker)
 * @param commentsAddressed the reviews, comments and checks given to the agent
 * @param commits           the new commits on the PR's branch, oldest first
 * @param pushed            whether they are on the remote branch now; {@code pushedBy} {@code roomote} or {@code agent}
 * @param replyUrl          Roomote's reply on the PR ({@code replyId} its comment id)
 * @param message           what happened, in one line (the skip reason, why nothing was pushed, …)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ReviseResult(
        String repo,
        int pr,
        String outcome,
        Integer round,
        int maxRounds,
        String prUrl,
        Long fixJobId,
        String branch,
        String trigger,
        List<Addressed> commentsAddressed,
        List<Commit> commits,
        List<String> files,
        Boolean pushed,
        String pushedBy,
        String wipBranch,
        String replyUrl,
        Long replyId,
        String agent,
        String model,
        Long tokensIn,
        Long tokensOut,
        Double costUsd,
        long durationMs,
        String agentStatus,
        String message) {

    /** One thing given to the agent: {@code kind} is {@code review}, {@code review_comment}, {@code comment} or {@code check_run}. */
    public record Addressed(String kind, long id) {
    }

    /** A commit of the round: full sha and subject line. */
    public record Commit(String sha, String subject) {
    }
}
