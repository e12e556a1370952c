package io.roomote.core.extension;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One webhook delivery as the runner received it.
 *
 * @param headers the first value of each header; looked up ignoring case, as HTTP names are
 * @param body    the raw body (a signature is computed over these exact bytes)
 */
public record WebhookRequest(Map<String, String> headers, byte[] body) {

    public WebhookRequest {
        Objects.requireNonNull(body, "body");
        TreeMap<String, String> byName = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        byName.putAll(Objects.requireNonNull(headers, "headers"));
        headers = Collections.unmodifiableMap(byName);
    }

    /** The header's value, whatever the case of {@code name}. */
    public Optional<String> header(String name) {
        return Optional.ofNullable(headers.get(name));
    }
}
