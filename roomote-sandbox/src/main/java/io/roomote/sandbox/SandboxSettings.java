package io.roomote.sandbox;

import io.roomote.core.host.Executables;

import io.roomote.core.config.ConfigurationException;
import io.roomote.spi.Configuration;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * How agents are contained, read from the settings:
 * <ul>
 *   <li>{@code ROOMOTE_SANDBOX} = {@code bwrap} | {@code docker} | {@code none}. Unset: {@code bwrap} when
 *       bubblewrap is found ({@code ROOMOTE_BWRAP_PATH}, else {@code bwrap} on {@code PATH}); otherwise no mode
 *       is chosen and {@link #startupProblem()} says what to install or how to opt out.</li>
 *   <li>{@code ROOMOTE_SANDBOX_READ}: colon-separated host paths the agent may read although they lie in a hidden
 *       place; {@code ROOMOTE_SANDBOX_HIDE}: colon-separated paths hidden on top of {@link #DEFAULT_HIDDEN}.</li>
 *   <li>{@code ROOMOTE_BWRAP_PATH} ({@code bwrap}), {@code ROOMOTE_DOCKER_PATH} ({@code docker}): a program name
 *       looked up on {@code PATH}, or a path.</li>
 *   <li>docker only: {@code ROOMOTE_WORKER_IMAGE} ({@code roomote/worker:latest}), {@code ROOMOTE_SANDBOX_CPUS} (2),
 *       {@code ROOMOTE_SANDBOX_MEMORY} ({@code 4g}), {@code ROOMOTE_SANDBOX_PIDS} (1024).</li>
 * </ul>
 *
 * @param mode        the chosen mode; empty when none was set and bubblewrap is not installed
 * @param explicit    whether {@code ROOMOTE_SANDBOX} was set
 * @param searchPath  the runner's {@code PATH}, where programs are looked up
 * @param bwrapCommand {@code ROOMOTE_BWRAP_PATH}
 * @param dockerCommand {@code ROOMOTE_DOCKER_PATH}
 * @param workerImage {@code ROOMOTE_WORKER_IMAGE}
 * @param cpus        {@code ROOMOTE_SANDBOX_CPUS}, as docker's {@code --cpus} takes it
 * @param memory      {@code ROOMOTE_SANDBOX_MEMORY}, as docker's {@code --memory} takes it
 * @param pidsLimit   {@code ROOMOTE_SANDBOX_PIDS}
 * @param readPaths   {@code ROOMOTE_SANDBOX_READ}
 * @param hiddenPaths the existing {@link #DEFAULT_HIDDEN} places plus the runner's HOME and working directory,
 *                    then {@code ROOMOTE_SANDBOX_HIDE}; the caller adds {@code $ROOMOTE_HOME} to each spec
 */
public record SandboxSettings(Optional<SandboxMode> mode, boolean explicit, String searchPath,
                              String bwrapCommand, String dockerCommand, String workerImage,
                              String cpus, String memory, int pidsLimit,
                              List<Path> readPaths, List<Path> hiddenPaths) {

    /** Places hidden from every agent (where they exist): shared temp folders, runtime sockets, users' homes, mounts. */
    public static final List<Path> DEFAULT_HIDDEN = List.of(Path.of("/tmp"), Path.of("/var/tmp"), Path.of("/run"),
            Path.of("/root"), Path.of("/home"), Path.of("/mnt"), Path.of("/media"));

    public static final String DEFAULT_WORKER_IMAGE = "roomote/worker:latest";

    private static final Pattern CPUS = Pattern.compile("\\d+(\\.\\d+)?");
    private static final Pattern MEMORY = Pattern.compile("(\\d+)([bkmgBKMG])?");
    private static final Pattern IMAGE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._/:@-]*");

    public SandboxSettings {
        readPaths = List.copyOf(readPaths);
        hiddenPaths = List.copyOf(hiddenPaths);
    }

    /**
     * Reads the settings; {@code processEnvironment} gives the {@code PATH} programs are looked up on. The
     * runner's HOME and working directory (which holds {@code .env}) are this JVM's {@code user.home} and
     * {@code user.dir}.
     *
     * @throws ConfigurationException naming the first malformed setting and what it accepts
     */
    public static SandboxSettings from(Configuration config, Map<String, String> processEnvironment) {
        return from(config, processEnvironment, Path.of(System.getProperty("user.home")), Path.of(System.getProperty("user.dir")));
    }

    static SandboxSettings from(Configuration config, Map<String, String> processEnvironment, Path userHome, Path userDir) {
        String searchPath = Optional.ofNullable(processEnvironment.get("PATH")).filter(p -> !p.isBlank())
                .orElse(Executables.DEFAULT_SEARCH_PATH);
        String bwrap = value(config, "ROOMOTE_BWRAP_PATH").orElse("bwrap");
        String docker = value(config, "ROOMOTE_DOCKER_PATH").orElse("docker");

        Optional<String> rawMode = value(config, "ROOMOTE_SANDBOX");
        Optional<SandboxMode> mode;
        if (rawMode.isPresent()) {
            mode = Optional.of(SandboxMode.parse(rawMode.get()).orElseThrow(() -> new ConfigurationException(
                    "ROOMOTE_SANDBOX must be bwrap, docker or none, got '" + rawMode.get() + "'")));
        } else {
            mode = Executables.find(bwrap, searchPath).map(found -> SandboxMode.BWRAP);
        }

        String image = value(config, "ROOMOTE_WORKER_IMAGE").orElse(DEFAULT_WORKER_IMAGE);
        if (!IMAGE.matcher(image).matches()) {
            throw new ConfigurationException("ROOMOTE_WORKER_IMAGE must be a docker image reference like "
                    + DEFAULT_WORKER_IMAGE + ", got '" + image + "'");
        }
        String cpus = value(config, "ROOMOTE_SANDBOX_CPUS").orElse("2");
        if (!CPUS.matcher(cpus).matches() || new BigDecimal(cpus).signum() <= 0) {
            throw new ConfigurationException("ROOMOTE_SANDBOX_CPUS must be a number of CPUs above 0 such as 2 or 1.5, got '" + cpus + "'");
        }
        String memory = value(config, "ROOMOTE_SANDBOX_MEMORY").orElse("4g");
        var m = MEMORY.matcher(memory);
        if (!m.matches() || new BigDecimal(m.group(1)).signum() <= 0) {
            throw new ConfigurationException("ROOMOTE_SANDBOX_MEMORY must be an amount of memory such as 4g, 512m or 1073741824, got '" + memory + "'");
        }
        int pids = positiveInt(config, "ROOMOTE_SANDBOX_PIDS", 1024);

        List<Path> read = paths(config, "ROOMOTE_SANDBOX_READ");
        Set<Path> hidden = new LinkedHashSet<>();
        List<Path> defaults = new ArrayList<>(DEFAULT_HIDDEN);
        defaults.add(userHome);
        defaults.add(userDir);
        for (Path p : defaults) {
            Path abs = p.toAbsolutePath().normalize();
            // Never the root itself (a runner started in /): that would hide the whole system.
            if (abs.getParent() != null && Files.exists(abs)) {
                hidden.add(abs);
            }
        }
        hidden.addAll(paths(config, "ROOMOTE_SANDBOX_HIDE"));
        return new SandboxSettings(mode, rawMode.isPresent(), searchPath, bwrap, docker, image, cpus, memory, pids,
                read, List.copyOf(hidden));
    }

    /**
     * Why agents cannot start here, as one line saying what to install or set: no mode could be chosen, or
     * the chosen sandbox's programs are missing or cannot create a sandbox ({@link Sandbox#unavailable()}).
     * The runner refuses to start with it.
     */
    public Optional<String> startupProblem() {
        if (mode.isEmpty()) {
            return Optional.of("No sandbox for the agent: bubblewrap ('" + bwrapCommand + "') was not found on PATH;"
                    + " install it (Debian/Ubuntu: apt-get install bubblewrap socat) or set ROOMOTE_BWRAP_PATH,"
                    + " or choose ROOMOTE_SANDBOX=docker, or run agents uncontained with ROOMOTE_SANDBOX=none");
        }
        return Sandboxes.create(this).unavailable();
    }

    /** For {@code none}: the line to log at WARN at every start, because the agent can read the runner's secrets. */
    public Optional<String> startupWarning() {
        if (mode.equals(Optional.of(SandboxMode.NONE))) {
            return Optional.of("ROOMOTE_SANDBOX=none: the agent is NOT contained; it runs as the runner's user and can"
                    + " read the runner's secrets (.env, $ROOMOTE_HOME, provider keys, tokens) and reach any host;"
                    + " use bwrap or docker unless every issue text is trusted");
        }
        return Optional.empty();
    }

    private static Optional<String> value(Configuration config, String name) {
        return config.get(name).map(String::strip).filter(v -> !v.isEmpty());
    }

    private static int positiveInt(Configuration config, String name, int defaultValue) {
        Optional<String> raw = value(config, name);
        if (raw.isEmpty()) {
            return defaultValue;
        }
        try {
            int v = Integer.parseInt(raw.get());
            if (v >= 1) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new ConfigurationException(name + " must be a whole number of at least 1, got '" + raw.get() + "'");
    }

    private static List<Path> paths(Configuration config, String name) {
        List<Path> result = new ArrayList<>();
        for (String part : value(config, name).orElse("").split(":")) {
            String p = part.strip();
            if (p.isEmpty()) {
                continue;
            }
            Path path;
            try {
                path = Path.of(p);
            } catch (InvalidPathException e) {
                throw new ConfigurationException(name + ": '" + p + "' is not a valid path");
            }
            if (!path.isAbsolute()) {
                throw new ConfigurationException(name + " takes absolute host paths separated by ':', got '" + p + "'");
            }
            Path normalized = path.normalize();
            if (normalized.getParent() == null) {
                throw new ConfigurationException(name + " cannot name the root folder '/'");
            }
            result.add(normalized);
        }
        return List.copyOf(result);
    }
}
