package io.roomote.core.slack;

import io.roomote.core.events.JobEnd;
import io.roomote.core.jobs.Job;
import io.roomote.spi.JobDescription;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The texts Roomote posts to Slack (Slack mrkdwn), shared by the standalone runner and the Jenkins plugin.
 * The first message of a job starts a thread; every later one, of any attempt, is a reply in it, as in the
 * original. Each problem is said once: an error that starts with its outcome does not get it again. What a job
 * does and made comes from its type ({@link JobDescription}); these texts never read a payload's fields.
 */
public final class SlackMessages {

    /**
     * "🚀 Task Started — Creating a pull request for <issue|GitHub Issue #N>" (the job type's description), or
     * "Running {@code <type>}" without one, and a context line; the top-level message of the job's thread. Names
     * the attempt when it is not the first (an earlier one was not posted).
     */
    public String started(Attempt attempt, String agent, Optional<JobDescription> description) {
        String subject = description.map(d -> escape(d.doing()) + " " + link(d.subject()))
                .orElse("Running " + attempt.type());
        return "🚀 Task Started — " + subject + "\n"
                + "jobType: " + attempt.type() + ", jobId: " + attempt.jobId() + (agent == null ? "" : ", agent: " + agent)
                + (attempt.number() > 1 ? ", attempt " + attempt.number() + " of " + attempt.of() : "");
    }

    /**
     * A later attempt of a job that has a thread already, as a reply in it: "🔁 Attempt 2 of 3 started — attempt
     * 1 failed: …", or "🔁 Started again (attempt 1 of 3)" for a job retried by hand or handed back at a stop.
     */
    public String attemptStarted(Attempt attempt) {
        if (attempt.number() <= 1) {
            return "🔁 Started again (attempt " + Math.max(1, attempt.number()) + " of " + attempt.of() + ")";
        }
        return "🔁 Attempt " + attempt.number() + " of " + attempt.of() + " started"
                + (attempt.previousError() == null ? "" : " — attempt " + (attempt.number() - 1) + " failed: "
                + attempt.previousError());
    }

    /**
     * What a start message needs of a job: its id and type, which attempt this is of how many, and why the one
     * before failed (null when none did).
     */
    public record Attempt(long jobId, String type, int number, int of, String previousError) {
        public static Attempt of(Job job) {
            return new Attempt(job.id(), job.type(), job.attempts(), job.maxAttempts(), job.error());
        }
    }

    /**
     * Thread replies announcing how a job ended: what it made first (as its type describes it: "🎉 Pull request
     * created: <url|PR #43>"), saved work, then the verdict.
     */
    public List<String> finished(JobEnd end, Optional<JobDescription> description) {
        if (end.kind() == JobEnd.Kind.SKIPPED) {
            return List.of(skipped(end, description));
        }
        List<String> out = new ArrayList<>();
        Optional<JobDescription.Made> made = description.flatMap(JobDescription::made);
        if (end.kind() == JobEnd.Kind.COMPLETED && made.isPresent()) {
            out.add(made(made.get()));
        }
        if (end.wipBranch() != null) {
            out.add("💾 Unfinished work saved to branch `" + end.wipBranch() + "`");
        }
        out.add(verdict(end));
        return out;
    }

    /** "🎉 Pull request created: <url|PR #43>": something a job made, as its type names it. */
    public String made(JobDescription.Made made) {
        return "🎉 " + escape(made.text()) + ": " + link(made.link());
    }

    /**
     * "⏭️ Skipped — pull request #43 by alice is already open for this issue (<url|PR #43>)": nothing to celebrate;
     * the link is what the type's description points at for this result (here the pull request that was open).
     */
    private String skipped(JobEnd end, Optional<JobDescription> description) {
        return "⏭️ Skipped — " + (end.reason() == null ? "nothing to do" : end.reason())
                + description.flatMap(JobDescription::made).map(m -> " (" + link(m.link()) + ")").orElse("");
    }

    private String verdict(JobEnd end) {
        String duration = end.duration() == null ? "" : " in " + end.duration().toSeconds() + "s";
        String cost = end.costUsd() == null ? "" : String.format(Locale.ROOT, ", cost $%.2f", end.costUsd());
        String outcome = end.outcome() == null ? "" : " — " + end.outcome();
        String reason = end.reason() == null ? "unknown error" : end.reason();
        return switch (end.kind()) {
            case COMPLETED -> "✅ Task completed" + duration + outcome + cost;
            case CANCELLED -> "⚠️ Task cancelled" + duration + cost;
            case TIMED_OUT -> "❌ Task " + (reason.startsWith("timed out") ? reason : "timed out" + duration + ": " + reason) + cost;
            case FAILED -> "❌ Task failed" + duration + outcome + ": " + reason + cost;
            case SKIPPED -> throw new IllegalStateException("a skipped job has no verdict");
        };
    }

    /** Slack's {@code <url|text>}, or the bare text when there is no address. */
    private static String link(JobDescription.Link link) {
        return link.url() == null ? escape(link.text()) : "<" + link.url() + "|" + escape(link.text()) + ">";
    }

    /** Slack's mrkdwn escaping: a type's words are text, never a link or a mention. */
    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
