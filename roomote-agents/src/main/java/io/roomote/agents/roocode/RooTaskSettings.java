package io.roomote.agents.roocode;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Objects;
import java.util.Optional;

/**
 * The {@code StartNewTask} command's data: Roo Code's settings for an unattended run (the values of
 * {@code EVALS_SETTINGS} from {@code @roo-code/types} that matter: OpenRouter as provider, everything
 * auto-approved, no checkpoints, browser or MCP, code mode, English, shell integration off, no rate limit),
 * the OpenRouter key and model, the prompt, and {@code newTab: true}.
 *
 * <p>The extension validates the whole command with zod: a {@code null} in an optional field or one wrong
 * type drops the command silently. So absent values are left out, never sent as {@code null}.
 */
final class RooTaskSettings {

    static final String API_KEY_FIELD = "openRouterApiKey";
    static final String MODEL_FIELD = "openRouterModelId";

    private RooTaskSettings() {
    }

    static final String BASE_URL_FIELD = "openRouterBaseUrl";

    static ObjectNode configuration(ObjectMapper mapper, Optional<String> openRouterApiKey, Optional<String> openRouterModelId) {
        return configuration(mapper, openRouterApiKey, openRouterModelId, Optional.empty());
    }

    /**
     * The flat {@code RooCodeSettings} object. Key, model and base URL (Roomote's model gateway, where Roo Code's
     * OpenRouter provider then sends its requests) are added only when present and not blank.
     */
    static ObjectNode configuration(ObjectMapper mapper, Optional<String> openRouterApiKey, Optional<String> openRouterModelId,
                                    Optional<String> openRouterBaseUrl) {
        ObjectNode c = mapper.createObjectNode();
        c.put("apiProvider", "openrouter");
        c.put("autoApprovalEnabled", true);
        c.put("alwaysAllowReadOnly", true);
        c.put("alwaysAllowWrite", true);
        c.put("alwaysAllowExecute", true);
        c.putArray("allowedCommands").add("*");
        c.put("alwaysApproveResubmit", true);
        c.put("alwaysAllowMcp", true);
        c.put("alwaysAllowModeSwitch", true);
        c.put("alwaysAllowSubtasks", true);
        c.put("browserToolEnabled", false);
        c.put("enableCheckpoints", false);
        c.put("mcpEnabled", false);
        c.put("mode", "code");
        c.put("language", "en");
        c.put("terminalShellIntegrationDisabled", true);
        c.put("rateLimitSeconds", 0);
        openRouterApiKey.map(String::trim).filter(s -> !s.isEmpty()).ifPresent(k -> c.put(API_KEY_FIELD, k));
        openRouterModelId.map(String::trim).filter(s -> !s.isEmpty()).ifPresent(m -> c.put(MODEL_FIELD, m));
        openRouterBaseUrl.map(String::trim).filter(s -> !s.isEmpty()).ifPresent(u -> c.put(BASE_URL_FIELD, u));
        return c;
    }

    /** {@code {configuration, text, newTab: true}}. */
    static ObjectNode startNewTask(ObjectMapper mapper, ObjectNode configuration, String prompt) {
        Objects.requireNonNull(prompt, "prompt");
        ObjectNode data = mapper.createObjectNode();
        data.set("configuration", configuration);
        data.put("text", prompt);
        data.put("newTab", true);
        return data;
    }

    /** A one-line description for the job log, without the key. */
    static String describe(ObjectNode configuration) {
        return "provider " + configuration.path("apiProvider").asText("?")
                + ", model " + configuration.path(MODEL_FIELD).asText("(Roo Code's default)")
                + ", mode " + configuration.path("mode").asText("?")
                + ", OpenRouter key " + (configuration.has(API_KEY_FIELD) ? "set" : "NOT set")
                + (configuration.has(BASE_URL_FIELD) ? ", base URL " + configuration.path(BASE_URL_FIELD).asText() : "")
                + ", auto-approval on, checkpoints off";
    }
}
