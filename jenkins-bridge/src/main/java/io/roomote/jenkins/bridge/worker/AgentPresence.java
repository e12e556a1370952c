package io.roomote.jenkins.bridge.worker;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Checks, before the job starts, that the chosen agent's program is on the worker's PATH (in the build's
 * container, if any), so a missing agent fails at once with what to do instead of after the clone.
 * The command-line presets run {@code ROOMOTE_<NAME>_PATH} or their own name ({@code claude}, {@code codex},
 * {@code gemini}, {@code opencode}, {@code qwen}, {@code aider}); {@code roo-code} runs VS Code
 * ({@code ROOMOTE_VSCODE_PATH}, default {@code code}). Other agents (e.g. {@code command}) are not checked.
 */
public final class AgentPresence {

    /** The plugin's default agent: a command-line agent the worker image carries and that uses the OpenRouter key. */
    public static final String DEFAULT_AGENT = "opencode";
    static final Set<String> CLI_PRESETS = Set.of("claude", "codex", "gemini", "opencode", "qwen", "aider");
    static final String ROO_CODE = "roo-code";

    private AgentPresence() {
    }

    /**
     * Why {@code agent} cannot run here, or empty.
     *
     * @param settings the job's settings (for {@code ROOMOTE_<NAME>_PATH}, {@code ROOMOTE_VSCODE_PATH})
     * @param path     the worker's PATH
     */
    public static Optional<String> missing(String agent, Map<String, String> settings, String path) {
        if (agent == null) {
            return Optional.empty();
        }
        String name = agent.trim().toLowerCase(Locale.ROOT);
        String program;
        if (CLI_PRESETS.contains(name)) {
            program = settings.getOrDefault("ROOMOTE_" + name.toUpperCase(Locale.ROOT) + "_PATH", name);
        } else if (ROO_CODE.equals(name)) {
            program = settings.getOrDefault("ROOMOTE_VSCODE_PATH", "code");
        } else {
            return Optional.empty();
        }
        if (found(program, path)) {
            return Optional.empty();
        }
        String hint = ROO_CODE.equals(name)
                ? "the roo-code agent needs VS Code with the Roo Code extension: use the roomote/worker image (Dockerfile.worker,"
                  + " not built with --build-arg WITH_VSCODE=false) or set ROOMOTE_VSCODE_PATH, or choose a command-line agent such as "
                  + DEFAULT_AGENT + " (agent: '" + DEFAULT_AGENT + "', or Default agent in Manage Jenkins » System » Roomote)"
                : "install it in the node or its container image (Dockerfile.worker installs " + String.join(", ",
                  CLI_PRESETS.stream().sorted().toList()) + "), set ROOMOTE_" + name.toUpperCase(Locale.ROOT)
                  + "_PATH, or choose another agent";
        return Optional.of("agent '" + name + "' cannot run: \"" + program + "\" was not found on the PATH of the node"
                + " (or of its container); " + hint);
    }

    private static boolean found(String program, String path) {
        if (program.contains("/") || program.contains(File.separator)) {
            return Files.isExecutable(Path.of(program));
        }
        if (path == null) {
            return false;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }
}
