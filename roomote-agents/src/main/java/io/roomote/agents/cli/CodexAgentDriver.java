package io.roomote.agents.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.roomote.agents.AgentRequest;
import io.roomote.agents.AgentUsage;
import io.roomote.core.config.ConfigurationException;
import io.roomote.spi.JobLogger;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code codex}: OpenAI's Codex CLI, {@code codex exec --json}. Its config lives in
 * {@code <agentHome>/.codex/config.toml} ({@code CODEX_HOME}): a model provider for OpenRouter (or
 * {@code ROOMOTE_AGENT_BASE_URL}, or OpenAI with {@code OPENAI_API_KEY}) speaking the Responses API, no
 * approvals, no sandbox of its own (its sandbox mounts {@code .git} read-only, so it could not commit),
 * update checks, analytics, feedback and plugin sync off. Its JSONL events become readable log lines and
 * {@code turn.completed} usage becomes the outcome's token counts. Checked against codex 0.169.0.
 */
public final class CodexAgentDriver extends CliAgentDriver {

    /** Roomote setting: how often codex retries a failed model request or stream (default 2). */
    public static final String RETRIES_SETTING = "ROOMOTE_CODEX_MAX_RETRIES";
    static final String DEFAULT_MODEL = "openai/gpt-5-codex";
    static final String OPENAI_URL = "https://api.openai.com/v1";

    @Override
    public String name() {
        return "codex";
    }

    @Override
    protected String defaultBinary() {
        return "codex";
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
        List<String> argv = new ArrayList<>(List.of(binary(request), "exec", "--dangerously-bypass-approvals-and-sandbox",
                "--skip-git-repo-check", "--color", "never", "--json"));
        model(request, provider(request)).ifPresent(m -> argv.addAll(List.of("-m", m)));
        argv.add(promptArgument(request));
        return argv;
    }

    @Override
    protected Map<String, String> agentEnvironment(AgentRequest request) throws IOException {
        Path codexHome = request.agentHome().resolve(".codex");
        writeConfig(request.agentHome(), ".codex/config.toml", configToml(request));
        return Map.of("CODEX_HOME", codexHome.toString());
    }

    String configToml(AgentRequest request) {
        AgentProvider provider = provider(request);
        Optional<String> model = model(request, provider);
        int retries = retries(request);
        String baseUrl = provider.isNative() ? OPENAI_URL : provider.baseUrl();
        StringBuilder toml = new StringBuilder();
        toml.append("# Written by Roomote for one job; see docs/agents/cli-agents.md\n");
        model.ifPresent(m -> toml.append("model = ").append(quote(m)).append('\n'));
        toml.append("model_provider = \"roomote\"\n")
                .append("approval_policy = \"never\"\n")
                .append("sandbox_mode = \"danger-full-access\"\n")
                .append("check_for_update_on_startup = false\n")
                .append('\n')
                .append("[model_providers.roomote]\n")
                .append("name = ").append(quote(provider.isNative() ? "OpenAI" : baseUrl.equals(AgentProvider.OPENROUTER_URL) ? "OpenRouter" : "roomote")).append('\n')
                .append("base_url = ").append(quote(baseUrl)).append('\n')
                .append("env_key = ").append(quote(provider.apiKeyVariable())).append('\n')
                .append("wire_api = \"responses\"\n")
                .append("request_max_retries = ").append(retries).append('\n')
                .append("stream_max_retries = ").append(retries).append('\n')
                .append('\n')
                .append("[analytics]\nenabled = false\n\n")
                .append("[feedback]\nenabled = false\n\n")
                .append("[features]\n")
                .append("plugins = false\n")
                .append("remote_plugin = false\n")
                .append("apps = false\n")
                .append("plugin_sharing = false\n")
                .append("unbounded_connection_retries = false\n");
        return toml.toString();
    }

    private int retries(AgentRequest request) {
        String raw = request.config().get(RETRIES_SETTING, "2");
        try {
            int n = Integer.parseInt(raw.strip());
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new ConfigurationException(RETRIES_SETTING + " must be a whole number from 0, got '" + raw + "'");
        }
    }

    /** A TOML basic string. */
    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    // ---- output: `codex exec --json` events ------------------------------------------------------------

    @Override
    protected boolean onEvent(JsonNode event, JobLogger log, AtomicReference<AgentUsage> usage) {
        String type = text(event, "type");
        switch (type) {
            case "thread.started", "turn.started" -> {
                return true;
            }
            case "item.started" -> {
                JsonNode item = event.path("item");
                if ("command_execution".equals(text(item, "type"))) {
                    log.info("$ " + oneLine(text(item, "command")));
                }
                return true;
            }
            case "item.updated" -> {
                return true;
            }
            case "item.completed" -> {
                item(event.path("item"), log);
                return true;
            }
            case "turn.completed" -> {
                JsonNode u = event.path("usage");
                Long in = longOrNull(u.get("input_tokens"));
                Long out = longOrNull(u.get("output_tokens"));
                addUsage(usage, in, out, null, null);
                log.info("codex: turn completed (tokens in " + (in == null ? "?" : in) + ", cached "
                        + (u.has("cached_input_tokens") ? u.get("cached_input_tokens").asText() : "?")
                        + ", out " + (out == null ? "?" : out) + ")");
                return true;
            }
            case "turn.failed" -> {
                log.error("codex: turn failed: " + oneLine(text(event.path("error"), "message")));
                return true;
            }
            case "error" -> {
                log.warn("codex: error: " + oneLine(text(event, "message")));
                return true;
            }
            default -> {
                return false;
            }
        }
    }

    private static void item(JsonNode item, JobLogger log) {
        switch (text(item, "type")) {
            case "agent_message" -> log.info("codex: " + oneLine(text(item, "text")));
            case "reasoning" -> log.log(JobLogger.Level.DEBUG, "codex (reasoning): " + oneLine(text(item, "text")));
            case "command_execution" -> {
                String exit = item.hasNonNull("exit_code") ? item.get("exit_code").asText() : "?";
                String line = "[exit " + exit + "] " + oneLine(text(item, "command"));
                if ("0".equals(exit)) {
                    log.info(line);
                } else {
                    log.warn(line);
                }
                String output = text(item, "aggregated_output");
                if (!output.isBlank()) {
                    log.info("  " + oneLine(output));
                }
            }
            case "file_change" -> {
                List<String> changes = new ArrayList<>();
                for (JsonNode c : item.path("changes")) {
                    changes.add(text(c, "kind") + " " + text(c, "path"));
                }
                String status = text(item, "status");
                log.info("files changed" + (status.isEmpty() || status.equals("completed") ? "" : " (" + status + ")")
                        + ": " + String.join(", ", changes));
            }
            case "mcp_tool_call" -> log.info("codex: tool " + text(item, "server") + "/" + text(item, "tool")
                    + " " + text(item, "status"));
            case "web_search" -> log.info("codex: web search: " + oneLine(text(item, "query")));
            case "todo_list" -> {
                List<String> todo = new ArrayList<>();
                for (JsonNode t : item.path("items")) {
                    todo.add((t.path("completed").asBoolean() ? "[x] " : "[ ] ") + text(t, "text"));
                }
                log.info("codex plan: " + oneLine(String.join("; ", todo)));
            }
            case "error" -> log.warn("codex: error: " + oneLine(text(item, "message")));
            default -> log.info("codex: " + oneLine(item.toString()));
        }
    }
}
