package io.roomote.jobs.github.webhook;

import io.roomote.jobs.github.GitHubApi;
import io.roomote.jobs.github.revise.RevisionRounds;

import java.io.IOException;
import java.util.Locale;
import java.util.Optional;

/**
 * The checks a review round needs GitHub for, after {@link WebhookEvents} applied the policy: the pull request is
 * Roomote's (its body carries {@link GitHubApi#MARKER}, its head branch is in the repository itself and, for a
 * check, is the branch the check ran on), it is open, and it has rounds left ({@link RevisionRounds}, counting
 * only replies by the pull request's author, the account Roomote opened it with). At most one request for the
 * pull request per candidate (none when the event carried it) and one for its comments.
 */
public final class ReviseTrigger {

    /** What became of a request for a round. */
    public sealed interface Verdict {
        /** Start the round on pull request {@code pr}. */
        record Accepted(int pr) implements Verdict {
        }

        /** No round; {@code reason} is recorded with the delivery. */
        record Refused(String reason) implements Verdict {
        }
    }

    /** GitHub could not be asked; nothing was decided. */
    public static final class GitHubUnavailable extends RuntimeException {
        private static final long serialVersionUID = 1L;

        GitHubUnavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final Optional<PullRequestLookup> github;
    private final int maxRounds;

    /** @param maxRounds {@code ROOMOTE_MAX_REVISIONS} ({@link RevisionRounds#max}) */
    public ReviseTrigger(Optional<PullRequestLookup> github, int maxRounds) {
        this.github = github;
        this.maxRounds = maxRounds;
    }

    public Verdict check(WebhookDecision.RevisePullRequest request) {
        if (maxRounds == 0) {
            return new Verdict.Refused("review rounds are off (" + RevisionRounds.SETTING + "=0)");
        }
        if (github.isEmpty()) {
            return new Verdict.Refused("no GitHub credentials to check the pull request with (set GH_TOKEN or a GitHub App)");
        }
        String repo = request.repo();
        String refusal = null;
        for (WebhookDecision.PullRequestRef ref : request.pullRequests()) {
            PullRequestLookup.PullRequest pr;
            try {
                pr = ref.body() != null
                        ? new PullRequestLookup.PullRequest(ref.number(), ref.body(), ref.author(), null, ref.headRepo(),
                                !Boolean.FALSE.equals(ref.open()))
                        : github.get().pullRequest(repo, ref.number()).orElse(null);
            } catch (IOException e) {
                throw unavailable("could not read pull request " + repo + "#" + ref.number(), e);
            }
            refusal = notRoomotes(repo, ref, pr);
            if (refusal != null) {
                continue;
            }
            int done;
            try {
                done = RevisionRounds.roundsDone(github.get().comments(repo, ref.number()), pr.author());
            } catch (IOException e) {
                throw unavailable("could not read the comments of pull request " + repo + "#" + ref.number(), e);
            }
            if (done >= maxRounds) {
                return new Verdict.Refused("pull request " + repo + "#" + ref.number() + " has had " + done
                        + " review round(s), the most " + RevisionRounds.SETTING + " allows (" + maxRounds + ")");
            }
            return new Verdict.Accepted(ref.number());
        }
        return new Verdict.Refused(refusal);
    }

    /** Why {@code pr} is not one Roomote may revise for this event; null when it is. */
    private static String notRoomotes(String repo, WebhookDecision.PullRequestRef ref, PullRequestLookup.PullRequest pr) {
        String name = "pull request " + repo + "#" + ref.number();
        if (pr == null) {
            return name + " does not exist";
        }
        if (pr.body() == null || !GitHubApi.MARKER.matcher(pr.body()).find()) {
            return name + " was not opened by Roomote (no Roomote marker in its description)";
        }
        if (pr.headRepo() != null && !pr.headRepo().toLowerCase(Locale.ROOT).equals(repo.toLowerCase(Locale.ROOT))) {
            return name + " comes from another repository (" + pr.headRepo() + ")";
        }
        if (ref.headRef() != null && !ref.headRef().equals(pr.headRef())) {
            return name + " has head " + pr.headRef() + ", not the checked branch " + ref.headRef();
        }
        if (!pr.open()) {
            return name + " is closed";
        }
        return null;
    }

    private static GitHubUnavailable unavailable(String what, IOException e) {
        // The message of a GitHub client error names the URL and status, never the token.
        return new GitHubUnavailable(what + ": " + e.getClass().getSimpleName() + ": " + e.getMessage(), e);
    }
}
