package io.roomote.core.extension;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * {@code POST path} on the API port, answered by {@code handler}. The API token is not asked for: a webhook's
 * sender (GitHub, …) cannot send it, so the handler authenticates the request itself (a signature).
 *
 * @param path under {@code /api/webhooks/}, e.g. {@code /api/webhooks/github}
 */
public record WebhookEndpoint(String path, WebhookHandler handler) {

    private static final Pattern PATH = Pattern.compile("/api/webhooks/[a-z0-9][a-z0-9._-]{0,62}");

    public WebhookEndpoint {
        Objects.requireNonNull(handler, "handler");
        if (path == null || !PATH.matcher(path).matches()) {
            throw new IllegalArgumentException("webhook path '" + path + "' must be /api/webhooks/<name> (lower-case"
                    + " letters, digits, '.', '_', '-')");
        }
    }
}
