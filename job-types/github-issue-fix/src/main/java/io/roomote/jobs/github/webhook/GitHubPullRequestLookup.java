package io.roomote.jobs.github.webhook;

import io.roomote.jobs.github.GitHubApi;
import io.roomote.jobs.github.GitHubCredentials;
import io.roomote.jobs.github.revise.RevisionRounds;

import java.io.IOException;
import java.util.List;
import java.util.Optional;

/** {@link PullRequestLookup} through GitHub's REST API, with a token for the repository asked about. */
public final class GitHubPullRequestLookup implements PullRequestLookup {

    private final String apiUrl;
    private final GitHubCredentials credentials;

    public GitHubPullRequestLookup(String apiUrl, GitHubCredentials credentials) {
        this.apiUrl = apiUrl;
        this.credentials = credentials;
    }

    @Override
    public Optional<PullRequest> pullRequest(String repo, int number) throws IOException {
        return api(repo).pullRequestForReview(repo, number);
    }

    @Override
    public List<RevisionRounds.Comment> comments(String repo, int number) throws IOException {
        return api(repo).conversation(repo, number, MAX_COMMENTS);
    }

    private GitHubApi api(String repo) throws IOException {
        return new GitHubApi(apiUrl, () -> credentials.tokenFor(repo).value());
    }
}
