package io.roomote.core.extension;

/**
 * Answers one webhook delivery. Called on an HTTP thread with the whole body read: answer at once and do slow work
 * through the queue. An exception answers 500 {@code internal_server_error} (and is logged).
 */
@FunctionalInterface
public interface WebhookHandler {

    WebhookResponse handle(WebhookRequest request);
}
