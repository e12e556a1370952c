package io.roomote.agents.cli;

import io.roomote.agents.AgentRequest;
import io.roomote.core.config.ConfigurationException;

import java.util.List;
import java.util.Optional;

/**
 * Where an agent's model requests go, chosen in this order:
 * <ol>
 *   <li>the request names a model endpoint (Roomote's model gateway, with a per-job token in
 *       {@code OPENROUTER_API_KEY}), or {@code ROOMOTE_AGENT_BASE_URL} is set: that OpenAI-compatible endpoint (a gateway, or the tests'
 *       scripted server), with the key in {@code OPENROUTER_API_KEY};</li>
 *   <li>the agent's own key variable is in the agent's environment (e.g. {@code ANTHROPIC_API_KEY} for
 *       claude): the agent's own provider, with the agent's own default model unless one is requested;</li>
 *   <li>{@code OPENROUTER_API_KEY} is in the agent's environment: OpenRouter, which is OpenAI-compatible at
 *       {@value #OPENROUTER_URL}.</li>
 * </ol>
 *
 * @param kind           OpenAI-compatible endpoint, or the agent's own provider
 * @param baseUrl        the OpenAI-compatible base URL (ending in {@code /v1} or {@code /api/v1}); empty for NATIVE
 * @param apiKeyVariable the environment variable that holds the key
 * @param defaultModel   the preset's model when the request names none; empty: the agent's own default
 */
public record AgentProvider(Kind kind, String baseUrl, String apiKeyVariable, Optional<String> defaultModel) {

    public enum Kind { OPENAI_COMPATIBLE, NATIVE }

    /** Roomote setting: an OpenAI-compatible base URL used instead of OpenRouter, e.g. {@code http://127.0.0.1:8080/v1}. */
    public static final String BASE_URL_SETTING = "ROOMOTE_AGENT_BASE_URL";
    public static final String OPENROUTER_URL = "https://openrouter.ai/api/v1";
    public static final String OPENROUTER_KEY = "OPENROUTER_API_KEY";

    /**
     * @param agent             the preset's name, for messages
     * @param openRouterModel   the default model on OpenRouter or a custom endpoint; null when the agent cannot use one
     * @param nativeKeys        the agent's own key variables, first found wins
     */
    static AgentProvider resolve(AgentRequest request, String agent, String openRouterModel, List<String> nativeKeys) {
        // Roomote's model gateway, when the job uses one, comes before any setting: the agent holds no real key.
        Optional<String> baseUrl = request.modelBaseUrl().or(() -> request.config().get(BASE_URL_SETTING));
        if (baseUrl.isPresent() && openRouterModel != null) {
            requireKey(request, agent, OPENROUTER_KEY, nativeKeys, " (" + BASE_URL_SETTING + " is set)");
            return new AgentProvider(Kind.OPENAI_COMPATIBLE, stripSlash(baseUrl.get()), OPENROUTER_KEY, Optional.of(openRouterModel));
        }
        for (String key : nativeKeys) {
            if (present(request, key)) {
                return new AgentProvider(Kind.NATIVE, "", key, Optional.empty());
            }
        }
        if (openRouterModel == null) {
            throw new ConfigurationException("agent '" + agent + "' needs " + String.join(" or ", nativeKeys)
                    + " in the agent's environment (it cannot use OpenRouter)");
        }
        requireKey(request, agent, OPENROUTER_KEY, nativeKeys, "");
        return new AgentProvider(Kind.OPENAI_COMPATIBLE, OPENROUTER_URL, OPENROUTER_KEY, Optional.of(openRouterModel));
    }

    boolean isNative() {
        return kind == Kind.NATIVE;
    }

    private static void requireKey(AgentRequest request, String agent, String key, List<String> nativeKeys, String why) {
        if (!present(request, key)) {
            String alternatives = nativeKeys.isEmpty() || why.length() > 0 ? "" : " (or " + String.join(" or ", nativeKeys) + ")";
            throw new ConfigurationException("agent '" + agent + "' needs " + key + alternatives
                    + " in the agent's environment" + why);
        }
    }

    private static boolean present(AgentRequest request, String key) {
        String value = request.environment().get(key);
        return value != null && !value.isBlank();
    }

    private static String stripSlash(String url) {
        String u = url.strip();
        while (u.endsWith("/")) {
            u = u.substring(0, u.length() - 1);
        }
        return u;
    }
}
