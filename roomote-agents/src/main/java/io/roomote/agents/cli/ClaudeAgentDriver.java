package io.roomote.agents.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.roomote.agents.AgentRequest;
import io.roomote.agents.AgentUsage;
import io.roomote.spi.JobLogger;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code claude}: Anthropic's Claude Code, {@code claude -p --dangerously-skip-permissions --output-format
 * stream-json --verbose}. Its config folder is {@code <agentHome>/.claude} ({@code CLAUDE_CONFIG_DIR}); auto
 * update, telemetry, error reporting and other non-essential traffic are off. With {@code ANTHROPIC_API_KEY}
 * (or {@code CLAUDE_CODE_OAUTH_TOKEN}) it talks to Anthropic; otherwise to OpenRouter's Anthropic-compatible
 * endpoint ({@code ANTHROPIC_BASE_URL=https://openrouter.ai/api}, the OpenRouter key as
 * {@code ANTHROPIC_AUTH_TOKEN}, {@code ANTHROPIC_API_KEY} empty), or to {@code ROOMOTE_AGENT_BASE_URL} without
 * its {@code /v1} (that endpoint must speak Anthropic's Messages API). As root, Claude Code refuses to skip
 * permissions unless {@code IS_SANDBOX=1}, which is set then: the job's agent runs in its own disposable
 * workspace and home. Usage and cost come from its final {@code result} event.
 *
 * <p>Not run here (no Anthropic-compatible scripted server); its command line, environment and parsing are
 * unit-tested only.
 */
public final class ClaudeAgentDriver extends CliAgentDriver {

    static final String DEFAULT_MODEL = "anthropic/claude-sonnet-4.5";

    @Override
    public String name() {
        return "claude";
    }

    @Override
    protected String defaultBinary() {
        return "claude";
    }

    AgentProvider provider(AgentRequest request) {
        return AgentProvider.resolve(request, name(), DEFAULT_MODEL, List.of("ANTHROPIC_API_KEY", "CLAUDE_CODE_OAUTH_TOKEN"));
    }

    @Override
    protected Optional<String> startedModel(AgentRequest request) {
        return model(request, provider(request));
    }

    @Override
    protected List<String> command(AgentRequest request, Path promptFile) {
        List<String> argv = new ArrayList<>(List.of(binary(request), "-p", "--dangerously-skip-permissions",
                "--output-format", "stream-json", "--verbose"));
        model(request, provider(request)).ifPresent(m -> argv.addAll(List.of("--model", m)));
        argv.add(promptArgument(request));
        return argv;
    }

    @Override
    protected Map<String, String> agentEnvironment(AgentRequest request) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("CLAUDE_CONFIG_DIR", request.agentHome().resolve(".claude").toString());
        env.put("DISABLE_AUTOUPDATER", "1");
        env.put("DISABLE_TELEMETRY", "1");
        env.put("DISABLE_ERROR_REPORTING", "1");
        env.put("DISABLE_BUG_COMMAND", "1");
        env.put("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1");
        if (isRoot()) {
            env.put("IS_SANDBOX", "1");
        }
        AgentProvider provider = provider(request);
        if (!provider.isNative()) {
            env.put("ANTHROPIC_BASE_URL", anthropicBaseUrl(provider.baseUrl()));
            env.put("ANTHROPIC_AUTH_TOKEN", request.environment().get(provider.apiKeyVariable()));
            env.put("ANTHROPIC_API_KEY", "");
        }
        return env;
    }

    /** Anthropic clients add {@code /v1/messages} themselves: {@code https://openrouter.ai/api/v1} → {@code https://openrouter.ai/api}. */
    static String anthropicBaseUrl(String openAiBaseUrl) {
        return openAiBaseUrl.endsWith("/v1") ? openAiBaseUrl.substring(0, openAiBaseUrl.length() - 3) : openAiBaseUrl;
    }

    // ---- output: `--output-format stream-json --verbose` -------------------------------------------------

    @Override
    protected boolean onEvent(JsonNode event, JobLogger log, AtomicReference<AgentUsage> usage) {
        switch (text(event, "type")) {
            case "system" -> {
                if ("init".equals(text(event, "subtype"))) {
                    log.info("claude: session started (model " + text(event, "model") + ")");
                }
                return true;
            }
            case "assistant" -> {
                for (JsonNode block : event.path("message").path("content")) {
                    switch (text(block, "type")) {
                        case "text" -> {
                            if (!text(block, "text").isBlank()) {
                                log.info("claude: " + oneLine(text(block, "text")));
                            }
                        }
                        case "thinking" -> log.log(JobLogger.Level.DEBUG, "claude (thinking): " + oneLine(text(block, "thinking")));
                        case "tool_use" -> log.info(toolUse(block));
                        default -> { }
                    }
                }
                return true;
            }
            case "user" -> {
                for (JsonNode block : event.path("message").path("content")) {
                    if ("tool_result".equals(text(block, "type"))) {
                        String output = toolResultText(block.path("content"));
                        if (block.path("is_error").asBoolean(false)) {
                            log.warn("  [tool error] " + oneLine(output));
                        } else if (!output.isBlank()) {
                            log.info("  " + oneLine(output));
                        }
                    }
                }
                return true;
            }
            case "result" -> {
                JsonNode u = event.path("usage");
                Long in = longOrNull(u.get("input_tokens"));
                if (in != null) {
                    in += u.path("cache_creation_input_tokens").asLong(0) + u.path("cache_read_input_tokens").asLong(0);
                }
                setUsage(usage, in, longOrNull(u.get("output_tokens")), doubleOrNull(event.get("total_cost_usd")), null);
                String line = "claude: " + text(event, "subtype") + " after " + text(event, "num_turns") + " turns";
                if (event.path("is_error").asBoolean(false)) {
                    log.error(line + ": " + oneLine(text(event, "result")));
                } else {
                    log.info(line);
                }
                return true;
            }
            default -> {
                return false;
            }
        }
    }

    private static String toolUse(JsonNode block) {
        String name = text(block, "name");
        JsonNode input = block.path("input");
        return switch (name) {
            case "Bash" -> "$ " + oneLine(text(input, "command"));
            case "Edit", "MultiEdit", "Write", "Read", "NotebookEdit" -> name.toLowerCase(java.util.Locale.ROOT) + " "
                    + text(input, input.has("file_path") ? "file_path" : "notebook_path");
            default -> "claude tool " + name + " " + oneLine(input.toString());
        };
    }

    private static String toolResultText(JsonNode content) {
        if (content.isTextual()) {
            return content.asText();
        }
        StringBuilder b = new StringBuilder();
        for (JsonNode c : content) {
            if ("text".equals(text(c, "type"))) {
                b.append(text(c, "text")).append('\n');
            }
        }
        return b.toString();
    }
}
