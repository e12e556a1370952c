package io.roomote.controller.container;

import io.roomote.core.config.ConfigurationException;
import io.roomote.core.config.Settings;
import io.roomote.spi.Configuration;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Optional;

/** Reads single launcher settings with the same forms and messages as the rest of Roomote's settings. */
public final class SettingValues {

    private SettingValues() {
    }

    /** The stripped value; empty when unset or blank. */
    public static Optional<String> value(Configuration config, String name) {
        return config.get(name).map(String::strip).filter(v -> !v.isEmpty());
    }

    /** A whole number of at least {@code min}, or {@code defaultValue} when unset. */
    public static int intAtLeast(Configuration config, String name, int defaultValue, int min) {
        Optional<String> raw = value(config, name);
        if (raw.isEmpty()) {
            return defaultValue;
        }
        try {
            int v = Integer.parseInt(raw.get());
            if (v >= min) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new ConfigurationException(name + " must be a whole number of at least " + min + ", got '" + raw.get() + "'");
    }

    /** A positive duration (30s, 5m, 2h, PT5M; a bare number in {@code bareUnit}), read by {@link Settings#getDuration}. */
    public static Duration duration(Configuration config, String name, Duration defaultValue, ChronoUnit bareUnit) {
        Optional<String> raw = value(config, name);
        return raw.isEmpty() ? defaultValue : Settings.of(Map.of(name, raw.get())).getDuration(name, defaultValue, bareUnit);
    }
}
