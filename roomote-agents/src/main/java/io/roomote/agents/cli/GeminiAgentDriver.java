package io.roomote.agents.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.roomote.agents.AgentRequest;
import io.roomote.agents.AgentUsage;
import io.roomote.spi.JobLogger;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code gemini}: Google's Gemini CLI, {@code gemini --yolo --output-format stream-json -p <prompt>}. It speaks
 * only Google's Gemini API, so it needs {@code GEMINI_API_KEY} in the agent's environment (OpenRouter and
 * {@code ROOMOTE_AGENT_BASE_URL} do not apply). Its user settings, {@code <agentHome>/.gemini/settings.json},
 * turn off auto update, the update nag, usage statistics and telemetry and select API-key auth. Usage comes
 * from its final {@code result} event.
 *
 * <p>Not run here (no Gemini-API scripted server); command line, settings and parsing are unit-tested only.
 */
public final class GeminiAgentDriver extends CliAgentDriver {

    /**
     * Assistant text arrives in delta chunks; they are joined and logged as one line when something else
     * happens. One pump thread reads one run's output, so a thread-local buffer is per run.
     */
    private static final ThreadLocal<StringBuilder> PENDING_TEXT = ThreadLocal.withInitial(StringBuilder::new);

    @Override
    public String name() {
        return "gemini";
    }

    @Override
    protected String defaultBinary() {
        return "gemini";
    }

    AgentProvider provider(AgentRequest request) {
        return AgentProvider.resolve(request, name(), null, List.of("GEMINI_API_KEY"));
    }

    @Override
    protected Optional<String> startedModel(AgentRequest request) {
        provider(request);
        return request.model();
    }

    @Override
    protected List<String> command(AgentRequest request, Path promptFile) {
        provider(request);
        List<String> argv = new ArrayList<>(List.of(binary(request), "--yolo", "--output-format", "stream-json"));
        request.model().ifPresent(m -> argv.addAll(List.of("-m", m)));
        argv.addAll(List.of("-p", promptArgument(request)));
        return argv;
    }

    @Override
    protected Map<String, String> agentEnvironment(AgentRequest request) throws IOException {
        writeConfig(request.agentHome(), ".gemini/settings.json", settingsJson());
        return Map.of();
    }

    static String settingsJson() {
        ObjectNode s = JSON.createObjectNode();
        s.putObject("general").put("disableAutoUpdate", true).put("disableUpdateNag", true);
        s.putObject("privacy").put("usageStatisticsEnabled", false);
        s.putObject("telemetry").put("enabled", false);
        s.putObject("security").putObject("auth").put("selectedType", "gemini-api-key");
        return s.toPrettyString();
    }

    // ---- output: `--output-format stream-json` -----------------------------------------------------------

    @Override
    protected boolean onEvent(JsonNode event, JobLogger log, AtomicReference<AgentUsage> usage) {
        String type = text(event, "type");
        if ("message".equals(type)) {
            if ("assistant".equals(text(event, "role"))) {
                PENDING_TEXT.get().append(text(event, "content"));
            }
            return true;
        }
        flushText(log);
        switch (type) {
            case "init" -> {
                log.info("gemini: session started (model " + text(event, "model") + ")");
                return true;
            }
            case "tool_use" -> {
                JsonNode p = event.path("parameters");
                String tool = text(event, "tool_name");
                log.info("run_shell_command".equals(tool) ? "$ " + oneLine(text(p, "command"))
                        : "gemini tool " + tool + " " + oneLine(p.toString()));
                return true;
            }
            case "tool_result" -> {
                if ("error".equals(text(event, "status"))) {
                    log.warn("  [tool error] " + oneLine(text(event.path("error"), "message")));
                } else if (!text(event, "output").isBlank()) {
                    log.info("  " + oneLine(text(event, "output")));
                }
                return true;
            }
            case "error" -> {
                log.warn("gemini: " + text(event, "severity") + ": " + oneLine(text(event, "message")));
                return true;
            }
            case "result" -> {
                JsonNode stats = event.path("stats");
                setUsage(usage, longOrNull(stats.get("input_tokens")), longOrNull(stats.get("output_tokens")), null, null);
                if ("error".equals(text(event, "status"))) {
                    log.error("gemini: failed: " + oneLine(text(event.path("error"), "message")));
                } else {
                    log.info("gemini: " + text(event, "status"));
                }
                return true;
            }
            default -> {
                return false;
            }
        }
    }

    private static void flushText(JobLogger log) {
        StringBuilder pending = PENDING_TEXT.get();
        if (!pending.toString().isBlank()) {
            log.info("gemini: " + oneLine(pending.toString()));
        }
        pending.setLength(0);
    }
}
