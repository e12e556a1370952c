package io.roomote.runner;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.roomote.core.config.Settings;
import io.roomote.core.config.ConfigurationException;
import io.roomote.jobs.github.GitHubApi;
import io.roomote.jobs.github.GitHubCredentials;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;

/**
 * {@code roomote enqueue ISSUE [--repo owner/name]}: reads a real issue through the GitHub API and posts a
 * {@code github.issue.fix} job to a running Roomote, as {@code scripts/enqueue-github-issue-job.sh} does with
 * {@code gh}.
 */
final class IssueEnqueuer {

    /** A failure the user can act on; the message says what and how. */
    static final class EnqueueException extends Exception {
        private static final long serialVersionUID = 1L;

        EnqueueException(String message) {
            super(message);
        }
    }

    /** What was enqueued and where to follow it. */
    record Enqueued(long jobId, String message, String jobUrl, String dashboardUrl) {
    }

    private final Settings settings;
    private final ObjectMapper mapper;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    IssueEnqueuer(Settings settings, ObjectMapper mapper) {
        this.settings = settings;
        this.mapper = mapper;
    }

    /** The repository to use: the option, else {@code ROOMOTE_DEFAULT_REPO}, else {@code GITHUB_REPOSITORY}. */
    String repo(String option) throws EnqueueException {
        String repo = option != null ? option
                : settings.get("ROOMOTE_DEFAULT_REPO").or(() -> settings.get("GITHUB_REPOSITORY")).orElse(null);
        if (repo == null || !repo.matches("[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+")) {
            throw new EnqueueException(repo == null
                    ? "which repository? Pass --repo owner/name or set ROOMOTE_DEFAULT_REPO"
                    : "'" + repo + "' is not a repository name; use owner/name");
        }
        return repo;
    }

    Enqueued enqueue(String repo, int issue) throws EnqueueException {
        if (issue < 1) {
            throw new EnqueueException("the issue number must be positive, got " + issue);
        }
        String apiUrl = GitHubCredentials.apiUrl(settings);
        GitHubCredentials credentials;
        try {
            credentials = GitHubCredentials.from(settings).orElseThrow(() -> new EnqueueException("no GitHub credentials:"
                    + " set " + GitHubCredentials.NEEDED + " to read the issue (e.g. export GH_TOKEN=$(gh auth token))"));
        } catch (ConfigurationException e) {
            throw new EnqueueException(e.getMessage());
        }
        GitHubApi.TokenSource token = credentials.tokenSource(repo, Clock.systemUTC());
        GitHubApi.IssueInfo info;
        try {
            token.token(); // an App mints its token here: a refusal is its own clear line, not a "not found"
            info = new GitHubApi(apiUrl, token).issue(repo, issue).orElseThrow(() -> new EnqueueException("issue #"
                    + issue + " was not found in " + repo + " (or the "
                    + (credentials instanceof GitHubCredentials.App ? "GitHub App" : "token") + " cannot see it)"));
        } catch (EnqueueException e) {
            throw e;
        } catch (IOException e) {
            if (credentials instanceof GitHubCredentials.App app && app.refusal(e, repo).isPresent()) {
                throw new EnqueueException(app.refusal(e, repo).get());
            }
            throw new EnqueueException("cannot read " + repo + "#" + issue + " from GitHub at " + apiUrl + ": " + e.getMessage());
        }
        if (info.pullRequest()) {
            throw new EnqueueException("#" + issue + " in " + repo + " is a pull request, not an issue");
        }
        ObjectNode body = mapper.createObjectNode().put("type", "github.issue.fix");
        ObjectNode payload = body.putObject("payload");
        payload.put("repo", repo).put("issue", issue).put("title", info.title()).put("body", info.body() == null ? "" : info.body());
        payload.set("labels", mapper.valueToTree(info.labels()));
        String base = settings.get("ROOMOTE_URL", "http://localhost:" + settings.get("PORT", "3001")).replaceAll("/$", "");
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + "/api/jobs")).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
        settings.get("ROOMOTE_API_TOKEN").ifPresent(t -> request.header("Authorization", "Bearer " + t));
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException e) {
            throw new EnqueueException("cannot reach Roomote at " + base + ": is it running? (java -jar roomote.jar; set"
                    + " ROOMOTE_URL if it runs elsewhere)");
        } catch (IOException e) {
            throw new EnqueueException("cannot reach Roomote at " + base + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EnqueueException("interrupted");
        }
        JsonNode answer;
        try {
            answer = mapper.readTree(response.body());
        } catch (IOException e) {
            throw new EnqueueException("Roomote at " + base + " answered HTTP " + response.statusCode() + " without JSON");
        }
        if (response.statusCode() != 200) {
            throw new EnqueueException("Roomote refused the job (HTTP " + response.statusCode() + "): " + answer);
        }
        long id = answer.get("jobId").asLong();
        return new Enqueued(id, answer.path("message").asText(), base + "/api/jobs/" + id, base + "/admin/queues/jobs/" + id);
    }
}
