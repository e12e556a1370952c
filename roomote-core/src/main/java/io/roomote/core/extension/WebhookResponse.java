package io.roomote.core.extension;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Map;
import java.util.Objects;

/**
 * A webhook's answer: {@code status} with {@code body} as {@code application/json}.
 *
 * @param headers more response headers (e.g. {@code Retry-After}); none: {@code Map.of()}
 */
public record WebhookResponse(int status, JsonNode body, Map<String, String> headers) {

    public WebhookResponse {
        if (status < 100 || status > 599) {
            throw new IllegalArgumentException("HTTP status " + status + " is not from 100 to 599");
        }
        Objects.requireNonNull(body, "body");
        headers = Map.copyOf(headers);
    }

    public static WebhookResponse json(int status, JsonNode body) {
        return new WebhookResponse(status, body, Map.of());
    }
}
