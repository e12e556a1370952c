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

    // ---- Review rounds (github.pr.revise): plain REST calls with GitHub's documented shapes, read with Jackson.

    /**
     * A pull request as a review round needs it: {@code headRepo}/{@code baseRepo} are {@code owner/name} (the
     * head's is null when its fork was deleted), {@code headSha} the commit its branch points at.
     */
    public record PullRequestDetails(int number, String url, String state, boolean merged, String title, String body,
                                     String author, String headRef, String headSha, String headRepo, String baseRef,
                                     String baseRepo) {
        public boolean open() {
            return "open".equals(state);
        }
    }

    /** A review ({@code GET /pulls/N/reviews}): {@code state} is APPROVED, CHANGES_REQUESTED, COMMENTED, … */
    public record Review(long id, String author, String body, String state, java.time.Instant submittedAt, String url) {
    }

    /** A comment on a line of the diff ({@code GET /pulls/N/comments}); {@code inReplyTo} names its thread's first comment. */
    public record ReviewComment(long id, Long reviewId, Long inReplyTo, String author, String body, String path,
                                Integer line, String diffHunk, java.time.Instant createdAt, String url) {
    }

    /** A comment in an issue's or pull request's conversation ({@code GET /issues/N/comments}). */
    public record IssueComment(long id, String author, String body, java.time.Instant createdAt, String url) {
    }

    /** A check run ({@code GET /check-runs/{id}}): its name, outcome and output. */
    public record CheckRun(long id, String name, String status, String conclusion, String headSha, String title,
                           String summary, String text, String url) {
    }

    /** A comment Roomote posted: its id and where people see it. */
    public record Posted(long id, String url) {
    }

    /** The pull request, or empty when there is none with that number. */
    public Optional<PullRequestDetails> pullRequest(String repo, int number) throws IOException {
        return getJson("/repos/" + repo + "/pulls/" + number).map(p -> new PullRequestDetails(p.path("number").asInt(),
                text(p, "html_url"), text(p, "state"), p.path("merged").asBoolean(false), text(p, "title"),
                text(p, "body"), text(p.path("user"), "login"), text(p.path("head"), "ref"), text(p.path("head"), "sha"),
                text(p.path("head").path("repo"), "full_name"), text(p.path("base"), "ref"),
                text(p.path("base").path("repo"), "full_name")));
    }

    public List<Review> reviews(String repo, int pr) throws IOException {
        List<Review> out = new java.util.ArrayList<>();
        for (com.fasterxml.jackson.databind.JsonNode r : getAll("/repos/" + repo + "/pulls/" + pr + "/reviews")) {
            out.add(new Review(r.path("id").asLong(), text(r.path("user"), "login"), text(r, "body"), text(r, "state"),
                    instant(r, "submitted_at"), text(r, "html_url")));
        }
        return out;
    }

    public List<ReviewComment> reviewComments(String repo, int pr) throws IOException {
        List<ReviewComment> out = new java.util.ArrayList<>();
        for (com.fasterxml.jackson.databind.JsonNode c : getAll("/repos/" + repo + "/pulls/" + pr + "/comments")) {
            out.add(new ReviewComment(c.path("id").asLong(), longOrNull(c, "pull_request_review_id"),
                    longOrNull(c, "in_reply_to_id"), text(c.path("user"), "login"), text(c, "body"), text(c, "path"),
                    c.hasNonNull("line") ? c.get("line").asInt() : c.hasNonNull("original_line")
                            ? Integer.valueOf(c.get("original_line").asInt()) : null,
                    text(c, "diff_hunk"), instant(c, "created_at"), text(c, "html_url")));
        }
        return out;
    }

    /** The conversation of an issue or pull request, oldest first. */
    public List<IssueComment> issueComments(String repo, int number) throws IOException {
        List<IssueComment> out = new java.util.ArrayList<>();
        for (com.fasterxml.jackson.databind.JsonNode c : getAll("/repos/" + repo + "/issues/" + number + "/comments")) {
            out.add(new IssueComment(c.path("id").asLong(), text(c.path("user"), "login"), text(c, "body"),
                    instant(c, "created_at"), text(c, "html_url")));
        }
        return out;
    }

    public Optional<CheckRun> checkRun(String repo, long id) throws IOException {
        return getJson("/repos/" + repo + "/check-runs/" + id).map(GitHubApi::checkRun);
    }

    /** The check runs of a check suite. */
    public List<CheckRun> checkSuiteRuns(String repo, long suiteId) throws IOException {
        Optional<com.fasterxml.jackson.databind.JsonNode> page = getJson("/repos/" + repo + "/check-suites/" + suiteId
                + "/check-runs?per_page=100");
        List<CheckRun> out = new java.util.ArrayList<>();
        page.ifPresent(p -> p.path("check_runs").forEach(r -> out.add(checkRun(r))));
        return out;
    }

    /** The login of the token's user ({@code GET /user}); an App's installation token has none (use its slug). */
    public String currentLogin() throws IOException {
        return getJson("/user").map(u -> text(u, "login"))
                .orElseThrow(() -> new IOException("GitHub answered GET /user with 404"));
    }

    /** Posts a comment on an issue or pull request's conversation. */
    public Posted postComment(String repo, int number, String body) throws IOException {
        com.fasterxml.jackson.databind.node.ObjectNode request = READER.createObjectNode().put("body", body);
        com.fasterxml.jackson.databind.JsonNode c = send("POST", "/repos/" + repo + "/issues/" + number + "/comments",
                READER.writeValueAsString(request))
                .orElseThrow(() -> new GHFileNotFoundException("GitHub answered 404: no issue or pull request #" + number
                        + " in " + repo));
        return new Posted(c.path("id").asLong(), text(c, "html_url"));
    }

    private static CheckRun checkRun(com.fasterxml.jackson.databind.JsonNode r) {
        com.fasterxml.jackson.databind.JsonNode o = r.path("output");
        return new CheckRun(r.path("id").asLong(), text(r, "name"), text(r, "status"), text(r, "conclusion"),
                text(r, "head_sha"), text(o, "title"), text(o, "summary"), text(o, "text"),
                text(r, "html_url") != null ? text(r, "html_url") : text(r, "details_url"));
    }

    private static String text(com.fasterxml.jackson.databind.JsonNode n, String field) {
        return n.hasNonNull(field) ? n.get(field).asText() : null;
    }

    private static Long longOrNull(com.fasterxml.jackson.databind.JsonNode n, String field) {
        return n.hasNonNull(field) ? n.get(field).asLong() : null;
    }

    private static java.time.Instant instant(com.fasterxml.jackson.databind.JsonNode n, String field) {
        try {
            return n.hasNonNull(field) ? java.time.Instant.parse(n.get(field).asText()) : null;
        } catch (java.time.format.DateTimeParseException e) {
            return null;
        }
    }

    /** At most this many pages of 100 are read of any list: a pull request with more is not reviewed item by item. */
    private static final int MAX_PAGES = 10;

    private List<com.fasterxml.jackson.databind.JsonNode> getAll(String path) throws IOException {
        List<com.fasterxml.jackson.databind.JsonNode> out = new java.util.ArrayList<>();
        for (int page = 1; page <= MAX_PAGES; page++) {
            com.fasterxml.jackson.databind.JsonNode list = getJson(path + "?per_page=100&page=" + page)
                    .orElseThrow(() -> new GHFileNotFoundException("GitHub answered 404 for " + path));
            list.forEach(out::add);
            if (list.size() < 100) {
                break;
            }
        }
        return out;
    }

    /** GET {@code path}; empty on 404; GitHub's other refusals as {@link org.kohsuke.github.HttpException}. */
    private Optional<com.fasterxml.jackson.databind.JsonNode> getJson(String path) throws IOException {
        return send("GET", path, null);
    }

    private Optional<com.fasterxml.jackson.databind.JsonNode> send(String method, String path, String json)
            throws IOException {
        java.net.http.HttpResponse<String> response;
        try {
            response = HTTP.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(apiUrl + path))
                    .timeout(java.time.Duration.ofSeconds(60))
                    .header("Authorization", "token " + token.token())
                    .header("Accept", "application/vnd.github+json")
                    .header("X-GitHub-Api-Version", "2022-11-28")
                    .header("Content-Type", "application/json")
                    .method(method, json == null ? java.net.http.HttpRequest.BodyPublishers.noBody()
                            : java.net.http.HttpRequest.BodyPublishers.ofString(json))
                    .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted at " + method + " " + path + " on GitHub");
        }
        if (response.statusCode() == 404) {
            return Optional.empty();
        }
        if (response.statusCode() / 100 != 2) {
            String message = response.body() == null ? "" : response.body();
            throw new org.kohsuke.github.HttpException(message.length() > 300 ? message.substring(0, 300) : message,
                    response.statusCode(), null, apiUrl + path);
        }
        return Optional.of(READER.readTree(response.body()));
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper READER = new com.fasterxml.jackson.databind.ObjectMapper();

    private GHRepository repository(String repo) throws IOException {
        return github.getRepository(repo);
    }

    private static PullRequestInfo info(GHPullRequest pr) throws IOException {
        return new PullRequestInfo(pr.getNumber(), pr.getHtmlUrl().toString(), pr.getHead().getRef(),
                pr.getUser() == null ? null : pr.getUser().getLogin(), pr.getNodeId());
    }
}
