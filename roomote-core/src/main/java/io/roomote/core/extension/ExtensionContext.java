package io.roomote.core.extension;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import io.roomote.core.config.Settings;
import io.roomote.core.metrics.ExternalCalls;
import io.roomote.core.queue.JobQueue;
import io.roomote.core.slack.SlackNotifier;
import io.roomote.core.store.Database;

import java.time.Clock;
import java.util.Objects;
import java.util.Optional;

/**
 * The services a runner has already built, for its {@link RunnerExtension}s.
 *
 * @param slack  the runner's Slack sender, when {@code SLACK_API_TOKEN} is set
 * @param meters where the extension's metrics go (served at {@code /metrics} when the process serves the API)
 * @param calls  health of outside services, reported by {@code /api/health}
 */
public record ExtensionContext(Settings settings, Database database, JobQueue queue, ObjectMapper mapper,
                               Optional<SlackNotifier> slack, MeterRegistry meters, ExternalCalls calls, Clock clock) {

    public ExtensionContext {
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(database, "database");
        Objects.requireNonNull(queue, "queue");
        Objects.requireNonNull(mapper, "mapper");
        Objects.requireNonNull(slack, "slack");
        Objects.requireNonNull(meters, "meters");
        Objects.requireNonNull(calls, "calls");
        Objects.requireNonNull(clock, "clock");
    }
}
