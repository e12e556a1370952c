package io.roomote.core.extension;

import io.roomote.core.config.Settings;
import io.roomote.core.events.JobEventListener;
import io.roomote.core.store.Schema;

import java.util.List;
import java.util.Optional;

/**
 * What a module adds to a runner besides its job types: job listeners, webhook endpoints, the source of
 * {@code roomote enqueue}. Found with {@link java.util.ServiceLoader} ({@code META-INF/services/io.roomote.core.extension.RunnerExtension})
 * on the class path and in the plugins folder, as job types are; so the runner never names a job type's classes.
 * Contributions that are {@link AutoCloseable} are closed when the runner stops.
 */
public interface RunnerExtension {

    /** For the start log and error messages, e.g. {@code "github"}. */
    String name();

    /**
     * Hear every job's start and end in each process that runs workers. Called once at start, before any job is
     * claimed; a {@link io.roomote.core.config.ConfigurationException} stops the start with its message.
     */
    default List<JobEventListener> listeners(ExtensionContext context) {
        return List.of();
    }

    /** Endpoints the API serves (processes with the API only); each authenticates its own callers. */
    default List<WebhookEndpoint> webhooks(ExtensionContext context) {
        return List.of();
    }

    /**
     * The tables this module owns, as Flyway migrations with their own history table: applied after core's, before
     * any job is claimed, in every runner process (and by {@code roomote migrate}). Empty: it owns none.
     */
    default Optional<Schema> schema() {
        return Optional.empty();
    }

    /** How {@code roomote enqueue ISSUE --repo OWNER/NAME} reads an issue and names its job; empty: not this one. */
    default Optional<IssueSource> issueSource(Settings settings) {
        return Optional.empty();
    }
}
