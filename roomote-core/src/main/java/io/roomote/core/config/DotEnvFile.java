package io.roomote.core.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a {@code .env} file: {@code NAME=value} lines, optional {@code export }, {@code #} comments,
 * single- or double-quoted values. No variable expansion (a secret containing {@code $} stays intact).
 */
public final class DotEnvFile {

    private DotEnvFile() {
    }

    /** The file's entries, or none when it does not exist (the default {@code ./.env} is optional). */
    public static Map<String, String> read(Path file) {
        if (!Files.exists(file)) {
            return Map.of();
        }
        return readRequired(file);
    }

    /** The file's entries; a file that is missing or cannot be read is a {@link ConfigurationException} saying why. */
    public static Map<String, String> readRequired(Path file) {
        if (!Files.exists(file)) {
            throw new ConfigurationException("the settings file " + file + " does not exist; check the path given with"
                    + " --env-file");
        }
        if (Files.isDirectory(file)) {
            throw new ConfigurationException("the settings file " + file + " is a directory, not a file of NAME=value lines");
        }
        try {
            return parse(Files.readAllLines(file, StandardCharsets.UTF_8), file.toString());
        } catch (IOException e) {
            throw new ConfigurationException("cannot read the settings file " + file + ": " + reason(e), e);
        }
    }

    /** Why reading failed, in words: the JDK's messages of these exceptions are only the path again. */
    static String reason(IOException e) {
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied (the user running Roomote cannot read it; check its owner and mode)";
        }
        if (e instanceof java.nio.file.NoSuchFileException) {
            return "it does not exist";
        }
        if (e instanceof java.nio.charset.CharacterCodingException) {
            return "it is not UTF-8 text";
        }
        if (e instanceof java.nio.file.FileSystemException fs && fs.getReason() != null) {
            return fs.getReason();
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    static Map<String, String> parse(List<String> lines, String source) {
        Map<String, String> values = new LinkedHashMap<>();
        int lineNo = 0;
        for (String raw : lines) {
            lineNo++;
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("export ")) {
                line = line.substring("export ".length()).strip();
            }
            int eq = line.indexOf('=');
            if (eq <= 0) {
                throw new ConfigurationException(source + " line " + lineNo + ": expected NAME=value");
            }
            String name = line.substring(0, eq).strip();
            String value = line.substring(eq + 1).strip();
            if (value.length() >= 2 && (value.startsWith("\"") && value.endsWith("\"")
                    || value.startsWith("'") && value.endsWith("'"))) {
                value = value.substring(1, value.length() - 1);
            } else {
                int comment = value.indexOf(" #");
                if (comment >= 0) {
                    value = value.substring(0, comment).strip();
                }
            }
            values.put(name, value);
        }
        return values;
    }
}
