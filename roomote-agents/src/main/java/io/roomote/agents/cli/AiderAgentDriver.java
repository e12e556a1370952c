package io.roomote.agents.cli;

import io.roomote.agents.AgentRequest;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code aider}: Aider, {@code aider --message-file <prompt file> --yes-always …}: one message, every
 * confirmation answered yes, then it exits. Auto-commits stay on (Roomote's prompt asks the agent to commit;
 * aider commits its own edits). Update checks, analytics, release notes and model warnings are off; it does
 * not touch {@code .gitignore}, and its chat and input histories go to the agent's home instead of the
 * workspace. Provider: with {@code ANTHROPIC_API_KEY} or {@code OPENAI_API_KEY} in the agent's environment,
 * aider's own (model as requested, else aider's default); otherwise OpenRouter as {@code openrouter/<model>}
 * (aider reads {@code OPENROUTER_API_KEY} itself), or {@code ROOMOTE_AGENT_BASE_URL} as an OpenAI-compatible
 * {@code openai/<model>} with {@code OPENAI_API_BASE}. Plain text output; no usage.
 *
 * <p>Not run here by the tests; command line and environment are unit-tested only.
 */
public final class AiderAgentDriver extends CliAgentDriver {

    static final String DEFAULT_MODEL = "anthropic/claude-sonnet-4.5";

    @Override
    public String name() {
        return "aider";
    }

    @Override
    protected String defaultBinary() {
        return "aider";
    }

    AgentProvider provider(AgentRequest request) {
        return AgentProvider.resolve(request, name(), DEFAULT_MODEL, List.of("ANTHROPIC_API_KEY", "OPENAI_API_KEY"));
    }

    /** The model as aider (litellm) names it. */
    Optional<String> aiderModel(AgentRequest request) {
        AgentProvider provider = provider(request);
        Optional<String> model = model(request, provider);
        if (provider.isNative()) {
            return model;
        }
        String prefix = provider.baseUrl().equals(AgentProvider.OPENROUTER_URL) ? "openrouter/" : "openai/";
        return model.map(m -> m.startsWith(prefix) ? m : prefix + m);
    }

    @Override
    protected Optional<String> startedModel(AgentRequest request) {
        return aiderModel(request);
    }

    @Override
    protected List<String> command(AgentRequest request, Path promptFile) {
        Path home = request.agentHome();
        List<String> argv = new ArrayList<>(List.of(binary(request), "--message-file", promptFile.toString(),
                "--yes-always", "--no-check-update", "--analytics-disable", "--no-show-release-notes",
                "--no-show-model-warnings", "--no-pretty", "--no-fancy-input", "--no-gitignore",
                "--chat-history-file", home.resolve("aider.chat.history.md").toString(),
                "--input-history-file", home.resolve("aider.input.history").toString()));
        aiderModel(request).ifPresent(m -> argv.addAll(List.of("--model", m)));
        return argv;
    }

    @Override
    protected Map<String, String> agentEnvironment(AgentRequest request) {
        AgentProvider provider = provider(request);
        Map<String, String> env = new LinkedHashMap<>();
        if (!provider.isNative() && !provider.baseUrl().equals(AgentProvider.OPENROUTER_URL)) {
            env.put("OPENAI_API_BASE", provider.baseUrl());
            env.put("OPENAI_API_KEY", request.environment().get(provider.apiKeyVariable()));
        }
        return env;
    }
}
