package io.roomote.agents.roocode;

import io.roomote.spi.Configuration;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How VS Code is started for one Roo Code task, as the original worker did: its own user-data folder,
 * {@code --wait} (so the process lives as long as the window), no workspace-trust prompt, no GPU, no
 * sandbox (needed as root), a basic password store, a new window on the workspace — under
 * {@code xvfb-run} when the agent's environment has no {@code DISPLAY}. The extension opens its IPC
 * server at {@code ROO_CODE_IPC_SOCKET_PATH}.
 */
final class VsCodeLauncher {

    /** Path or name of the {@code code} command. */
    static final String PATH_SETTING = "ROOMOTE_VSCODE_PATH";
    /** Optional {@code --extensions-dir}, e.g. where Roo Code was installed for the worker image. */
    static final String EXTENSIONS_DIR_SETTING = "ROOMOTE_VSCODE_EXTENSIONS_DIR";
    /** How long to wait for the extension's IPC socket after starting VS Code. */
    static final String START_TIMEOUT_SETTING = "ROOMOTE_VSCODE_START_TIMEOUT";
    static final String SOCKET_ENV = "ROO_CODE_IPC_SOCKET_PATH";
    /** The kernel's limit for a Unix-domain socket path (sun_path is 108 bytes with the terminating NUL). */
    static final int MAX_SOCKET_PATH_BYTES = 107;

    private static final SecureRandom RANDOM = new SecureRandom();

    private VsCodeLauncher() {
    }

    /** A short, unique socket path: {@code /tmp/roo-<8 hex>.sock}. */
    static Path newSocketPath() {
        byte[] id = new byte[4];
        RANDOM.nextBytes(id);
        Path path = Path.of("/tmp", "roo-" + HexFormat.of().formatHex(id) + ".sock");
        if (path.toString().getBytes(StandardCharsets.UTF_8).length > MAX_SOCKET_PATH_BYTES) {
            throw new IllegalStateException("socket path too long: " + path);
        }
        return path;
    }

    /**
     * A socket in {@code folder} (a folder the sandbox shares with the host), {@code roo-<8 hex>.sock}; refused
     * when the path would pass the kernel's limit.
     */
    static Path newSocketPath(Path folder) {
        byte[] id = new byte[4];
        RANDOM.nextBytes(id);
        Path path = folder.resolve("roo-" + HexFormat.of().formatHex(id) + ".sock");
        if (path.toString().getBytes(StandardCharsets.UTF_8).length > MAX_SOCKET_PATH_BYTES) {
            throw new IllegalStateException("the Roo Code socket path " + path + " is longer than the kernel's limit of "
                    + MAX_SOCKET_PATH_BYTES + " bytes: set ROOMOTE_HOME to a shorter folder");
        }
        return path;
    }

    /** The argv (without {@code setsid}). */
    static List<String> command(Configuration config, Map<String, String> environment, Path userDataDir, Path workspace) {
        String code = config.get(PATH_SETTING).orElse("code");
        Optional<String> extensionsDir = config.get(EXTENSIONS_DIR_SETTING);
        return command(code, extensionsDir, userDataDir, workspace, hasDisplay(environment));
    }

    static List<String> command(String code, Optional<String> extensionsDir, Path userDataDir, Path workspace, boolean hasDisplay) {
        List<String> argv = new ArrayList<>();
        if (!hasDisplay) {
            argv.addAll(List.of("xvfb-run", "--auto-servernum", "--server-num=1"));
        }
        argv.addAll(List.of(code, "--wait", "--log", "trace", "--disable-workspace-trust", "--disable-gpu",
                "--disable-lcd-text", "--no-sandbox", "--user-data-dir", userDataDir.toString(), "--password-store=basic"));
        extensionsDir.ifPresent(dir -> {
            argv.add("--extensions-dir");
            argv.add(dir);
        });
        argv.add("-n");
        argv.add(workspace.toString());
        return argv;
    }

    /** Exactly the agent's environment, plus the socket path and (when not given) HOME = the agent's home. */
    static Map<String, String> environment(Map<String, String> agentEnvironment, Path agentHome, Path socket) {
        Map<String, String> env = new HashMap<>(agentEnvironment);
        env.putIfAbsent("HOME", agentHome.toString());
        env.put(SOCKET_ENV, socket.toString());
        return env;
    }

    static boolean hasDisplay(Map<String, String> environment) {
        String display = environment.get("DISPLAY");
        return display != null && !display.isBlank();
    }
}
