package io.roomote.jobs.github.revise;

/**
 * The payload of {@code github.pr.revise}: one review round on a pull request Roomote opened.
 *
 * @param repo        {@code owner/name}
 * @param pr          the pull request's number
 * @param trigger     what asked for the round: {@code review}, {@code review_comment}, {@code comment},
 *                    {@code check_run}, {@code check_suite} or {@code manual}
 * @param triggerId   GitHub's id of the review, comment or check run that asked (null for {@code manual})
 * @param requestedBy GitHub login of who asked (null for checks and {@code manual})
 * @param agent       the agent to use; null for the runner's {@code ROOMOTE_AGENT}
 * @param model       the model to use; null for the agent's default
 * @param maxCostUsd  a lower model budget for this round than {@code ROOMOTE_MAX_COST_USD} (never higher)
 * @param maxTokens   a lower token budget for this round than {@code ROOMOTE_MAX_TOKENS} (never higher)
 */
public record PullRequestRevisePayload(String repo, Integer pr, String trigger, Long triggerId, String requestedBy,
                                       String agent, String model, Double maxCostUsd, Long maxTokens) {

    public static final String TYPE = "github.pr.revise";

    public PullRequestRevisePayload(String repo, Integer pr, String trigger, Long triggerId, String requestedBy) {
        this(repo, pr, trigger, triggerId, requestedBy, null, null, null, null);
    }

    /** One revise round runs at a time per pull request: the job type's concurrency key. */
    public String pullRequestKey() {
        return repo.toLowerCase(java.util.Locale.ROOT) + "#" + pr;
    }
}
