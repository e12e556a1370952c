package io.roomote.jobs.github;

import io.roomote.core.events.JobEnd;
import io.roomote.core.events.JobEventListener;
import io.roomote.core.jobs.Job;
import io.roomote.core.util.Threads;
import io.roomote.jobs.github.webhook.WebhookEvents;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * {@code GITHUB_COMMENTS=true}: one comment on the issue when its fix job starts (with a link to the job),
 * edited in place by every later attempt and when it ends — the PR link, a skip and why, or an honest reason.
 * The comment carries a marker so it never triggers Roomote. Like Slack, it runs in the background and never
 * changes a job. The texts are listed in README's "Issue comments".
 */
public final class IssueCommenter implements JobEventListener, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(IssueCommenter.class);

    private final GitHubClients github;
    private final IssueCommentRepository notes;
    private final String publicUrl;
    private final io.roomote.core.metrics.ExternalCalls calls;
    private final ExecutorService sender = Executors.newSingleThreadExecutor(Threads.daemon("roomote-github-comments"));

    /** @param publicUrl where people reach Roomote ({@code ROOMOTE_PUBLIC_URL}), for the job link */
    public IssueCommenter(GitHubApi github, IssueCommentRepository notes, String publicUrl) {
        this(github, notes, publicUrl, io.roomote.core.metrics.ExternalCalls.none());
    }

    /** @param calls hears whether each call to GitHub worked (metrics and the health check) */
    public IssueCommenter(GitHubApi github, IssueCommentRepository notes, String publicUrl,
                          io.roomote.core.metrics.ExternalCalls calls) {
        this(GitHubClients.fixed(github), notes, publicUrl, calls);
    }

    /**
     * @param github a client per repository: with a GitHub App, each repository's comments carry an installation
     *               token scoped to that repository
     */
    public IssueCommenter(GitHubClients github, IssueCommentRepository notes, String publicUrl,
                          io.roomote.core.metrics.ExternalCalls calls) {
        this.calls = calls;
        calls.expect("github");
        this.github = github;
        this.notes = notes;
        this.publicUrl = publicUrl.replaceAll("/$", "");
    }

    @Override
    public void jobStarted(Job job) {
        if (!isFix(job)) {
            return;
        }
        sender.execute(() -> {
            try {
                var existing = notes.commentId(job.id());
                String body = text(job, existing.isPresent() || job.attempts() > 1 ? again(job) : working(job));
                GitHubApi api = github.forRepository(repo(job));
                if (existing.isEmpty() || !api.updateComment(repo(job), issue(job), existing.get(), body)) {
                    notes.setCommentId(job.id(), api.comment(repo(job), issue(job), body));
                }
                calls.succeeded("github");
            } catch (IOException | RuntimeException e) {
                calls.failed("github");
                log.warn("job {}: could not comment on {}#{}: {}", job.id(), repo(job), issue(job), e.getMessage());
            }
        });
    }

    /** "🤖 Roomote is working on this issue (attempt 1 of 3)." */
    private static String working(Job job) {
        return "🤖 Roomote is working on this issue (attempt " + Math.max(1, job.attempts()) + " of " + job.maxAttempts() + ").";
    }

    /** A later attempt edits the same comment, saying why the previous one failed: "🔁 … again (attempt 2 of 3; attempt 1 failed: …)." */
    private static String again(Job job) {
        String before = job.attempts() > 1 && job.error() != null
                ? "; attempt " + (job.attempts() - 1) + " failed: " + job.error() : "";
        return "🔁 Roomote is working on this issue again (attempt " + Math.max(1, job.attempts()) + " of "
                + job.maxAttempts() + before + ").";
    }

    @Override
    public void jobFinished(Job job) {
        if (!isFix(job)) {
            return;
        }
        sender.execute(() -> {
            try {
                var comment = notes.commentId(job.id());
                if (comment.isPresent()) {
                    github.forRepository(repo(job)).updateComment(repo(job), issue(job), comment.get(), text(job, verdict(job)));
                    calls.succeeded("github");
                }
            } catch (IOException | RuntimeException e) {
                calls.failed("github");
                log.warn("job {}: could not update its comment on {}#{}: {}", job.id(), repo(job), issue(job), e.getMessage());
            }
        });
    }

    /** How the job ended, each problem said once (an error starting with its outcome does not repeat it). */
    private static String verdict(Job job) {
        JobEnd end = JobEnd.of(job);
        String prUrl = pullRequestOf(job);
        String reason = end.reason() == null ? job.status().dbValue() : end.reason();
        String wip = end.wipBranch() == null ? "" : "\n\nUnfinished work was saved to branch `" + end.wipBranch() + "`.";
        return switch (end.kind()) {
            case COMPLETED -> prUrl != null ? "✅ Roomote opened a pull request: " + prUrl
                    : "✅ The Roomote job completed" + (end.outcome() == null ? "." : " — " + end.outcome() + ".");
            case SKIPPED -> "⏭️ Roomote skipped this issue — " + reason + (prUrl == null ? "" : ": " + prUrl);
            case CANCELLED -> "⚠️ The Roomote job was cancelled: " + reason + wip;
            case TIMED_OUT -> "❌ Roomote did not open a pull request: " + (reason.startsWith("timed out") ? reason
                    : "timed out: " + reason) + wip;
            case FAILED -> "❌ Roomote did not open a pull request" + (end.outcome() == null ? "" : " — " + end.outcome())
                    + ": " + reason + wip;
        };
    }

    private String text(Job job, String status) {
        return WebhookEvents.OWN_COMMENT_MARKER + "\n" + status + "\n\nJob " + job.id() + ": " + JobPage.url(publicUrl, job.id());
    }

    /** The pull request of the fix job's result ({@link IssueFixResult#prUrl()}): the one opened, or found open. */
    private static String pullRequestOf(Job job) {
        return job.result() != null && job.result().path("prUrl").isTextual() ? job.result().get("prUrl").asText() : null;
    }

    private static boolean isFix(Job job) {
        return GitHubIssueFixJobType.ID.equals(job.type()) && job.payload() != null && job.payload().hasNonNull("repo");
    }

    private static String repo(Job job) {
        return job.payload().get("repo").asText();
    }

    private static int issue(Job job) {
        return job.payload().get("issue").asInt();
    }

    @Override
    public void close() {
        Threads.drainAndStop(sender, 10);
    }
}
