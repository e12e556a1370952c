package io.roomote.core.slack;

import com.fasterxml.jackson.databind.JsonNode;
import io.roomote.core.jobs.Job;
import io.roomote.core.jobs.JobStatus;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The texts Roomote posts to Slack (Slack mrkdwn), shared by the standalone runner and the Jenkins plugin.
 * The first message of a job starts a thread; every later one is a reply in it, as in the original.
 */
public final class SlackMessages {

    private final String githubServerUrl;

    public SlackMessages(String githubServerUrl) {
        this.githubServerUrl = githubServerUrl;
    }

    /** "🚀 Task Started — Creating a pull request for <issue|GitHub Issue #N>" and a context line. */
    public String started(Job job, String agent) {
        String subject = issueLink(job.payload()).map(l -> "Creating a pull request for " + l)
                .orElse("Running " + job.type());
        return "🚀 Task Started — " + subject + "\n"
                + "jobType: " + job.type() + ", jobId: " + job.id() + (agent == null ? "" : ", agent: " + agent);
    }

    /** Thread replies announcing how a job ended: the PR first, saved work, then the verdict. */
    public List<String> finished(Job job) {
        List<String> out = new ArrayList<>();
        JsonNode result = job.result();
        if (result != null && result.hasNonNull("prUrl")) {
            out.add(pullRequestCreated(result.get("prUrl").asText(), result.path("prNumber").asInt(0)));
        }
        if (result != null && result.hasNonNull("wipBranch")) {
            out.add("💾 Unfinished work saved to branch `" + result.get("wipBranch").asText() + "`");
        }
        out.add(verdict(job));
        return out;
    }

    public String pullRequestCreated(String url, int number) {
        return "🎉 Pull request created: <" + url + "|" + (number > 0 ? "PR #" + number : url) + ">";
    }

    private String verdict(Job job) {
        String duration = job.startedAt() != null && job.completedAt() != null
                ? " in " + Duration.between(job.startedAt(), job.completedAt()).toSeconds() + "s" : "";
        JsonNode result = job.result();
        String outcome = result != null && result.hasNonNull("outcome") ? " — " + result.get("outcome").asText() : "";
        String cost = result != null && result.hasNonNull("costUsd")
                ? String.format(Locale.ROOT, ", cost $%.2f", result.get("costUsd").asDouble()) : "";
        if (job.status() == JobStatus.COMPLETED) {
            return "✅ Task completed" + duration + outcome + cost;
        }
        if (job.status() == JobStatus.CANCELLED) {
            return "⚠️ Task cancelled" + duration + cost;
        }
        String error = job.error() == null ? "unknown error" : job.error();
        if (error.startsWith("timed out")) {
            return "❌ Task " + error + cost;
        }
        return "❌ Task failed" + duration + outcome + ": " + error + cost;
    }

    private java.util.Optional<String> issueLink(JsonNode payload) {
        if (payload == null || !payload.hasNonNull("repo") || !payload.hasNonNull("issue")) {
            return java.util.Optional.empty();
        }
        String repo = payload.get("repo").asText();
        int issue = payload.get("issue").asInt();
        return java.util.Optional.of("<" + githubServerUrl + "/" + repo + "/issues/" + issue + "|GitHub Issue #" + issue + ">");
    }
}
