package io.roomote.core.config;

import io.roomote.spi.Configuration;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Roomote's configuration: process environment first, then entries of a {@code .env} file, as the original
 * did. Values are looked up by their documented names ({@code DATABASE_URL}, {@code MAX_WORKERS}, …).
 */
public final class Settings implements Configuration {

    private final Map<String, String> values;

    private Settings(Map<String, String> values) {
        this.values = Map.copyOf(values);
    }

    /** Environment wins over the {@code .env} file. */
    public static Settings of(Map<String, String> environment, Map<String, String> dotEnv) {
        Map<String, String> merged = new HashMap<>(dotEnv);
        merged.putAll(environment);
        merged.values().removeIf(v -> v == null);
        return new Settings(merged);
    }

    public static Settings of(Map<String, String> values) {
        return of(values, Map.of());
    }

    /** A copy with some values replaced, e.g. by command-line options. */
    public Settings with(Map<String, String> overrides) {
        Map<String, String> merged = new HashMap<>(values);
        merged.putAll(overrides);
        return new Settings(merged);
    }

    /** Every value by name (environment and {@code .env} file merged), e.g. to hand on to a worker process. */
    public Map<String, String> values() {
        return values;
    }

    @Override
    public Optional<String> get(String name) {
        String value = values.get(name);
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.trim());
    }

    public int getInt(String name, int defaultValue, int min) {
        Optional<String> raw = get(name);
        if (raw.isEmpty()) {
            return defaultValue;
        }
        try {
            int value = Integer.parseInt(raw.get());
            if (value < min) {
                throw new ConfigurationException(name + " must be at least " + min + ", got " + value);
            }
            return value;
        } catch (NumberFormatException e) {
            throw new ConfigurationException(name + " must be a whole number, got '" + raw.get() + "'");
        }
    }

    public boolean getBoolean(String name, boolean defaultValue) {
        Optional<String> raw = get(name);
        if (raw.isEmpty()) {
            return defaultValue;
        }
        return switch (raw.get().toLowerCase(java.util.Locale.ROOT)) {
            case "true", "1", "yes", "on" -> true;
            case "false", "0", "no", "off" -> false;
            default -> throw new ConfigurationException(name + " must be true or false, got '" + raw.get() + "'");
        };
    }

    /**
     * A duration such as {@code 30m}, {@code 90s}, {@code 1500ms}, {@code 2h} or ISO-8601 {@code PT30M};
     * a bare number is read in {@code bareUnit}.
     */
    public java.time.Duration getDuration(String name, java.time.Duration defaultValue, java.time.temporal.ChronoUnit bareUnit) {
        Optional<String> raw = get(name);
        if (raw.isEmpty()) {
            return defaultValue;
        }
        try {
            java.time.Duration d = Durations.parse(raw.get(), bareUnit);
            if (d.isNegative() || d.isZero()) {
                throw new ConfigurationException(name + " must be positive, got '" + raw.get() + "'");
            }
            return d;
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(name + ": " + e.getMessage());
        }
    }

    /** Names of every value that looks like a secret, for redaction. */
    public java.util.List<String> secretValues() {
        java.util.List<String> out = new java.util.ArrayList<>();
        values.forEach((name, value) -> {
            if (SecretNames.isSecret(name)) {
                out.add(value);
                // A multi-line secret (a PEM key given as text) may reach a log one line at a time.
                if (value.indexOf('\n') >= 0) {
                    out.addAll(lines(value));
                }
            } else if (SecretNames.isSecretFile(name)) {
                out.addAll(fileSecrets(value));
            }
        });
        return out.stream().filter(v -> v.length() >= 4).toList();
    }

    /**
     * The content of a secret file, whole and line by line (a PEM key's base64 lines, without its BEGIN/END
     * lines): a log line may hold one line of it. Nothing when it cannot be read; its user reports that.
     */
    private static java.util.List<String> fileSecrets(String path) {
        String content;
        try {
            content = java.nio.file.Files.readString(java.nio.file.Path.of(path.strip()));
        } catch (java.io.IOException | RuntimeException e) {
            return java.util.List.of();
        }
        java.util.List<String> out = new java.util.ArrayList<>();
        out.add(content.strip());
        out.addAll(lines(content));
        return out;
    }

    private static java.util.List<String> lines(String text) {
        return text.lines().map(String::strip).filter(l -> l.length() >= 16 && !l.startsWith("-----")).toList();
    }
}
