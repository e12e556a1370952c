package io.roomote.runner;

import com.fasterxml.jackson.databind.JsonNode;
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
        String defaultAgent = settings.get("ROOMOTE_AGENT", "roo-code");
        log.info("Slack is on: job threads go to {}", slack.channel());
        return Optional.of(new SlackNotifier(slack, new JobNotesRepository(database), job -> {
            JsonNode agent = job.payload() == null ? null : job.payload().get("agent");
            return agent != null && agent.isTextual() ? agent.asText()
                    : job.type().equals("github.issue.fix") || job.type().equals("github.pr.revise") ? defaultAgent : null;
        }, new JobDescriptions(types, Json.newMapper(), settings), calls));
    }
}
