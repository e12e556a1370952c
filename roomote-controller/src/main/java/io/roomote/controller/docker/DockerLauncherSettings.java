package io.roomote.controller.docker;

import io.roomote.core.host.Executables;

import io.roomote.controller.container.SettingValues;
import io.roomote.controller.container.WorkerContainer;
import io.roomote.core.config.ConfigurationException;
import io.roomote.spi.Configuration;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * How the {@code docker} launcher starts workers, read from the settings.
 *
 * @param engine         docker or podman: {@code ROOMOTE_DOCKER} names it ({@code docker}, {@code podman}, or a path
 *                       to either); the two differ only in how {@code ps --format} reads a label
 * @param command        {@code ROOMOTE_DOCKER} as given: a program looked up on {@code searchPath}, or a path
 * @param searchPath     where {@code command} is looked up: the {@code PATH} setting
 * @param network        {@code ROOMOTE_WORKER_NETWORK}: the docker network workers join (to reach PostgreSQL); unset:
 *                       the engine's default bridge
 * @param container      the runner image and its limits ({@code ROOMOTE_WORKER_RUNNER_IMAGE}, {@code _CPUS},
 *                       {@code _MEMORY}, {@code _PIDS})
 * @param commandTimeout {@code ROOMOTE_DOCKER_TIMEOUT} (30s): the limit of {@code ps}, {@code inspect}, {@code rm}
 * @param runTimeout     {@code ROOMOTE_DOCKER_RUN_TIMEOUT} (5m): the limit of {@code docker run}, which may pull the image
 * @param envFileDir     {@code ROOMOTE_DOCKER_ENV_DIR} (the JVM's temp folder): where the 0600 env files live for the
 *                       moment of {@code docker run}
 * @param securityOpts   {@code ROOMOTE_WORKER_SECURITY_OPTS}: comma-separated values, each passed as {@code --security-opt}
 *                       (e.g. a seccomp profile that lets bubblewrap create its namespaces inside the worker); none by default
 */
public record DockerLauncherSettings(Engine engine, String command, String searchPath, Optional<String> network,
                                     WorkerContainer container, Duration commandTimeout, Duration runTimeout,
                                     Path envFileDir, List<String> securityOpts) {

    public DockerLauncherSettings {
        securityOpts = List.copyOf(securityOpts);
    }

    /** The container engine's command-line flavour. */
    public enum Engine { DOCKER, PODMAN }

    static final String DEFAULT_SEARCH_PATH = "/usr/local/bin:/usr/bin:/bin";

    private static final Pattern NETWORK = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");
    private static final Pattern SECURITY_OPT = Pattern.compile("[A-Za-z][A-Za-z0-9_-]*([=:][A-Za-z0-9_./:=-]+)?");

    /** @throws ConfigurationException naming the first malformed setting and what it accepts */
    public static DockerLauncherSettings from(Configuration config) {
        String command = value(config, "ROOMOTE_DOCKER").orElse("docker");
        String program;
        try {
            Path name = Path.of(command).getFileName();
            program = name == null ? "" : name.toString().toLowerCase(Locale.ROOT);
        } catch (InvalidPathException e) {
            program = "";
        }
        Engine engine;
        if (program.startsWith("podman")) {
            engine = Engine.PODMAN;
        } else if (program.startsWith("docker")) {
            engine = Engine.DOCKER;
        } else {
            throw new ConfigurationException("ROOMOTE_DOCKER must be docker, podman or the path of one of them, got '" + command + "'");
        }
        String searchPath = value(config, "PATH").orElse(DEFAULT_SEARCH_PATH);
        Optional<String> network = value(config, "ROOMOTE_WORKER_NETWORK");
        if (network.isPresent() && !NETWORK.matcher(network.get()).matches()) {
            throw new ConfigurationException("ROOMOTE_WORKER_NETWORK must be a docker network name such as roomote_default, got '"
                    + network.get() + "'");
        }
        Duration commandTimeout = SettingValues.duration(config, "ROOMOTE_DOCKER_TIMEOUT", Duration.ofSeconds(30), ChronoUnit.SECONDS);
        Duration runTimeout = SettingValues.duration(config, "ROOMOTE_DOCKER_RUN_TIMEOUT", Duration.ofMinutes(5), ChronoUnit.SECONDS);
        Path envDir = value(config, "ROOMOTE_DOCKER_ENV_DIR").map(p -> {
            try {
                return Path.of(p);
            } catch (InvalidPathException e) {
                throw new ConfigurationException("ROOMOTE_DOCKER_ENV_DIR: '" + p + "' is not a valid path");
            }
        }).orElse(Path.of(System.getProperty("java.io.tmpdir")));
        if (!Files.isDirectory(envDir)) {
            throw new ConfigurationException("ROOMOTE_DOCKER_ENV_DIR must be an existing folder, got '" + envDir + "'");
        }
        List<String> securityOpts = new ArrayList<>();
        for (String opt : value(config, "ROOMOTE_WORKER_SECURITY_OPTS").orElse("").split(",")) {
            String o = opt.strip();
            if (o.isEmpty()) {
                continue;
            }
            if (!SECURITY_OPT.matcher(o).matches()) {
                throw new ConfigurationException("ROOMOTE_WORKER_SECURITY_OPTS takes comma-separated --security-opt values such as"
                        + " seccomp=/etc/roomote/seccomp.json or apparmor=unconfined, got '" + o + "'");
            }
            securityOpts.add(o);
        }
        return new DockerLauncherSettings(engine, command, searchPath, network, WorkerContainer.from(config),
                commandTimeout, runTimeout, envDir, securityOpts);
    }

    /** The engine's program, found as a shell would find it on {@link #searchPath()}. */
    Optional<Path> executable() {
        return Executables.find(command, searchPath);
    }

    private static Optional<String> value(Configuration config, String name) {
        return SettingValues.value(config, name);
    }
}
