package io.roomote.sandbox.gateway;

/** How a provider wants its key presented. */
public enum AuthStyle {
    /** {@code Authorization: Bearer <key>}: OpenAI, OpenRouter and OpenAI-compatible servers. */
    BEARER,
    /** {@code x-api-key: <key>}: Anthropic. */
    X_API_KEY
}
