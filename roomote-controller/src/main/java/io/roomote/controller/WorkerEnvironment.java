package io.roomote.controller;

import io.roomote.core.config.SecretNames;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The settings a single-job worker gets: the controller's own (environment and {@code .env} file), less what
 * belongs to this host or to the controller alone, plus the worker's identity. Secret-named ones
 * ({@link SecretNames}) go to {@link WorkerSpec#secrets()}, so launchers never put them on a command line.
 */
public final class WorkerEnvironment {

    /** Of this host's session, or the controller's and API's alone: a worker elsewhere must not inherit them. */
    private static final Set<String> HOST_ONLY = Set.of("PATH", "HOME", "USER", "LOGNAME", "SHELL", "PWD", "OLDPWD",
            "SHLVL", "TERM", "HOSTNAME", "JAVA_HOME", "TMPDIR", "DISPLAY", "MAIL", "_", "LS_COLORS", "ROOMOTE_HOME",
            "PORT", "HOST", "DASHBOARD_PORT", "EMBEDDED_DATABASE_PORT", "ROOMOTE_LAUNCHER", "ROOMOTE_WORKER_COMMAND",
            "ROOMOTE_RUNNER_ID", "ROOMOTE_CONTROLLER_BACKOFF", "ROOMOTE_CONTROLLER_MAX_BACKOFF",
            // The API's secrets: a worker serves no API and receives no webhook, so it gets neither.
            "ROOMOTE_API_TOKEN", "GH_WEBHOOK_SECRET");
    private static final List<String> HOST_ONLY_PREFIXES = List.of("LC_", "LANG", "XDG_", "SSH_", "DBUS_", "TERM_",
            "DASHBOARD_");

    private final Map<String, String> settings;

    /** @param settings the controller's settings; {@code DATABASE_URL} must be one the workers can reach */
    public WorkerEnvironment(Map<String, String> settings) {
        Map<String, String> kept = new HashMap<>();
        settings.forEach((name, value) -> {
            if (value != null && !HOST_ONLY.contains(name) && HOST_ONLY_PREFIXES.stream().noneMatch(name::startsWith)) {
                kept.put(name, value);
            }
        });
        this.settings = Map.copyOf(kept);
    }

    /**
     * The spec of one worker. Its runner id ({@code ROOMOTE_RUNNER_ID}, the lease owner of its job) is its name,
     * so the controller can tell which of its workers hold a job.
     */
    public WorkerSpec spec(String controllerId, String workerName) {
        Map<String, String> environment = new HashMap<>();
        Map<String, String> secrets = new HashMap<>();
        settings.forEach((name, value) -> (SecretNames.isSecret(name) ? secrets : environment).put(name, value));
        environment.put("ROOMOTE_CONTROLLER_ID", controllerId);
        environment.put("ROOMOTE_WORKER_NAME", workerName);
        environment.put("ROOMOTE_RUNNER_ID", workerName);
        // The controller's MAX_WORKERS caps workers; a single-job worker runs one job (and sizes its pool so).
        environment.put("MAX_WORKERS", "1");
        return new WorkerSpec(controllerId, workerName, environment, secrets);
    }
}
