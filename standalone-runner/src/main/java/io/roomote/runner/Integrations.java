package io.roomote.runner;

import io.roomote.core.metrics.ExternalCalls;
import io.roomote.core.config.Settings;
import io.roomote.core.slack.SlackNotifier;
import io.roomote.core.store.Json;
import io.roomote.core.types.JobDescriptions;
import io.roomote.core.types.JobTypeRegistry;
import io.roomote.core.slack.SlackSettings;
import io.roomote.core.store.Database;
import io.roomote.core.store.JobNotesRepository;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Optional;

/** Builds Slack from settings; the other integrations come from runner extensions ({@link ExtensionWiring}). */
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
        log.info("Slack is on: job threads go to {}", slack.channel());
        JobDescriptions descriptions = new JobDescriptions(types, Json.newMapper(), settings);
        return Optional.of(new SlackNotifier(slack, new JobNotesRepository(database),
                job -> descriptions.agentOf(job).orElse(null), descriptions, calls));
    }
}
