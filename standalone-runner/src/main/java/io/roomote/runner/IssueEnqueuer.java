package io.roomote.runner;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.roomote.core.config.Settings;
import io.roomote.core.extension.IssueSource;
import io.roomote.core.extension.RunnerExtension;
import io.roomote.core.queue.EnqueueRequest;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code roomote enqueue ISSUE [--repo owner/name]}: has the installed {@link IssueSource} (the fix job type's: a
 * real issue read through the GitHub API) name the job, and posts it to a running Roomote, as
 * {@code scripts/enqueue-github-issue-job.sh} does with {@code gh}.
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
    private final IssueSource source;
    private final ObjectMapper mapper;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    IssueEnqueuer(Settings settings, IssueSource source, ObjectMapper mapper) {
        this.settings = settings;
        this.source = source;
        this.mapper = mapper;
    }

    /** The one issue source of the installed extensions (the fix job type's); none or several: one clear line. */
    static IssueSource source(Settings settings, List<RunnerExtension> extensions) throws EnqueueException {
        List<String> names = new ArrayList<>();
        IssueSource found = null;
        for (RunnerExtension e : extensions) {
            Optional<IssueSource> source = e.issueSource(settings);
            if (source.isPresent()) {
                names.add(e.name());
                found = source.get();
            }
        }
        if (names.size() != 1) {
            throw new EnqueueException(names.isEmpty()
                    ? "no installed module reads issues: put the github-issue-fix job type on the class path or in the plugins folder"
                    : "more than one installed module reads issues (" + String.join(", ", names) + "): keep one");
        }
        return found;
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
        EnqueueRequest job;
        try {
            job = source.jobFor(repo, issue);
        } catch (IssueSource.Refused e) {
            throw new EnqueueException(e.getMessage());
        }
        ObjectNode body = mapper.createObjectNode().put("type", job.type());
        body.set("payload", job.payload());
        if (job.dedupeKey() != null) {
            body.put("dedupeKey", job.dedupeKey());
        }
        if (job.maxAttempts() != null) {
            body.put("maxAttempts", job.maxAttempts());
        }
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
