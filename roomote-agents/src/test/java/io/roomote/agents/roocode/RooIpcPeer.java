package io.roomote.agents.roocode;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The real-peer fixture: {@code src/test/node/roo-ipc-peer}, a Node program serving Roo Code's IPC protocol
 * with the real {@code node-ipc} 12.0.0 server and validating everything it receives with the real
 * {@code ipcMessageSchema} of {@code @roo-code/types}. Its dependencies come from the committed lockfile
 * by {@code npm ci}, run here when {@code node_modules} is missing or stale. {@code fake-code} stands in
 * for VS Code's {@code code} command and runs the peer.
 *
 * <p>The peer writes what happened (its start, connections, every command received, what it emitted,
 * rejections) to a record file, one JSON object per line, which {@link Record} reads.
 */
final class RooIpcPeer {

    static final Path DIR = moduleDir().resolve("src/test/node/roo-ipc-peer");
    private static final ObjectMapper MAPPER = new ObjectMapper();
    /** Kinds of record entries that mean the peer refused something or broke: each fails the test. */
    static final Set<String> PROBLEMS = Set.of("rejected", "unknown-client", "peer-bug", "scenario-error",
            "unknown-scenario", "no-socket-path");

    private static boolean installed;

    private RooIpcPeer() {
    }

    private static Path moduleDir() {
        String basedir = System.getProperty("basedir");
        Path dir = basedir != null ? Path.of(basedir) : Path.of("").toAbsolutePath();
        if (!Files.isDirectory(dir.resolve("src/test/node/roo-ipc-peer")) && Files.isDirectory(dir.resolve("roomote-agents"))) {
            dir = dir.resolve("roomote-agents"); // run from the repository root
        }
        return dir.toAbsolutePath();
    }

    /** The {@code code} stand-in, installed and executable. */
    static synchronized Path launcher() {
        if (!installed) {
            install();
            installed = true;
        }
        Path launcher = DIR.resolve("fake-code");
        try {
            Set<PosixFilePermission> perms = EnumSet.copyOf(Files.getPosixFilePermissions(launcher));
            if (perms.add(PosixFilePermission.OWNER_EXECUTE)) {
                Files.setPosixFilePermissions(launcher, perms);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return launcher;
    }

    private static void install() {
        String nodeVersion = run(List.of("node", "--version"), 30,
                "The Roo Code driver tests run a real node-ipc peer and need Node.js (20 or newer) and npm on the PATH");
        if (upToDate()) {
            return;
        }
        run(List.of("npm", "--version"), 60,
                "The Roo Code driver tests need npm (with Node.js " + nodeVersion.strip() + ") to install their peer's"
                        + " dependencies from " + DIR.resolve("package-lock.json"));
        run(List.of("npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"), 600,
                "'npm ci' failed in " + DIR + " (it needs the npm registry, or a cache holding node-ipc 12.0.0 and @roo-code/types)");
        if (!upToDate()) {
            throw new IllegalStateException("'npm ci' in " + DIR + " did not install node-ipc and @roo-code/types");
        }
    }

    /** node_modules holds the versions the lockfile pins. */
    private static boolean upToDate() {
        try {
            JsonNode lock = MAPPER.readTree(DIR.resolve("package-lock.json").toFile());
            for (String pkg : List.of("node-ipc", "@roo-code/types", "zod")) {
                Path installedJson = DIR.resolve("node_modules").resolve(pkg).resolve("package.json");
                if (!Files.exists(installedJson)) {
                    return false;
                }
                String wanted = lock.path("packages").path("node_modules/" + pkg).path("version").asText();
                if (!wanted.equals(MAPPER.readTree(installedJson.toFile()).path("version").asText())) {
                    return false;
                }
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String run(List<String> command, int timeoutSeconds, String explanation) {
        try {
            Path output = Files.createTempFile("roo-ipc-peer-", ".log");
            try {
                Process p = new ProcessBuilder(command).directory(DIR.toFile()).redirectErrorStream(true)
                        .redirectOutput(output.toFile()).start();
                if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new IllegalStateException(explanation + ": '" + String.join(" ", command) + "' took longer than "
                            + timeoutSeconds + " s");
                }
                String text = Files.readString(output, StandardCharsets.UTF_8);
                if (p.exitValue() != 0) {
                    throw new IllegalStateException(explanation + ": '" + String.join(" ", command) + "' exited with "
                            + p.exitValue() + ":\n" + text);
                }
                return text;
            } finally {
                Files.deleteIfExists(output);
            }
        } catch (IOException e) {
            throw new IllegalStateException(explanation + ": cannot run '" + String.join(" ", command) + "': " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** What one peer recorded. */
    static final class Record {
        private final Path file;

        Record(Path file) {
            this.file = file;
        }

        Path file() {
            return file;
        }

        List<JsonNode> entries() {
            if (!Files.exists(file)) {
                return List.of();
            }
            try {
                List<JsonNode> entries = new ArrayList<>();
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    if (!line.isBlank()) {
                        entries.add(MAPPER.readTree(line));
                    }
                }
                return entries;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        List<JsonNode> ofKind(String kind) {
            return entries().stream().filter(e -> kind.equals(e.path("kind").asText())).toList();
        }

        /** Every message the peer received, as sent on the wire, in order. */
        List<JsonNode> commands() {
            return ofKind("command").stream().map(e -> e.get("raw")).toList();
        }

        /** The same messages after the schema's parse (unknown keys stripped), in order. */
        List<JsonNode> parsedCommands() {
            return ofKind("command").stream().map(e -> e.get("parsed")).toList();
        }

        List<String> commandNames() {
            return commands().stream().map(c -> c.path("data").path("commandName").asText()).toList();
        }

        List<JsonNode> problems() {
            return entries().stream().filter(e -> PROBLEMS.contains(e.path("kind").asText())).toList();
        }

        JsonNode start() {
            return ofKind("start").stream().findFirst().orElseThrow(() -> new AssertionError("the peer never started"));
        }

        long pid() {
            return start().path("pid").asLong();
        }

        Optional<Long> childPid() {
            return ofKind("child").stream().findFirst().map(e -> e.path("pid").asLong());
        }

        List<String> clientIds() {
            return ofKind("connect").stream().map(e -> e.path("clientId").asText()).toList();
        }

        /** The kinds of entries and the names of events and commands, in the order they happened. */
        List<String> timeline() {
            return entries().stream().map(e -> switch (e.path("kind").asText()) {
                case "emitted" -> "emitted " + e.path("eventName").asText() + " " + e.path("taskId").asText();
                case "command" -> "received " + e.path("raw").path("data").path("commandName").asText();
                default -> e.path("kind").asText();
            }).toList();
        }

        /** Kills the peer and its child if they still run, removes its socket: for tests whose driver failed. */
        void cleanUp() throws IOException {
            for (JsonNode e : entries()) {
                if (e.has("pid")) {
                    ProcessHandle.of(e.path("pid").asLong())
                            .filter(h -> h.info().command().map(c -> c.endsWith("node")).orElse(false)) // not a reused pid
                            .ifPresent(ProcessHandle::destroyForcibly);
                }
                String socket = e.path("env").path("ROO_CODE_IPC_SOCKET_PATH").asText("");
                if (socket.startsWith("/tmp/roo-")) {
                    Files.deleteIfExists(Path.of(socket));
                }
            }
        }

        /** The task id of the first {@code taskStarted} the peer emitted. */
        String topLevelTaskId() {
            return ofKind("emitted").stream().filter(e -> "taskStarted".equals(e.path("eventName").asText()))
                    .map(e -> e.path("taskId").asText()).findFirst()
                    .orElseThrow(() -> new AssertionError("the peer never started a task: " + timeline()));
        }
    }
}
