package io.roomote.jobs.github;

import io.roomote.core.config.ConfigurationException;
import io.roomote.core.config.Settings;
import io.roomote.core.events.JobEventListener;
import io.roomote.core.extension.ExtensionContext;
import io.roomote.core.extension.IssueSource;
import io.roomote.core.extension.RunnerExtension;
import io.roomote.core.extension.WebhookEndpoint;
import io.roomote.core.metrics.ExternalCalls;
import io.roomote.core.store.Database;
import io.roomote.core.store.Schema;
import io.roomote.jobs.github.webhook.DeliveryRepository;
import io.roomote.jobs.github.webhook.GitHubPullRequestLookup;
import io.roomote.jobs.github.webhook.GitHubWebhookHandler;
import io.roomote.jobs.github.webhook.IssueSlackThreads;
import io.roomote.jobs.github.webhook.PullRequestLookup;

import java.time.Clock;
import java.util.List;
import java.util.Optional;

/**
 * What the fix job type adds to a runner: comments on the issues of its jobs ({@code GITHUB_COMMENTS}), the GitHub
 * webhook ({@code /api/webhooks/github}) and the GitHub issues of {@code roomote enqueue}.
 */
public final class GitHubRunnerExtension implements RunnerExtension {

    @Override
    public String name() {
        return "github";
    }

    @Override
    public Optional<Schema> schema() {
        return Optional.of(GitHubSchema.SCHEMA);
    }

    @Override
    public List<JobEventListener> listeners(ExtensionContext context) {
        return comments(context.settings(), context.database(), context.calls(), context.clock())
                .<List<JobEventListener>>map(List::of).orElse(List.of());
    }

    @Override
    public List<WebhookEndpoint> webhooks(ExtensionContext c) {
        return List.of(new WebhookEndpoint(GitHubWebhookHandler.PATH, new GitHubWebhookHandler(c.settings(), c.queue(),
                new DeliveryRepository(c.database(), c.mapper()), new IssueSlackThreads(c.database()), c.slack(),
                c.mapper(), c.meters(), pullRequestLookup(c.settings()))));
    }

    @Override
    public Optional<IssueSource> issueSource(Settings settings) {
        return Optional.of(new GitHubIssueSource(settings, Clock.systemUTC()));
    }

    /**
     * Issue comments when {@code GITHUB_COMMENTS=true}: with a GitHub App ({@code GITHUB_APP_ID}), each repository's
     * comments carry that repository's installation token; else {@code GH_TOKEN}.
     */
    static Optional<IssueCommenter> comments(Settings settings, Database database, ExternalCalls calls, Clock clock) {
        if (!settings.getBoolean("GITHUB_COMMENTS", false)) {
            return Optional.empty();
        }
        GitHubClients github = GitHubClients.from(settings, clock).orElseThrow(() ->
                new ConfigurationException("GITHUB_COMMENTS=true needs " + GitHubCredentials.NEEDED
                        + " to write the comments: set one of them"));
        return Optional.of(new IssueCommenter(github, new IssueCommentRepository(database),
                settings.get("ROOMOTE_PUBLIC_URL", "http://localhost:" + settings.get("PORT", "3001")), calls));
    }

    /** How the webhook asks GitHub about a pull request before a review round: the fix jobs' credentials. */
    private static Optional<PullRequestLookup> pullRequestLookup(Settings settings) {
        if (settings.get("GH_WEBHOOK_SECRET").isEmpty()) {
            return Optional.empty(); // webhooks off: nothing will ask
        }
        IssueFixSettings fix = IssueFixSettings.from(settings);
        return GitHubCredentials.of(fix).map(credentials -> new GitHubPullRequestLookup(fix.apiUrl(), credentials));
    }
}
