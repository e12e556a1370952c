package io.roomote.jenkins.bridge.slack;

import io.roomote.jenkins.bridge.step.FixStepResult;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.JsonNode;
import io.roomote.core.events.JobEnd;
import io.roomote.core.jobs.JobStatus;
import io.roomote.core.slack.SlackMessages;
import io.roomote.core.slack.SlackPost;
import io.roomote.core.slack.SlackSender;
import io.roomote.core.slack.SlackSettings;
import io.roomote.core.util.Backoff;
import io.roomote.jobs.github.FixJobDescription;

import java.net.http.HttpClient;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The standalone runner's Slack messages for a {@code roomoteFix} run: "Task Started" opens a thread, the
 * PR, saved work and the verdict are replies in it. Never fails the build: every problem goes to
 * {@code warn} and is otherwise ignored. Posts through a {@link SlackPost}: core's {@link SlackSender} (see
 * {@link #sender}), the runner's own, or the plugin's Slack-plugin post.
 */
public final class StepSlack implements AutoCloseable {

    private static final String TYPE = io.roomote.jobs.github.GitHubIssueFixJobType.ID;

    private final SlackPost slack;
    private final SlackMessages messages = new SlackMessages();
    private final String githubServerUrl;
    private final Consumer<String> warn;
    private final ObjectMapper mapper = new ObjectMapper();

    /** A step waits for Slack in the build: fewer tries and shorter waits than the runner's background sender. */
    static final int TRIES = 3;
    static final Backoff BACKOFF = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30));

    public StepSlack(SlackPost slack, String githubServerUrl, Consumer<String> warn) {
        this.slack = slack;
        this.githubServerUrl = githubServerUrl == null || githubServerUrl.isBlank() ? "https://github.com"
                : githubServerUrl.replaceAll("/+$", "");
        this.warn = warn;
    }

    /**
     * Roomote's one Slack sender for a step: {@code chat.postMessage} with {@code token} over {@code client} (the
     * plugin passes Jenkins' {@code ProxyConfiguration.newHttpClient()}), {@value #TRIES} tries, honouring Slack's
     * Retry-After up to 30 s.
     *
     * @param channel blank: {@code #roomote-control}
     * @param apiUrl  Slack's Web API, {@code https://slack.com/api/} (tests point it at a stand-in)
     */
    public static SlackSender sender(HttpClient client, String token, String channel, String apiUrl) {
        return new SlackSender(client, new SlackSettings(Optional.ofNullable(token), channel, apiUrl), TRIES, BACKOFF);
    }

    /** Announces the start; returns the thread to reply in. */
    public Optional<String> started(long jobId, String repo, int issue, String agent) {
        try {
            // A Jenkins run is attempt 1 of 1: Jenkins, not Roomote, retries builds.
            return slack.post(messages.started(new SlackMessages.Attempt(jobId, TYPE, 1, 1, null), agent,
                    Optional.of(FixJobDescription.of(githubServerUrl, repo, issue, Optional.empty()))), null);
        } catch (Exception e) {
            warn.accept("Slack: could not announce the start: " + e.getMessage());
            return Optional.empty();
        }
    }

    /** Replies with the pull request, saved work and the verdict (a new message when there is no thread). */
    public void finished(String threadTs, FixStepResult result, Instant startedAt, Instant completedAt) {
        JobStatus status = switch (result.status()) {
            case FixStepResult.COMPLETED -> JobStatus.COMPLETED;
            case FixStepResult.CANCELLED -> JobStatus.CANCELLED;
            default -> JobStatus.FAILED;
        };
        JsonNode stored = mapper.valueToTree(result);
        JobEnd end = JobEnd.of(status, stored, result.error(), startedAt, completedAt);
        Optional<Map<String, Object>> asMap = Optional.of(mapper.convertValue(result,
                new com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>>() { }));
        for (String text : messages.finished(end, Optional.of(FixJobDescription.of(githubServerUrl, result.repo(),
                result.issue(), asMap)))) {
            try {
                slack.post(text, threadTs);
            } catch (Exception e) {
                warn.accept("Slack: could not post \"" + firstLine(text) + "\": " + e.getMessage());
            }
        }
    }

    /** Closes the poster when it holds resources (Slack's client). */
    @Override
    public void close() {
        if (slack instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                warn.accept("Slack: closing the client: " + e.getMessage());
            }
        }
    }

    private static String firstLine(String text) {
        int nl = text.indexOf('\n');
        return nl < 0 ? text : text.substring(0, nl);
    }
}
