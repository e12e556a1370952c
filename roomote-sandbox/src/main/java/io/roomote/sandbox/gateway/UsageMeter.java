package io.roomote.sandbox.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Reads model, tokens and cost from a provider's answer while its bytes pass through to the agent (a tee: the
 * caller forwards every chunk and then shows it to {@link #accept}). Understands OpenAI Chat Completions and
 * Responses, OpenRouter and Anthropic Messages, each as one JSON document or as server-sent events. Keeps at
 * most one JSON document or one SSE line in memory, and gives up reading (never forwarding) past a limit.
 */
final class UsageMeter {

    /** What was read; null fields were not in the answer. */
    record Reading(String model, Long tokensIn, Long tokensOut, Double costUsd, String error) {
    }

    private static final int MAX_DOCUMENT = 16 * 1024 * 1024;

    private enum Kind { JSON, SSE, OTHER }

    private final ObjectMapper json;
    private final Kind kind;
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    private boolean overflow;

    private String model;
    private Long tokensIn;
    private Long tokensOut;
    private Double cost;
    private String error;

    UsageMeter(ObjectMapper json, String contentType) {
        this.json = json;
        String ct = contentType == null ? "" : contentType.toLowerCase(Locale.ROOT);
        if (ct.contains("event-stream")) {
            kind = Kind.SSE;
        } else if (ct.contains("json") || ct.isEmpty()) {
            kind = Kind.JSON;
        } else {
            kind = Kind.OTHER;
        }
    }

    void accept(byte[] bytes, int offset, int length) {
        if (kind == Kind.JSON) {
            if (!overflow && buffer.size() + length <= MAX_DOCUMENT) {
                buffer.write(bytes, offset, length);
            } else {
                overflow = true;
                buffer.reset();
            }
        } else if (kind == Kind.SSE) {
            for (int i = offset; i < offset + length; i++) {
                byte b = bytes[i];
                if (b == '\n') {
                    line();
                } else if (buffer.size() < MAX_DOCUMENT) {
                    buffer.write(b);
                } else {
                    overflow = true;
                }
            }
        }
    }

    /** Call once the answer has ended. */
    Reading finish() {
        if (kind == Kind.JSON && !overflow && buffer.size() > 0) {
            document(buffer.toString(StandardCharsets.UTF_8));
        } else if (kind == Kind.SSE && buffer.size() > 0) {
            line();
        }
        buffer.reset();
        return new Reading(model, tokensIn, tokensOut, cost, error);
    }

    private void line() {
        String line = buffer.toString(StandardCharsets.UTF_8);
        boolean truncated = overflow;
        buffer.reset();
        overflow = false;
        if (line.endsWith("\r")) {
            line = line.substring(0, line.length() - 1);
        }
        if (truncated || !line.startsWith("data:")) {
            return; // event names, comments (": OPENROUTER PROCESSING"), ids; the JSON says what each event is
        }
        String data = line.substring(5).strip();
        if (data.isEmpty() || data.equals("[DONE]")) {
            return;
        }
        // Most chunks carry only text; parse those that can say something about usage or the model.
        if (data.contains("\"usage\"") || data.contains("\"error\"") || (model == null && data.contains("\"model\""))) {
            document(data);
        }
    }

    private void document(String text) {
        JsonNode root;
        try {
            root = json.readTree(text);
        } catch (IOException e) {
            return;
        }
        if (root == null || !root.isObject()) {
            return;
        }
        String type = root.path("type").asText("");
        JsonNode body = root;
        if (root.path("response").isObject()) {
            body = root.get("response"); // Responses API events: response.created / .completed / .incomplete / .failed
        } else if (type.equals("message_start") && root.path("message").isObject()) {
            body = root.get("message"); // Anthropic's first event
        }
        if (body.path("model").isTextual() && !body.get("model").asText().isBlank()) {
            model = body.get("model").asText();
        }
        JsonNode usage = body.path("usage");
        if (usage.isObject()) {
            usage(usage);
        }
        JsonNode err = root.path("error").isObject() ? root.get("error") : body.path("error");
        if (err.isObject() && err.path("message").isTextual()) {
            error = err.get("message").asText();
        }
    }

    /** Every count here is a total so far (Anthropic's message_delta included), so a later one replaces an earlier. */
    private void usage(JsonNode usage) {
        if (usage.hasNonNull("prompt_tokens") || usage.hasNonNull("completion_tokens")) {
            if (usage.hasNonNull("prompt_tokens")) {
                tokensIn = usage.get("prompt_tokens").asLong();
            }
            if (usage.hasNonNull("completion_tokens")) {
                tokensOut = usage.get("completion_tokens").asLong();
            }
        } else {
            if (usage.hasNonNull("input_tokens")) {
                // Anthropic counts cache writes and reads apart from input_tokens; OpenAI's cached tokens are inside it.
                tokensIn = usage.get("input_tokens").asLong()
                        + usage.path("cache_creation_input_tokens").asLong(0)
                        + usage.path("cache_read_input_tokens").asLong(0);
            }
            if (usage.hasNonNull("output_tokens")) {
                tokensOut = usage.get("output_tokens").asLong();
            }
        }
        if (usage.path("cost").isNumber()) {
            cost = usage.get("cost").asDouble(); // OpenRouter
        }
    }
}
