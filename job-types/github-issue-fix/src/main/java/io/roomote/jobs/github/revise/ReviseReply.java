package io.roomote.jobs.github.revise;

import io.roomote.agents.AgentUsage;
import io.roomote.jobs.github.PullRequestBody;
import io.roomote.jobs.github.webhook.WebhookEvents;

import java.util.List;
import java.util.Optional;

/**
 * Roomote's comments on a pull request it revises: the reply that ends each round (what changed — the commits
 * and files — or why nothing did, in the agent's words made harmless, tokens and cost, the job's page; the round
 * marker and what was addressed, hidden) and the one comment that hands the PR back once the rounds are used up.
 */
final class ReviseReply {

    static final int MAX_COMMITS = 20;
    static final int MAX_FILES = 30;

    private ReviseReply() {
    }

    /**
     * @param outcome  how the round ended
     * @param why      one line for an outcome without new commits (what went wrong), else null
     */
    static String render(long jobId, int round, int maxRounds, ReviseOutcome outcome, String why, String branch,
                         List<ReviewFeedback.Item> addressed, List<ReviseResult.Commit> commits, List<String> files,
                         String agentName, String agentMessage, AgentUsage usage, Optional<String> jobPage) {
        StringBuilder b = new StringBuilder();
        b.append("**Roomote review round ").append(round).append(" of ").append(maxRounds).append("**: ")
                .append(headline(outcome, commits.size(), branch)).append("\n\n");
        if (why != null) {
            b.append(PullRequestBody.neutralise(why)).append("\n\n");
        }
        if (!addressed.isEmpty()) {
            b.append("Feedback taken up:\n");
            for (ReviewFeedback.Item i : addressed) {
                String what = switch (i.kind()) {
                    case "review" -> "review";
                    case "review_comment" -> "review comment";
                    case "check_run" -> "failing check";
                    default -> "comment";
                };
                b.append("- ").append(i.url() != null ? "[" + what + "](" + i.url() + ")" : what);
                if (i.author() != null) {
                    b.append(" by @").append(i.author());
                }
                if (i.path() != null) {
                    b.append(" on `").append(code(i.path())).append(i.line() == null ? "" : ":" + i.line()).append('`');
                }
                b.append('\n');
            }
            b.append('\n');
        }
        if (!commits.isEmpty()) {
            b.append("Commits:\n");
            commits.stream().limit(MAX_COMMITS).forEach(c -> b.append("- `").append(c.sha(), 0, Math.min(7, c.sha().length()))
                    .append("` ").append(PullRequestBody.neutralise(c.subject())).append('\n'));
            if (commits.size() > MAX_COMMITS) {
                b.append("- … and ").append(commits.size() - MAX_COMMITS).append(" more\n");
            }
            b.append("\nFiles changed (").append(files.size()).append("):\n");
            files.stream().limit(MAX_FILES).forEach(f -> b.append("- `").append(code(f)).append("`\n"));
            if (files.size() > MAX_FILES) {
                b.append("- … and ").append(files.size() - MAX_FILES).append(" more\n");
            }
            b.append('\n');
        }
        List<String> summary = PullRequestBody.summary(agentMessage);
        if (!summary.isEmpty()) {
            b.append("In the agent's words:\n\n");
            summary.forEach(line -> b.append("> ").append(line).append('\n'));
            b.append('\n');
        }
        b.append(PullRequestBody.cost(usage)).append("\n\n");
        b.append("Roomote job ").append(jobId).append(" (agent ").append(agentName).append(")")
                .append(jobPage.map(url -> ": " + url).orElse(".")).append('\n');
        b.append(RevisionRounds.roundMarker(jobId, round)).append('\n');
        b.append(ReviewFeedback.addressedMarker(addressed)).append('\n');
        return b.toString();
    }

    private static String headline(ReviseOutcome outcome, int commits, String branch) {
        return switch (outcome) {
            case REVISED -> commits + " new commit" + (commits == 1 ? "" : "s") + " pushed to `" + code(branch) + "`.";
            case NO_CHANGES -> "the agent changed nothing.";
            case HISTORY_REWRITTEN -> "nothing was pushed: the agent rewrote the branch's history.";
            case PUSH_REJECTED -> "nothing was pushed: the branch moved on GitHub meanwhile.";
            case PUSH_FAILED -> "nothing was pushed: the push failed.";
            case BUDGET_EXCEEDED -> "the round's model budget was used up before the agent finished.";
            case TIMED_OUT -> "the round timed out.";
            case CANCELLED -> "the round was cancelled.";
            case SETUP_FAILED -> "the repository's setup step failed, so the agent did not start.";
            default -> "the agent did not finish.";
        };
    }

    /** The comment that hands the pull request back to people: once, when the rounds are used up. */
    static String handBack(int maxRounds, String mention, Optional<String> jobPage, long jobId) {
        return "**Roomote**: this pull request has had its " + maxRounds + " review round" + (maxRounds == 1 ? "" : "s")
                + " (ROOMOTE_MAX_REVISIONS=" + maxRounds + "), so it is back with people now: further "
                + mention.replace("@", "@\u200B") + " requests here start no agent. Please take it from here.\n\n"
                + "Roomote job " + jobId + jobPage.map(url -> ": " + url).orElse(".") + "\n"
                + WebhookEvents.OWN_COMMENT_MARKER + "\n" + RevisionRounds.LIMIT_MARKER + "\n";
    }

    private static String code(String s) {
        return PullRequestBody.neutralise(s).replace('`', '\'');
    }
}
