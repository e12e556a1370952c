package io.roomote.jobs.github;

import com.fasterxml.jackson.databind.JsonNode;
import io.roomote.core.events.JobEventListener;
import io.roomote.core.jobs.Job;
import io.roomote.core.jobs.JobStatus;
import io.roomote.core.store.JobNotesRepository;
import io.roomote.core.util.Threads;
import io.roomote.jobs.github.webhook.WebhookEvents;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * {@code GITHUB_COMMENTS=true}: one comment on the issue when its fix job starts (with a link to the job),
 * edited in place when it ends — the PR link, or an honest reason. The comment carries a marker so it never
 * triggers Roomote. Like Slack, it runs in the background and never changes a job.
 */
public final class IssueCommenter implements JobEventListener, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(IssueCommenter.class);

    private final GitHubApi github;
    private final JobNotesRepository notes;
    private final String publicUrl;
    private final ExecutorService sender = Executors.newSingleThreadExecutor(Threads.daemon("roomote-github-comments"));

    /** @param publicUrl where people reach Roomote ({@code ROOMOTE_PUBLIC_URL}), for the job link */
    public IssueCommenter(GitHubApi github, JobNotesRepository notes, String publicUrl) {
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
            String body = text(job, "🤖 Roomote is working on this issue (attempt " + job.attempts() + ").");
            try {
                var existing = notes.githubCommentId(job.id());
                if (existing.isEmpty() || !github.updateComment(repo(job), issue(job), existing.get(), body)) {
                    notes.setGithubCommentId(job.id(), github.comment(repo(job), issue(job), body));
                }
            } catch (IOException | RuntimeException e) {
                log.warn("job {}: could not comment on {}#{}: {}", job.id(), repo(job), issue(job), e.getMessage());
            }
        });
    }

    @Override
    public void jobFinished(Job job) {
        if (!isFix(job)) {
            return;
        }
        sender.execute(() -> {
            try {
                var comment = notes.githubCommentId(job.id());
                if (comment.isPresent()) {
                    github.updateComment(repo(job), issue(job), comment.get(), text(job, verdict(job)));
                }
            } catch (IOException | RuntimeException e) {
                log.warn("job {}: could not update its comment on {}#{}: {}", job.id(), repo(job), issue(job), e.getMessage());
            }
        });
    }

    private String verdict(Job job) {
        JsonNode result = job.result();
        if (job.status() == JobStatus.COMPLETED && result != null && result.hasNonNull("prUrl")) {
            return "✅ Roomote opened a pull request: " + result.get("prUrl").asText();
        }
        String why = job.error() == null ? job.status().dbValue() : job.error();
        String wip = result != null && result.hasNonNull("wipBranch")
                ? "\n\nUnfinished work was saved to branch `" + result.get("wipBranch").asText() + "`." : "";
        return (job.status() == JobStatus.CANCELLED ? "⚠️ The Roomote job was cancelled: " : "❌ Roomote did not open a pull request: ")
                + why + wip;
    }

    private String text(Job job, String status) {
        return WebhookEvents.OWN_COMMENT_MARKER + "\n" + status + "\n\nJob " + job.id() + ": " + publicUrl + "/admin/queues/jobs/" + job.id();
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
