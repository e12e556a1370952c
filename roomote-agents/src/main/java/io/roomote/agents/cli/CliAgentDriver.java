package io.roomote.agents.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.roomote.agents.AgentOutcome;
import io.roomote.agents.AgentRequest;
import io.roomote.agents.AgentUsage;
import io.roomote.agents.process.ProcessAgentDriver;
import io.roomote.core.config.ConfigurationException;
import io.roomote.spi.JobLogger;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What every command-line agent preset shares: the binary from {@code ROOMOTE_<NAME>_PATH}, a private HOME
 * and XDG folders under {@link AgentRequest#agentHome()}, config files written there, the provider choice
 * ({@link AgentProvider}) and JSON-lines output turned into readable log lines.
 *
 * <p>Subclasses add their flags, environment and output parsing. The exit code stays a report only: the
 * caller judges the work from the repository.
 */
public abstract class CliAgentDriver extends ProcessAgentDriver {

    /** Longest text kept from one agent message or command output in a readable log line. */
    static final int MAX_TEXT = 2000;

    /** Linux refuses a single argument longer than this (MAX_ARG_STRLEN); the prompt is one argument. */
    static final int MAX_ARGUMENT_BYTES = 128 * 1024 - 1;

    static final ObjectMapper JSON = new ObjectMapper();

    /** The binary run when {@link #pathSetting()} is not set, looked up on the agent's PATH. */
    protected abstract String defaultBinary();

    /** {@code ROOMOTE_CODEX_PATH} and so on: the agent's binary. */
    public String pathSetting() {
        return "ROOMOTE_" + name().toUpperCase(Locale.ROOT).replace('-', '_') + "_PATH";
    }

    protected final String binary(AgentRequest request) {
        return request.config().get(pathSetting()).orElse(defaultBinary());
    }

    /** The agent-specific variables; {@link #extraEnvironment} adds the private HOME and XDG folders to them. */
    protected abstract Map<String, String> agentEnvironment(AgentRequest request) throws IOException;

    @Override
    protected final Map<String, String> extraEnvironment(AgentRequest request) throws IOException {
        Map<String, String> env = new LinkedHashMap<>(isolatedHome(request.agentHome()));
        env.putAll(agentEnvironment(request));
        return env;
    }

    /**
     * HOME and the XDG base folders, all inside the agent's home, so that no agent reads or writes the
     * user's own configuration, caches, credentials or history. The folders are created.
     */
    static Map<String, String> isolatedHome(Path home) throws IOException {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("HOME", home.toString());
        env.put("XDG_CONFIG_HOME", home.resolve(".config").toString());
        env.put("XDG_DATA_HOME", home.resolve(".local/share").toString());
        env.put("XDG_STATE_HOME", home.resolve(".local/state").toString());
        env.put("XDG_CACHE_HOME", home.resolve(".cache").toString());
        for (String dir : env.values()) {
            Files.createDirectories(Path.of(dir));
        }
        return env;
    }

    /** Writes a config file under the agent's home (creating folders), readable by its owner only. */
    static Path writeConfig(Path home, String relativePath, String content) throws IOException {
        Path file = home.resolve(relativePath);
        Files.createDirectories(file.getParent());
        Files.writeString(file, content, StandardCharsets.UTF_8);
        try {
            Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: the folder is private to the job anyway
        }
        return file;
    }

    /** The prompt as the last argument of the command line; refuses one the kernel would refuse. */
    static String promptArgument(AgentRequest request) {
        int bytes = request.prompt().getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_ARGUMENT_BYTES) {
            throw new ConfigurationException("the prompt is " + bytes + " bytes; this agent takes it as one command-line "
                    + "argument, which Linux limits to " + MAX_ARGUMENT_BYTES + " bytes");
        }
        return request.prompt();
    }

    /** Runs the agent; the outcome's usage names the model the agent was started with when it reported none. */
    @Override
    public AgentOutcome run(AgentRequest request) throws IOException, InterruptedException {
        Optional<String> model = startedModel(request);
        AgentOutcome outcome = super.run(request);
        return new AgentOutcome(outcome.status(), outcome.message(),
                outcome.usage().orElse(new AgentUsage(null, null, null, model.orElse(null))));
    }

    /** The model this preset passes to the agent, if it passes one. */
    protected abstract Optional<String> startedModel(AgentRequest request);

    /** The requested model, or this preset's default for the provider (empty: the agent's own default). */
    protected final Optional<String> model(AgentRequest request, AgentProvider provider) {
        return request.model().or(() -> provider.defaultModel());
    }

    // ---- output --------------------------------------------------------------------------------------

    /**
     * Lines that are JSON objects go to {@link #onEvent}; anything else (warnings, plain output) is logged
     * as it is.
     */
    @Override
    protected void onOutput(String line, JobLogger log, AtomicReference<AgentUsage> usage) {
        Optional<JsonNode> event = parseObject(line);
        boolean handled = false;
        try {
            handled = event.isPresent() && onEvent(event.get(), log, usage);
        } catch (RuntimeException e) {
            // an event of a shape we did not expect must not stop the output pump (the agent would block)
            log.log(JobLogger.Level.DEBUG, "cannot read agent event: " + e);
        }
        if (!handled) {
            log.info(line);
        }
    }

    /** Handles one JSON event; returns false to have the raw line logged instead. */
    protected boolean onEvent(JsonNode event, JobLogger log, AtomicReference<AgentUsage> usage) {
        return false;
    }

    static Optional<JsonNode> parseObject(String line) {
        String trimmed = line.strip();
        if (!trimmed.startsWith("{") || !trimmed.endsWith("}")) {
            return Optional.empty();
        }
        try {
            JsonNode node = JSON.readTree(trimmed);
            return node != null && node.isObject() ? Optional.of(node) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Adds token counts to what is known so far (agents report per turn or per step). */
    static void addUsage(AtomicReference<AgentUsage> usage, Long tokensIn, Long tokensOut, Double costUsd, String model) {
        usage.updateAndGet(u -> new AgentUsage(sum(u.tokensIn(), tokensIn), sum(u.tokensOut(), tokensOut),
                sum(u.costUsd(), costUsd), model != null ? model : u.model()));
    }

    /** Replaces the totals: for agents whose final event carries the whole run's usage. */
    static void setUsage(AtomicReference<AgentUsage> usage, Long tokensIn, Long tokensOut, Double costUsd, String model) {
        usage.updateAndGet(u -> new AgentUsage(tokensIn, tokensOut, costUsd, model).orElse(u));
    }

    private static Long sum(Long a, Long b) {
        if (b == null) {
            return a;
        }
        return a == null ? b : Long.valueOf(a + b);
    }

    private static Double sum(Double a, Double b) {
        if (b == null) {
            return a;
        }
        return a == null ? b : Double.valueOf(a + b);
    }

    static Long longOrNull(JsonNode node) {
        return node != null && node.isNumber() ? node.asLong() : null;
    }

    static Double doubleOrNull(JsonNode node) {
        return node != null && node.isNumber() ? node.asDouble() : null;
    }

    static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? "" : v.isValueNode() ? v.asText() : v.toString();
    }

    /** A message or command output as one log line: trimmed, inner line breaks shown as " ⏎ ", shortened. */
    static String oneLine(String text) {
        String s = text.strip().replace("\r\n", "\n").replace("\n", " ⏎ ");
        return s.length() > MAX_TEXT ? s.substring(0, MAX_TEXT) + " …" : s;
    }

    static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.substring(4).strip().split("\\s+")[0].equals("0");
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: assume not root
        }
        return false;
    }
}
