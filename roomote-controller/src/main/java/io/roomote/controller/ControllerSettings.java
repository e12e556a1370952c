package io.roomote.controller;

import io.roomote.core.config.ConfigurationException;
import io.roomote.core.config.Settings;

import java.net.InetAddress;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Locale;

/**
 * The controller's knobs (README, "Configuration").
 *
 * @param controllerId  {@code ROOMOTE_CONTROLLER_ID}: names this controller's workers (pid files, labels), so it
 *                      must stay the same across restarts; default the host name
 * @param launcher      {@code ROOMOTE_LAUNCHER}: {@code process} (default), {@code docker} or {@code kubernetes}
 * @param maxWorkers    {@code MAX_WORKERS}: at most this many workers alive at once (5)
 * @param pollInterval  {@code POLL_INTERVAL_MS}: look at the queue and the workers at least this often (5000)
 * @param backoffBase   {@code ROOMOTE_CONTROLLER_BACKOFF}: the first pause after a failed start (1s), doubled
 *                      with every further failure in a row
 * @param backoffCap    {@code ROOMOTE_CONTROLLER_MAX_BACKOFF}: the longest pause (2m)
 */
public record ControllerSettings(String controllerId, String launcher, int maxWorkers, Duration pollInterval,
                                 Duration backoffBase, Duration backoffCap) {

    public static final java.util.List<String> LAUNCHERS = java.util.List.of("process", "docker", "kubernetes");

    public ControllerSettings {
        if (!controllerId.matches("[a-z0-9]([a-z0-9-]{0,22}[a-z0-9])?")) {
            throw new ConfigurationException("ROOMOTE_CONTROLLER_ID must be 1 to 24 lower-case letters, digits or"
                    + " dashes, starting and ending with a letter or digit (it names workers, containers and"
                    + " Kubernetes Jobs); got '" + controllerId + "'");
        }
        if (!LAUNCHERS.contains(launcher)) {
            throw new ConfigurationException("ROOMOTE_LAUNCHER must be one of " + String.join(", ", LAUNCHERS)
                    + "; got '" + launcher + "'");
        }
    }

    public static ControllerSettings from(Settings s) {
        Duration base = s.getDuration("ROOMOTE_CONTROLLER_BACKOFF", Duration.ofSeconds(1), ChronoUnit.SECONDS);
        Duration cap = s.getDuration("ROOMOTE_CONTROLLER_MAX_BACKOFF", Duration.ofMinutes(2), ChronoUnit.SECONDS);
        if (cap.compareTo(base) < 0) {
            throw new ConfigurationException("ROOMOTE_CONTROLLER_MAX_BACKOFF (" + cap.toMillis()
                    + " ms) must not be shorter than ROOMOTE_CONTROLLER_BACKOFF (" + base.toMillis() + " ms)");
        }
        return new ControllerSettings(
                s.get("ROOMOTE_CONTROLLER_ID").orElseGet(ControllerSettings::hostId),
                s.get("ROOMOTE_LAUNCHER").orElse("process").toLowerCase(Locale.ROOT),
                s.getInt("MAX_WORKERS", 5, 1),
                Duration.ofMillis(s.getInt("POLL_INTERVAL_MS", 5000, 10)),
                base, cap);
    }

    /** The host name as an id: stable across restarts of the controller on the same host. */
    static String hostId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "localhost";
        }
        return sanitize(host);
    }

    static String sanitize(String name) {
        String id = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]+", "-");
        if (id.length() > 24) {
            id = id.substring(0, 24);
        }
        id = id.replaceAll("^-+|-+$", "");
        return id.isEmpty() ? "roomote" : id;
    }
}
