package io.roomote.runner;

import io.roomote.core.events.JobEventListener;
import io.roomote.core.extension.ExtensionContext;
import io.roomote.core.extension.RunnerExtension;
import io.roomote.core.extension.WebhookEndpoint;
import io.roomote.core.jobs.Job;
import io.roomote.core.store.Database;
import io.roomote.core.store.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The runner's {@link RunnerExtension}s and what they contributed. Their listeners are asked for once the core is
 * open (they may need its queue), yet the core is built with {@link #listener()}: it forwards to them, and no job
 * is claimed before {@link #listen} has run. Contributions that are {@link AutoCloseable} are closed by
 * {@link #close()}.
 */
final class ExtensionWiring implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ExtensionWiring.class);

    private final List<RunnerExtension> extensions;
    private final List<AutoCloseable> contributed = new ArrayList<>();
    private volatile JobEventListener listeners = JobEventListener.NONE;

    ExtensionWiring(List<RunnerExtension> extensions) {
        this.extensions = List.copyOf(extensions);
    }

    List<String> names() {
        return extensions.stream().map(RunnerExtension::name).toList();
    }

    /** Applies every extension's own migrations (after core's); returns how many ran. */
    int migrate(Database database) {
        int applied = 0;
        for (RunnerExtension e : extensions) {
            Optional<Schema> schema = e.schema();
            if (schema.isPresent()) {
                applied += database.migrate(schema.get());
            }
        }
        return applied;
    }

    /** Forwards job events to the extensions' listeners, once {@link #listen} has asked for them. */
    JobEventListener listener() {
        return new JobEventListener() {
            @Override
            public void jobStarted(Job job) {
                listeners.jobStarted(job);
            }

            @Override
            public void jobFinished(Job job) {
                listeners.jobFinished(job);
            }

            @Override
            public boolean listens() {
                return listeners.listens();
            }
        };
    }

    /** Asks every extension for its listeners; call before workers start. */
    void listen(ExtensionContext context) {
        List<JobEventListener> all = new ArrayList<>();
        for (RunnerExtension e : extensions) {
            for (JobEventListener l : e.listeners(context)) {
                all.add(l);
                closeLater(l);
            }
        }
        listeners = JobEventListener.all(List.copyOf(all));
    }

    /** Every extension's webhook endpoints; two at one path are refused. */
    List<WebhookEndpoint> webhooks(ExtensionContext context) {
        List<WebhookEndpoint> all = new ArrayList<>();
        Set<String> paths = new HashSet<>();
        for (RunnerExtension e : extensions) {
            for (WebhookEndpoint endpoint : e.webhooks(context)) {
                closeLater(endpoint.handler());
                if (!paths.add(endpoint.path())) {
                    throw new IllegalStateException("two runner extensions serve " + endpoint.path() + " (one is "
                            + e.name() + "): remove one");
                }
                all.add(endpoint);
            }
        }
        return List.copyOf(all);
    }

    private void closeLater(Object contribution) {
        // One object may be both a listener and a webhook handler: closed once.
        if (contribution instanceof AutoCloseable c && contributed.stream().noneMatch(known -> known == c)) {
            contributed.add(c);
        }
    }

    /** Closes what the extensions contributed, in reverse order; a failure is logged and the others still closed. */
    @Override
    public void close() {
        listeners = JobEventListener.NONE;
        for (int i = contributed.size() - 1; i >= 0; i--) {
            try {
                contributed.get(i).close();
            } catch (Exception e) {
                log.warn("closing {} failed: {}", contributed.get(i).getClass().getName(), e.toString());
            }
        }
        contributed.clear();
    }
}
