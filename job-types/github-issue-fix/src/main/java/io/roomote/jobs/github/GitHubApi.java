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

    /** What Roomote needs of a pull request; {@code author} is the login of whoever opened it. */
    public record PullRequestInfo(int number, String url, String headRef, String author) {
    }

    /**
     * The open pull requests as seen before the agent runs: one that already fixes the issue, if any, and the
     * highest number among them. Issues and pull requests share one sequence of numbers per repository, so a
     * pull request numbered at most {@code highestNumber} existed before the job.
     */
    public record OpenPulls(Optional<PullRequestInfo> fixingIssue, int highestNumber) {
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
     * The open pull requests of {@code repo}, newest 300 at most, and among them one that fixes {@code issue}
     * the way Roomote would (by anyone): head branch {@code fix-<issue>} or {@code fix-<issue>-<job>},
     * referring to the issue in its title or body.
     */
    public OpenPulls openPulls(String repo, int issue) throws IOException {
        Pattern head = Pattern.compile("fix-" + issue + "(-\\d+)?");
        Pattern reference = Pattern.compile("#" + issue + "\\b");
        int seen = 0;
        int highest = 0;
        for (GHPullRequest pr : repository(repo).queryPullRequests().state(GHIssueState.OPEN).list().withPageSize(100)) {
            if (++seen > 300) {
                break;
            }
            highest = Math.max(highest, pr.getNumber());
            String text = pr.getTitle() + "\n" + (pr.getBody() == null ? "" : pr.getBody());
            if (head.matcher(pr.getHead().getRef()).matches() && reference.matcher(text).find()) {
                return new OpenPulls(Optional.of(info(pr)), highest);
            }
        }
        return new OpenPulls(Optional.empty(), highest);
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

    private static PullRequestInfo info(GHPullRequest pr) throws IOException {
        return new PullRequestInfo(pr.getNumber(), pr.getHtmlUrl().toString(), pr.getHead().getRef(),
                pr.getUser() == null ? null : pr.getUser().getLogin());
    }
}
