package io.roomote.agents.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.roomote.agents.AgentRequest;
import io.roomote.agents.AgentUsage;
import io.roomote.spi.JobLogger;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code opencode}: sst's opencode, {@code opencode run --format json}. Its whole config comes inline in
 * {@code OPENCODE_CONFIG_CONTENT}: one OpenAI-compatible provider {@code roomote} (OpenRouter, or
 * {@code ROOMOTE_AGENT_BASE_URL}) whose key opencode reads from {@code OPENROUTER_API_KEY} itself, edits and
 * shell allowed without asking, web fetches denied, sharing and autoupdate off; the {@code OPENCODE_DISABLE_*}
 * and {@code OPENCODE_PURE} variables stop update checks, the models.dev fetch, LSP downloads, sharing and
 * plugin installs. Its JSON events become
 * readable log lines and the token counts of its steps become the outcome's usage. Checked against
 * opencode 1.18.33. opencode has no key variable of its own: it always goes through the OpenAI-compatible
 * provider.
 */
public final class OpenCodeAgentDriver extends CliAgentDriver {

    static final String DEFAULT_MODEL = "anthropic/claude-sonnet-4.5";
    static final String PROVIDER = "roomote";

    @Override
    public String name() {
        return "opencode";
    }

    @Override
    protected String defaultBinary() {
        return "opencode";
    }

    AgentProvider provider(AgentRequest request) {
        return AgentProvider.resolve(request, name(), DEFAULT_MODEL, List.of());
    }

    @Override
    protected Optional<String> startedModel(AgentRequest request) {
        return model(request, provider(request));
    }

    private String modelId(AgentRequest request) {
        return model(request, provider(request)).orElseThrow();
    }

    @Override
    protected List<String> command(AgentRequest request, Path promptFile) {
        // --title skips the title request; the model is in the config and on the command line
        return List.of(binary(request), "run", "--title", "Roomote job " + request.jobId(), "--format", "json",
                "-m", PROVIDER + "/" + modelId(request), promptArgument(request));
    }

    @Override
    protected Map<String, String> agentEnvironment(AgentRequest request) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("OPENCODE_CONFIG_CONTENT", configJson(request));
        env.put("OPENCODE_DISABLE_AUTOUPDATE", "1");
        env.put("OPENCODE_DISABLE_MODELS_FETCH", "1");
        env.put("OPENCODE_DISABLE_LSP_DOWNLOAD", "1");
        env.put("OPENCODE_DISABLE_SHARE", "1");
        // no default or external plugins: without these, a fresh config folder npm-installs plugin packages
        // in the background (27 registry connections per run seen with 1.18.33; 1 metadata fetch remains)
        env.put("OPENCODE_DISABLE_DEFAULT_PLUGINS", "1");
        env.put("OPENCODE_PURE", "1");
        return env;
    }

    String configJson(AgentRequest request) {
        AgentProvider provider = provider(request);
        String model = modelId(request);
        ObjectNode config = JSON.createObjectNode();
        config.put("autoupdate", false);
        config.put("share", "disabled");
        config.put("model", PROVIDER + "/" + model);
        config.put("small_model", PROVIDER + "/" + model);
        config.putObject("permission").put("edit", "allow").put("bash", "allow").put("webfetch", "deny");
        ObjectNode p = config.putObject("provider").putObject(PROVIDER);
        p.put("npm", "@ai-sdk/openai-compatible");
        p.put("name", provider.baseUrl().equals(AgentProvider.OPENROUTER_URL) ? "OpenRouter" : PROVIDER);
        // opencode substitutes {env:NAME} itself: the key stays out of the config text
        p.putObject("options").put("baseURL", provider.baseUrl()).put("apiKey", "{env:" + provider.apiKeyVariable() + "}");
        ObjectNode m = p.putObject("models").putObject(model);
        m.put("name", model);
        m.put("tool_call", true);
        m.putObject("limit").put("context", 128000).put("output", 16384);
        return config.toString();
    }

    // ---- output: `opencode run --format json` events -----------------------------------------------------

    @Override
    protected boolean onEvent(JsonNode event, JobLogger log, AtomicReference<AgentUsage> usage) {
        JsonNode part = event.path("part");
        switch (text(event, "type")) {
            case "step_start" -> {
                return true;
            }
            case "text" -> {
                String text = text(part, "text");
                if (!text.isBlank()) {
                    log.info("opencode: " + oneLine(text));
                }
                return true;
            }
            case "reasoning" -> {
                log.log(JobLogger.Level.DEBUG, "opencode (reasoning): " + oneLine(text(part, "text")));
                return true;
            }
            case "tool_use" -> {
                toolUse(part, log);
                return true;
            }
            case "step_finish" -> {
                JsonNode tokens = part.path("tokens");
                // opencode counts cached input apart; the outcome's tokensIn is all input, as codex reports it
                Long in = longOrNull(tokens.get("input"));
                if (in != null) {
                    in += tokens.path("cache").path("read").asLong(0) + tokens.path("cache").path("write").asLong(0);
                }
                Long out = longOrNull(tokens.get("output"));
                Double cost = doubleOrNull(part.get("cost"));
                addUsage(usage, in, out, cost != null && cost > 0 ? cost : null, null);
                return true;
            }
            case "error" -> {
                JsonNode error = event.path("error");
                String message = error.path("data").path("message").asText(error.path("message").asText(error.toString()));
                log.error("opencode: error: " + oneLine(message));
                return true;
            }
            default -> {
                return false;
            }
        }
    }

    private static void toolUse(JsonNode part, JobLogger log) {
        String tool = text(part, "tool");
        JsonNode state = part.path("state");
        JsonNode input = state.path("input");
        String status = text(state, "status");
        String what = switch (tool) {
            case "bash" -> "$ " + oneLine(text(input, "command"));
            case "write", "edit", "read", "patch" -> tool + " " + text(input, "filePath");
            default -> tool + " " + oneLine(input.toString());
        };
        if ("error".equals(status)) {
            log.warn("[" + tool + " failed] " + what + ": " + oneLine(text(state, "error")));
            return;
        }
        if ("bash".equals(tool)) {
            JsonNode exit = state.path("metadata").path("exit");
            String code = exit.isNumber() ? exit.asText() : "?";
            String line = "[exit " + code + "] " + what.substring(2);
            if ("0".equals(code) || "?".equals(code)) {
                log.info(line);
            } else {
                log.warn(line);
            }
            String output = text(state, "output");
            if (!output.isBlank()) {
                log.info("  " + oneLine(output));
            }
        } else {
            log.info(what);
        }
    }
}
