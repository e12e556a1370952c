package io.roomote.jobs.github;

import org.kohsuke.github.GHFileNotFoundException;
import org.kohsuke.github.GHIssue;
import org.kohsuke.github.GHIssueState;
import org.kohsuke.github.GHLabel;
import org.kohsuke.github.GHPullRequest;
import org.kohsuke.github.GHRepository;
import org.kohsuke.github.GitHub;
import org.kohsuke.github.GitHubBuilder;

import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/** The few GitHub REST calls a fix job makes, through {@code org.kohsuke:github-api}. */
public final class GitHubApi {

    /** What Roomote needs of an issue. */
    public record IssueInfo(int number, String title, String body, List<String> labels, boolean open, boolean pullRequest) {
    }

    /** What Roomote needs of a pull request. */
    public record PullRequestInfo(int number, String url, String headRef) {
    }

    private final GitHub github;

    public GitHubApi(String apiUrl, String token) throws IOException {
        this.github = new GitHubBuilder().withEndpoint(apiUrl).withOAuthToken(token).build();
    }

    /** The issue, or empty when it does not exist. */
    public Optional<IssueInfo> issue(String repo, int number) throws IOException {
        try {
            GHIssue issue = repository(repo).getIssue(number);
            return Optional.of(new IssueInfo(issue.getNumber(), issue.getTitle(), issue.getBody(),
                    issue.getLabels().stream().map(GHLabel::getName).toList(),
                    issue.getState() == GHIssueState.OPEN, issue.isPullRequest()));
        } catch (GHFileNotFoundException e) {
            return Optional.empty();
        }
    }

    public String defaultBranch(String repo) throws IOException {
        return repository(repo).getDefaultBranch();
    }

    /** The open pull request whose head is {@code branch} of the same repository. */
    public Optional<PullRequestInfo> openPullRequest(String repo, String branch) throws IOException {
        GHRepository r = repository(repo);
        String owner = repo.substring(0, repo.indexOf('/'));
        for (GHPullRequest pr : r.queryPullRequests().state(GHIssueState.OPEN).head(owner + ":" + branch).list()
                .withPageSize(10).toList()) {
            if (branch.equals(pr.getHead().getRef())) {
                return Optional.of(info(pr));
            }
        }
        return Optional.empty();
    }

    /**
     * An open pull request that Roomote opened for this issue before: head branch {@code fix-<issue>} or
     * {@code fix-<issue>-<job>}, referring to the issue in its title or body. Looks at the newest 300.
     */
    public Optional<PullRequestInfo> openRoomotePullRequest(String repo, int issue) throws IOException {
        Pattern head = Pattern.compile("fix-" + issue + "(-\\d+)?");
        Pattern reference = Pattern.compile("#" + issue + "\\b");
        int seen = 0;
        for (GHPullRequest pr : repository(repo).queryPullRequests().state(GHIssueState.OPEN).list().withPageSize(100)) {
            if (++seen > 300) {
                break;
            }
            String text = pr.getTitle() + "\n" + (pr.getBody() == null ? "" : pr.getBody());
            if (head.matcher(pr.getHead().getRef()).matches() && reference.matcher(text).find()) {
                return Optional.of(info(pr));
            }
        }
        return Optional.empty();
    }

    public PullRequestInfo createPullRequest(String repo, String head, String base, String title, String body) throws IOException {
        return info(repository(repo).createPullRequest(title, head, base, body));
    }

    /** Posts a comment on an issue; returns its id. */
    public long comment(String repo, int issue, String body) throws IOException {
        return repository(repo).getIssue(issue).comment(body).getId();
    }

    /** Replaces the text of a comment on an issue; false when the comment is gone. */
    public boolean updateComment(String repo, int issue, long commentId, String body) throws IOException {
        for (org.kohsuke.github.GHIssueComment c : repository(repo).getIssue(issue).listComments().withPageSize(100)) {
            if (c.getId() == commentId) {
                c.update(body);
                return true;
            }
        }
        return false;
    }

    private GHRepository repository(String repo) throws IOException {
        return github.getRepository(repo);
    }

    private static PullRequestInfo info(GHPullRequest pr) {
        return new PullRequestInfo(pr.getNumber(), pr.getHtmlUrl().toString(), pr.getHead().getRef());
    }
}
