package io.roomote.runner;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import io.roomote.core.config.ConfigurationException;
import io.roomote.core.config.Settings;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * {@code ROOMOTE_LOG_LEVEL}, applied to the process log once the settings are read. logback.xml only sees the
 * process environment, so a level set in the {@code .env} file (or {@code --env-file}) would be ignored, and
 * Logback reads an unknown level as DEBUG without a word: both are settled here.
 */
final class LogLevel {

    static final String SETTING = "ROOMOTE_LOG_LEVEL";
    static final List<String> ACCEPTED = List.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF");

    private LogLevel() {
    }

    /** Sets the root logger's level from the settings; without the setting, INFO. */
    static void apply(Settings settings) {
        Level level;
        try {
            level = parse(settings.get(SETTING)).orElse(Level.INFO);
        } catch (ConfigurationException e) {
            // Logback read the unknown name as DEBUG: the error is to be one line, not a DEBUG stack trace.
            set(Level.INFO);
            throw e;
        }
        set(level);
    }

    private static void set(Level level) {
        if (LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME) instanceof Logger root) {
            root.setLevel(level);
        }
    }

    static Optional<Level> parse(Optional<String> raw) {
        if (raw.isEmpty()) {
            return Optional.empty();
        }
        String name = raw.get().trim().toUpperCase(Locale.ROOT);
        if (!ACCEPTED.contains(name)) {
            throw new ConfigurationException(SETTING + " must be one of " + String.join(", ", ACCEPTED)
                    + " (any case), got '" + raw.get() + "'");
        }
        return Optional.of(Level.toLevel(name));
    }
}
