package io.roomote.agents.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.roomote.agents.AgentRequest;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code qwen}: Qwen Code, {@code qwen --auth-type openai --yolo <prompt>}, configured through
 * {@code OPENAI_BASE_URL}, {@code OPENAI_API_KEY} and {@code OPENAI_MODEL}: OpenRouter (or
 * {@code ROOMOTE_AGENT_BASE_URL}) with the OpenRouter key, unless {@code OPENAI_API_KEY} is already in the
 * agent's environment (then its own {@code OPENAI_BASE_URL}, if any, stays too). Its user settings,
 * {@code <agentHome>/.qwen/settings.json}, turn off auto update, usage statistics and telemetry. Its output
 * is plain text, logged as it comes; no usage. Qwen Code 0.24.4 needs Node 22 or newer, absolute file
 * paths, and reads a file before editing it.
 *
 * <p>Not run here by the tests; command line, environment and settings are unit-tested only.
 */
public final class QwenAgentDriver extends CliAgentDriver {

    static final String DEFAULT_MODEL = "qwen/qwen3-coder";

    @Override
    public String name() {
        return "qwen";
    }

    @Override
    protected String defaultBinary() {
        return "qwen";
    }

    AgentProvider provider(AgentRequest request) {
        return AgentProvider.resolve(request, name(), DEFAULT_MODEL, List.of("OPENAI_API_KEY"));
    }

    @Override
    protected Optional<String> startedModel(AgentRequest request) {
        return model(request, provider(request));
    }

    @Override
    protected List<String> command(AgentRequest request, Path promptFile) {
        provider(request);
        return List.of(binary(request), "--auth-type", "openai", "--yolo", promptArgument(request));
    }

    @Override
    protected Map<String, String> agentEnvironment(AgentRequest request) throws IOException {
        writeConfig(request.agentHome(), ".qwen/settings.json", settingsJson());
        AgentProvider provider = provider(request);
        Map<String, String> env = new LinkedHashMap<>();
        if (!provider.isNative()) {
            env.put("OPENAI_BASE_URL", provider.baseUrl());
            env.put("OPENAI_API_KEY", request.environment().get(provider.apiKeyVariable()));
        }
        model(request, provider).ifPresent(m -> env.put("OPENAI_MODEL", m));
        return env;
    }

    static String settingsJson() {
        ObjectNode s = JSON.createObjectNode();
        s.putObject("general").put("disableAutoUpdate", true).put("disableUpdateNag", true);
        s.putObject("privacy").put("usageStatisticsEnabled", false);
        s.putObject("telemetry").put("enabled", false);
        return s.toPrettyString();
    }
}
