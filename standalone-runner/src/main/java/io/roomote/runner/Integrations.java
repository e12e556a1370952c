package io.roomote.runner;

import com.fasterxml.jackson.databind.JsonNode;
import io.roomote.core.Roomote;
import io.roomote.core.metrics.ExternalCalls;
import io.roomote.core.config.ConfigurationException;
import io.roomote.core.config.Settings;
import io.roomote.core.slack.SlackNotifier;
import io.roomote.core.store.Json;
import io.roomote.core.types.JobDescriptions;
import io.roomote.core.types.JobTypeRegistry;
import io.roomote.core.slack.SlackSettings;
import io.roomote.core.store.Database;
import io.roomote.core.store.DeliveryRepository;
import io.roomote.core.store.JobNotesRepository;
import io.roomote.jobs.github.GitHubApi;
import io.roomote.jobs.github.GitHubClients;
import io.roomote.jobs.github.GitHubCredentials;
import io.roomote.jobs.github.IssueCommenter;
import io.roomote.jobs.github.IssueFixSettings;
import io.roomote.jobs.github.webhook.GitHubPullRequestLookup;
import io.roomote.jobs.github.webhook.PullRequestLookup;
import io.roomote.runner.webhook.GitHubWebhookHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Optional;

/** Builds the outside integrations (Slack, GitHub webhooks) from settings. */
final class Integrations {

    private static final Logger log = LoggerFactory.getLogger(Integrations.class);

    private Integrations() {
    }

    /** Slack when {@code SLACK_API_TOKEN} is set; said once at start either way. */
    static Optional<SlackNotifier> slack(Settings settings, Database database, JobTypeRegistry types, ExternalCalls calls) {
        SlackSettings slack = SlackSettings.from(settings);
        if (!slack.enabled()) {
            log.info("Slack is off (no SLACK_API_TOKEN)");
            return Optional.empty();
        }
        String defaultAgent = settings.get("ROOMOTE_AGENT", "roo-code");
        log.info("Slack is on: job threads go to {}", slack.channel());
        return Optional.of(new SlackNotifier(slack, new JobNotesRepository(database), job -> {
            JsonNode agent = job.payload() == null ? null : job.payload().get("agent");
            return agent != null && agent.isTextual() ? agent.asText()
                    : job.type().equals("github.issue.fix") || job.type().equals("github.pr.revise") ? defaultAgent : null;
        }, new JobDescriptions(types, Json.newMapper(), settings), calls));
    }

    /**
     * Issue comments when {@code GITHUB_COMMENTS=true}: with a GitHub App ({@code GITHUB_APP_ID}), each repository's
     * comments carry that repository's installation token; else {@code GH_TOKEN}.
     */
    static Optional<IssueCommenter> comments(Settings settings, Database database, ExternalCalls calls) {
        if (!settings.getBoolean("GITHUB_COMMENTS", false)) {
            return Optional.empty();
        }
        GitHubClients github = GitHubClients.from(settings, java.time.Clock.systemUTC()).orElseThrow(() ->
                new ConfigurationException("GITHUB_COMMENTS=true needs " + GitHubCredentials.NEEDED
                        + " to write the comments: set one of them"));
        return Optional.of(new IssueCommenter(github, new JobNotesRepository(database),
                settings.get("ROOMOTE_PUBLIC_URL", "http://localhost:" + settings.get("PORT", "3001")), calls));
    }

    static GitHubWebhookHandler webhooks(Settings settings, Roomote roomote, Optional<SlackNotifier> slack,
                                         io.micrometer.core.instrument.MeterRegistry meters) {
        return new GitHubWebhookHandler(settings, roomote.queue(), new DeliveryRepository(roomote.database(), roomote.mapper()),
                new JobNotesRepository(roomote.database()), slack, roomote.mapper(), meters, pullRequestLookup(settings));
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
