package io.roomote.agents.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Finds an agent's processes by a variable put into its environment, wherever they are in the process tree:
 * children that outlived their parent are re-parented away from the JVM, so the JVM's descendants alone
 * would miss them. Linux only (reads {@code /proc/PID/environ}); zombies have no environment and are not counted.
 */
public final class MarkedProcesses {

    public static final String VARIABLE = "ROOMOTE_TEST_MARKER";

    private final String marker = VARIABLE + "=" + UUID.randomUUID();

    /** The {@code NAME=value} entry to add to the agent's environment. */
    public String value() {
        return marker.substring(VARIABLE.length() + 1);
    }

    /** Live processes (other than zombies) whose environment carries the marker. */
    public List<String> alive() {
        List<String> found = new ArrayList<>();
        byte[] needle = marker.getBytes(StandardCharsets.UTF_8);
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path proc : (Iterable<Path>) procs::iterator) {
                String name = proc.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                try {
                    byte[] env = Files.readAllBytes(proc.resolve("environ"));
                    if (contains(env, needle)) {
                        String cmd = new String(Files.readAllBytes(proc.resolve("cmdline")), StandardCharsets.UTF_8)
                                .replace('\0', ' ').strip();
                        found.add(name + " " + cmd);
                    }
                } catch (IOException | SecurityException e) {
                    // gone, or not ours to read
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list /proc", e);
        }
        return found;
    }

    private static boolean contains(byte[] env, byte[] needle) {
        // entries are NUL-separated; match a whole entry
        outer:
        for (int i = 0; i + needle.length <= env.length; i++) {
            if (i > 0 && env[i - 1] != 0) {
                continue;
            }
            for (int j = 0; j < needle.length; j++) {
                if (env[i + j] != needle[j]) {
                    continue outer;
                }
            }
            if (i + needle.length == env.length || env[i + needle.length] == 0) {
                return true;
            }
        }
        return false;
    }
}
