package io.roomote.jobs.github.webhook;

import io.roomote.jobs.github.revise.RevisionRounds;

import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * What the webhook asks GitHub before it starts a review round: the pull request (is it Roomote's, is it open)
 * and its conversation comments (how many rounds it has had). Each is one bounded request; the runner wires
 * it with the fix module's {@code GitHubApi} and credentials ({@link GitHubPullRequestLookup}).
 */
public interface PullRequestLookup {

    /**
     * What the webhook needs of a pull request. {@code headRepo}: {@code owner/name} of the head branch's
     * repository (null when GitHub does not say, e.g. a deleted fork).
     */
    record PullRequest(int number, String body, String author, String headRef, String headRepo, boolean open) {
    }

    /** The pull request, or empty when it does not exist. */
    Optional<PullRequest> pullRequest(String repo, int number) throws IOException;

    /** The pull request's conversation comments, oldest first, at most {@link #MAX_COMMENTS}. */
    List<RevisionRounds.Comment> comments(String repo, int number) throws IOException;

    /** A bound on what one webhook delivery reads; Roomote's round replies are few and the job recounts anyway. */
    int MAX_COMMENTS = 300;
}
