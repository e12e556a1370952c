package io.roomote.runner.extension;

import io.roomote.core.events.JobEventListener;
import io.roomote.core.extension.ExtensionContext;
import io.roomote.core.extension.RunnerExtension;
import io.roomote.core.extension.WebhookEndpoint;
import io.roomote.core.extension.WebhookHandler;
import io.roomote.core.extension.WebhookRequest;
import io.roomote.core.extension.WebhookResponse;
import io.roomote.core.jobs.Job;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A runner extension of the tests, found by ServiceLoader through this module's test resources
 * ({@code META-INF/services/io.roomote.core.extension.RunnerExtension}), as the fix module's is through its jar.
 * Inert unless {@code ROOMOTE_TEST_RECORDER_DIR} is set: then it contributes one listener and one webhook
 * ({@code POST /api/webhooks/recorder}) that answers what the listener heard, and writes {@code closed} into that
 * folder when the runner closes it.
 */
public final class RecorderExtension implements RunnerExtension {

    static final String SETTING = "ROOMOTE_TEST_RECORDER_DIR";
    static final String PATH = "/api/webhooks/recorder";

    @Override
    public String name() {
        return "test-recorder";
    }

    @Override
    public List<JobEventListener> listeners(ExtensionContext context) {
        return context.settings().get(SETTING).isPresent() ? List.of(recorder(context)) : List.of();
    }

    @Override
    public List<WebhookEndpoint> webhooks(ExtensionContext context) {
        return context.settings().get(SETTING).isPresent() ? List.of(new WebhookEndpoint(PATH, recorder(context))) : List.of();
    }

    /** One recorder per runner: listeners are asked for first, the webhook then finds the same one. */
    private Recorder recorder(ExtensionContext context) {
        synchronized (recorders) {
            for (Recorder r : recorders) {
                if (r.context == context) {
                    return r;
                }
            }
            Recorder r = new Recorder(context, Path.of(context.settings().get(SETTING).orElseThrow()));
            recorders.add(r);
            return r;
        }
    }

    private final List<Recorder> recorders = new CopyOnWriteArrayList<>();

    static final class Recorder implements JobEventListener, WebhookHandler, AutoCloseable {
        private final ExtensionContext context;
        private final Path dir;
        private final List<Long> finished = new CopyOnWriteArrayList<>();

        Recorder(ExtensionContext context, Path dir) {
            this.context = context;
            this.dir = dir;
        }

        @Override
        public void jobFinished(Job job) {
            finished.add(job.id());
        }

        @Override
        public WebhookResponse handle(WebhookRequest request) {
            var body = context.mapper().createObjectNode();
            body.put("bodyBytes", request.body().length);
            body.put("event", request.header("x-recorder-EVENT").orElse(null));
            body.set("finished", context.mapper().valueToTree(finished));
            body.set("types", context.mapper().valueToTree(context.queue().registry().ids()));
            return new WebhookResponse(202, body, Map.of("X-Recorder", "heard"));
        }

        @Override
        public void close() {
            try {
                Files.writeString(dir.resolve("closed"), "closed\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
