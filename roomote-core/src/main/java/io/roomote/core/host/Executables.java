package io.roomote.core.host;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Optional;

/** Finds a program the way a shell would, but on a given {@code PATH} rather than this JVM's. */
public final class Executables {

    /** Used when the environment has no {@code PATH} at all. */
    public static final String DEFAULT_SEARCH_PATH = "/usr/local/bin:/usr/bin:/bin";

    private Executables() {
    }

    /**
     * {@code command} itself when it contains a slash, else the first {@code dir/command} on {@code searchPath};
     * only a regular file this process may execute counts. The result is absolute.
     */
    public static Optional<Path> find(String command, String searchPath) {
        if (command == null || command.isBlank()) {
            return Optional.empty();
        }
        try {
            if (command.contains("/")) {
                return executable(Path.of(command));
            }
            for (String dir : (searchPath == null ? DEFAULT_SEARCH_PATH : searchPath).split(":")) {
                if (!dir.isEmpty()) {
                    Optional<Path> found = executable(Path.of(dir, command));
                    if (found.isPresent()) {
                        return found;
                    }
                }
            }
        } catch (InvalidPathException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    private static Optional<Path> executable(Path p) {
        return Files.isRegularFile(p) && Files.isExecutable(p)
                ? Optional.of(p.toAbsolutePath().normalize()) : Optional.empty();
    }
}
