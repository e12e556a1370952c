package io.roomote.jobs.github;

import org.kohsuke.github.GHFileNotFoundException;
import org.kohsuke.github.GHIssue;
import org.kohsuke.github.GHIssueState;
import org.kohsuke.github.GHLabel;
import org.kohsuke.github.GHPullRequest;
import org.kohsuke.github.GHRepository;
import org.kohsuke.github.GHUser;
import org.kohsuke.github.GitHub;
import org.kohsuke.github.GitHubBuilder;

import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/** The few GitHub REST calls a fix job makes, through {@code org.kohsuke:github-api}. */
public final class GitHubApi {

    /**
     * What Roomote needs of an issue; {@code author} is the login of whoever opened it, {@code assignees} the
     * logins it is assigned to.
     */
    public record IssueInfo(int number, String title, String body, List<String> labels, boolean open, boolean pullRequest,
                            String author, boolean locked, List<String> assignees) {
    }

    /**
     * What Roomote needs of a pull request; {@code author} is the login of whoever opened it, {@code nodeId} its
     * GraphQL id (what {@code markPullRequestReadyForReview} takes).
     */
    public record PullRequestInfo(int number, String url, String headRef, String author, String nodeId) {
    }

    /** The hidden line in the body of every pull request Roomote opens: {@code <!-- roomote:job=42 -->}. */
    public static final Pattern MARKER = Pattern.compile("<!-- roomote:job=(\\d+) -->");

    public static String marker(long jobId) {
        return "<!-- roomote:job=" + jobId + " -->";
    }

    /**
     * The open pull requests as seen before the agent runs: one that already fixes the issue, if any, and the
     * highest number among them. Issues and pull requests share one sequence of numbers per repository, so a
     * pull request numbered at most {@code highestNumber} existed before the job.
     */
    public record OpenPulls(Optional<PullRequestInfo> fixingIssue, int highestNumber) {
    }

    /** Where each call's token comes from: asked at every request, so that an expiring token can be replaced. */
    @FunctionalInterface
    public interface TokenSource {
        String token() throws IOException;
    }

    private final GitHub github;
    private final String apiUrl;
    private final TokenSource token;

    public GitHubApi(String apiUrl, String token) throws IOException {
        this(apiUrl, () -> token);
    }

    public GitHubApi(String apiUrl, TokenSource token) throws IOException {
        this.github = new GitHubBuilder().withEndpoint(apiUrl)
                .withAuthorizationProvider(() -> "token " + token.token()).build();
        this.apiUrl = apiUrl.replaceAll("/$", "");
        this.token = token;
    }

    /** The issue, or empty when it does not exist. */
    public Optional<IssueInfo> issue(String repo, int number) throws IOException {
        try {
            GHIssue issue = repository(repo).getIssue(number);
            return Optional.of(new IssueInfo(issue.getNumber(), issue.getTitle(), issue.getBody(),
                    issue.getLabels().stream().map(GHLabel::getName).toList(),
                    issue.getState() == GHIssueState.OPEN, issue.isPullRequest(),
                    issue.getUser() == null ? null : issue.getUser().getLogin(), issue.isLocked(),
                    issue.getAssignees() == null ? List.of()
                            : issue.getAssignees().stream().map(GHUser::getLogin).toList()));
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
     * the way Roomote would (by anyone): referring to the issue in its title or body, and either on head branch
     * {@code fix-<issue>} or {@code fix-<issue>-<job>} or carrying Roomote's marker (on any branch).
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
            boolean roomotes = head.matcher(pr.getHead().getRef()).matches() || MARKER.matcher(text).find();
            if (roomotes && reference.matcher(text).find()) {
                return new OpenPulls(Optional.of(info(pr)), highest);
            }
        }
        return new OpenPulls(Optional.empty(), highest);
    }

    public PullRequestInfo createPullRequest(String repo, String head, String base, String title, String body) throws IOException {
        return createPullRequest(repo, head, base, title, body, false);
    }

    /** Opens a pull request, as a draft when {@code draft}; maintainers may push to its branch. */
    public PullRequestInfo createPullRequest(String repo, String head, String base, String title, String body,
                                             boolean draft) throws IOException {
        return info(repository(repo).createPullRequest(title, head, base, body, true, draft));
    }

    /**
     * Marks a draft pull request ready for review. GitHub's REST API cannot: only the GraphQL mutation
     * {@code markPullRequestReadyForReview} does, and org.kohsuke:github-api 1.330 has no call for it, so this
     * one request is sent here, to {@code <api>/graphql} (GitHub Enterprise: {@code /api/graphql}).
     */
    public void markReadyForReview(String nodeId) throws IOException {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        com.fasterxml.jackson.databind.node.ObjectNode request = json.createObjectNode();
        request.put("query", "mutation($id: ID!) { markPullRequestReadyForReview(input: {pullRequestId: $id})"
                + " { pullRequest { isDraft } } }");
        request.putObject("variables").put("id", nodeId);
        java.net.http.HttpResponse<String> response;
        try {
            response = HTTP.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(graphqlUrl()))
                    .timeout(java.time.Duration.ofSeconds(60))
                    .header("Authorization", "bearer " + token.token())
                    .header("Content-Type", "application/json")
                    .header("Accept", "application/json")
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString(json.writeValueAsString(request)))
                    .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted marking the pull request ready for review");
        }
        com.fasterxml.jackson.databind.JsonNode answer = response.body().isBlank() ? json.createObjectNode()
                : json.readTree(response.body());
        // GraphQL reports most failures with 200 and an "errors" list.
        if (response.statusCode() != 200 || answer.path("errors").size() > 0) {
            String message = answer.path("errors").path(0).path("message").asText(answer.path("message").asText(""));
            throw new IOException("GitHub refused markPullRequestReadyForReview (HTTP " + response.statusCode() + ")"
                    + (message.isEmpty() ? "" : ": " + message));
        }
    }

    private static final java.net.http.HttpClient HTTP = java.net.http.HttpClient.newBuilder()
            .connectTimeout(java.time.Duration.ofSeconds(20)).build();

    /** GitHub's GraphQL endpoint next to {@code apiUrl}: {@code https://api.github.com/graphql}, or GHES' {@code /api/graphql}. */
    String graphqlUrl() {
        return apiUrl.endsWith("/api/v3") ? apiUrl.substring(0, apiUrl.length() - "/v3".length()) + "/graphql"
                : apiUrl + "/graphql";
    }

    /** Asks {@code reviewers} (logins, and {@code org/team} slugs) to review pull request {@code number}. */
    public void requestReviewers(String repo, int number, List<String> reviewers) throws IOException {
        GHPullRequest pr = repository(repo).getPullRequest(number);
        List<GHUser> users = new java.util.ArrayList<>();
        List<org.kohsuke.github.GHTeam> teams = new java.util.ArrayList<>();
        for (String r : reviewers) {
            int slash = r.indexOf('/');
            if (slash < 0) {
                users.add(github.getUser(r));
            } else {
                teams.add(github.getOrganization(r.substring(0, slash)).getTeamBySlug(r.substring(slash + 1)));
            }
        }
        if (!users.isEmpty()) {
            pr.requestReviewers(users);
        }
        if (!teams.isEmpty()) {
            pr.requestTeamReviewers(teams);
        }
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

    /** The pull request as the webhook checks it before a review round, or empty when it does not exist. */
    public Optional<io.roomote.jobs.github.webhook.PullRequestLookup.PullRequest> pullRequestForReview(String repo, int number)
            throws IOException {
        try {
            GHPullRequest pr = repository(repo).getPullRequest(number);
            GHRepository head = pr.getHead().getRepository();
            return Optional.of(new io.roomote.jobs.github.webhook.PullRequestLookup.PullRequest(pr.getNumber(),
                    pr.getBody() == null ? "" : pr.getBody(), pr.getUser() == null ? null : pr.getUser().getLogin(),
                    pr.getHead().getRef(), head == null ? null : head.getFullName(), pr.getState() == GHIssueState.OPEN));
        } catch (GHFileNotFoundException e) {
            return Optional.empty();
        }
    }

    /** The conversation comments of issue or pull request {@code number}, oldest first, at most {@code max}. */
    public List<io.roomote.jobs.github.revise.RevisionRounds.Comment> conversation(String repo, int number, int max)
            throws IOException {
        List<io.roomote.jobs.github.revise.RevisionRounds.Comment> out = new java.util.ArrayList<>();
        for (org.kohsuke.github.GHIssueComment c : repository(repo).getIssue(number).listComments().withPageSize(100)) {
            if (out.size() >= max) {
                break;
            }
            out.add(new io.roomote.jobs.github.revise.RevisionRounds.Comment(
                    c.getUser() == null ? null : c.getUser().getLogin(), c.getBody()));
        }
        return out;
    }

    private GHRepository repository(String repo) throws IOException {
        return github.getRepository(repo);
    }

    private static PullRequestInfo info(GHPullRequest pr) throws IOException {
        return new PullRequestInfo(pr.getNumber(), pr.getHtmlUrl().toString(), pr.getHead().getRef(),
                pr.getUser() == null ? null : pr.getUser().getLogin(), pr.getNodeId());
    }
}
