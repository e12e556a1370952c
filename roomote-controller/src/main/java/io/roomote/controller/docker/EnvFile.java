package io.roomote.controller.docker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A worker's environment, secrets included, in docker's {@code --env-file} format ({@code NAME=value} a line, the
 * value taken literally), in a file only this user can read (0600 from its creation, never wider). The docker
 * client reads it while {@code docker run} runs; {@link #close()} deletes it right after.
 */
final class EnvFile implements AutoCloseable {

    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private final Path path;

    private EnvFile(Path path) {
        this.path = path;
    }

    /**
     * Writes {@code environment} and {@code secrets} into a new file in {@code dir}.
     *
     * @throws IllegalArgumentException naming (never showing) a variable that the format cannot carry
     */
    static EnvFile write(Path dir, Map<String, String> environment, Map<String, String> secrets) throws IOException {
        Map<String, String> all = new TreeMap<>(environment);
        for (Map.Entry<String, String> secret : secrets.entrySet()) {
            if (all.containsKey(secret.getKey())) {
                throw new IllegalArgumentException(secret.getKey() + " is given both as a setting and as a secret; give it once");
            }
            all.put(secret.getKey(), secret.getValue());
        }
        StringBuilder text = new StringBuilder();
        for (Map.Entry<String, String> e : all.entrySet()) {
            String name = e.getKey();
            String value = e.getValue() == null ? "" : e.getValue();
            if (!NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("'" + name + "' is not an environment variable name (letters, digits, '_')");
            }
            if (value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0 || value.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("the value of " + name + " has a line break or NUL, which --env-file cannot carry");
            }
            text.append(name).append('=').append(value).append('\n');
        }
        Path file = Files.createTempFile(dir, "roomote-worker-", ".env",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            Files.writeString(file, text, StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(file);
            throw e;
        }
        return new EnvFile(file);
    }

    Path path() {
        return path;
    }

    @Override
    public void close() {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            throw new UncheckedIOException("could not delete the worker's env file " + path + "; delete it by hand: it holds secrets", e);
        }
    }
}
