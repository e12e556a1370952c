package io.roomote.controller.docker;

import io.roomote.core.host.HostCommand;

import io.roomote.controller.LaunchedWorker;
import io.roomote.controller.ReapedWorker;
import io.roomote.controller.WorkerLauncher;
import io.roomote.controller.WorkerSpec;
import io.roomote.controller.container.WorkerContainer;
import io.roomote.controller.container.WorkerNames;
import io.roomote.spi.Configuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Starts each single-job worker as a container of the runner image: {@code docker run -d --rm} with labels that
 * let a restarted controller find its workers ({@code docker ps --filter label=…}), the limits and network of the
 * settings, and every setting and secret in an {@code --env-file} that exists (0600) only while {@code docker run}
 * runs. No secret is ever on the command line, and the Docker socket is never mounted into a worker.
 * Works the same with podman ({@code ROOMOTE_DOCKER=podman}).
 */
public final class DockerWorkerLauncher implements WorkerLauncher {

    public static final String WORKER_LABEL = "io.roomote.worker";
    public static final String CONTROLLER_LABEL = "io.roomote.controller";
    public static final String WORKER_NAME_LABEL = "io.roomote.worker-name";

    private static final Logger LOG = LoggerFactory.getLogger(DockerWorkerLauncher.class);
    private static final Pattern CONTAINER_ID = Pattern.compile("[0-9a-f]{12,64}");
    /** docker: {@code 2026-11-30 13:10:39 +0000 UTC}; podman adds fractions of a second. */
    private static final Pattern CREATED_AT = Pattern.compile("(\\d{4}-\\d{2}-\\d{2}) (\\d{2}:\\d{2}:\\d{2})(\\.\\d+)? ([+-]\\d{4})");

    private final DockerLauncherSettings settings;
    private final Clock clock;

    public DockerWorkerLauncher(DockerLauncherSettings settings, Clock clock) {
        this.settings = settings;
        this.clock = clock;
    }

    /**
     * The launcher the settings describe ({@link DockerLauncherSettings#from}).
     *
     * @throws io.roomote.core.config.ConfigurationException naming a malformed setting
     */
    public static DockerWorkerLauncher fromConfig(Configuration config) {
        return new DockerWorkerLauncher(DockerLauncherSettings.from(config), Clock.systemUTC());
    }

    public DockerLauncherSettings settings() {
        return settings;
    }

    @Override
    public String name() {
        return "docker";
    }

    @Override
    public LaunchedWorker launch(WorkerSpec spec) throws IOException {
        WorkerNames.requireControllerId(spec.controllerId());
        WorkerNames.requireWorkerName(spec.workerName());
        Path docker = docker();
        HostCommand run;
        try (EnvFile envFile = EnvFile.write(settings.envFileDir(), spec.environment(), spec.secrets())) {
            run = HostCommand.run(runCommand(docker, spec, envFile.path()), settings.runTimeout());
        }
        if (!run.succeeded()) {
            throw new IOException(program() + " run of worker " + spec.workerName() + " failed: " + run.firstErrorLine());
        }
        String id = lastLine(run.output()).filter(line -> CONTAINER_ID.matcher(line).matches()).orElse(spec.workerName());
        LOG.info("started worker {} as container {}", spec.workerName(), shortId(id));
        return new LaunchedWorker(id, spec.workerName(), clock.instant());
    }

    /** The whole {@code docker run} line; package-private so that tests can read it without an engine. */
    List<String> runCommand(Path docker, WorkerSpec spec, Path envFile) {
        WorkerContainer c = settings.container();
        List<String> argv = new ArrayList<>(List.of(docker.toString(), "run", "-d", "--rm", "--name", spec.workerName(),
                "--label", WORKER_LABEL + "=true",
                "--label", CONTROLLER_LABEL + "=" + spec.controllerId(),
                "--label", WORKER_NAME_LABEL + "=" + spec.workerName()));
        settings.network().ifPresent(n -> argv.addAll(List.of("--network", n)));
        settings.securityOpts().forEach(o -> argv.addAll(List.of("--security-opt", o)));
        argv.addAll(List.of("--cpus", c.cpus(), "--memory", c.memory(), "--pids-limit", Integer.toString(c.pidsLimit()),
                "--env-file", envFile.toString(), c.image(), "worker", "--once"));
        return argv;
    }

    @Override
    public List<LaunchedWorker> alive(String controllerId) throws IOException {
        WorkerNames.requireControllerId(controllerId);
        HostCommand ps = call(List.of(docker().toString(), "ps", "--no-trunc",
                "--filter", "label=" + CONTROLLER_LABEL + "=" + controllerId,
                "--filter", "label=" + WORKER_LABEL + "=true",
                "--format", "{{.ID}} " + labelTemplate() + " {{.CreatedAt}}"), "ps");
        List<LaunchedWorker> workers = new ArrayList<>();
        for (String line : ps.output().split("\n")) {
            String[] parts = line.strip().split(" ", 3);
            if (parts[0].isEmpty()) {
                continue;
            }
            String name = parts.length > 1 && !parts[1].isEmpty() ? parts[1] : parts[0];
            Instant created = parts.length > 2 ? createdAt(parts[2]).orElseGet(clock::instant) : clock.instant();
            workers.add(new LaunchedWorker(parts[0], name, created));
        }
        return List.copyOf(workers);
    }

    /**
     * Removes the exited workers' containers: {@code --rm} removes most by itself, this finds the rest (a removal
     * that failed, a worker started without {@code --rm}) and reports each one's exit code when docker kept it.
     */
    @Override
    public List<ReapedWorker> reap(String controllerId) throws IOException {
        WorkerNames.requireControllerId(controllerId);
        String docker = docker().toString();
        HostCommand ps = call(List.of(docker, "ps", "-a", "--no-trunc",
                "--filter", "status=exited", "--filter", "status=dead",
                "--filter", "label=" + CONTROLLER_LABEL + "=" + controllerId,
                "--filter", "label=" + WORKER_LABEL + "=true",
                "--format", "{{.ID}} " + labelTemplate()), "ps");
        List<ReapedWorker> reaped = new ArrayList<>();
        for (String line : ps.output().split("\n")) {
            String[] parts = line.strip().split(" ", 2);
            if (parts[0].isEmpty()) {
                continue;
            }
            String id = parts[0];
            String name = parts.length > 1 && !parts[1].isBlank() ? parts[1].strip() : id;
            OptionalInt exitCode = exitCode(docker, id);
            HostCommand rm = HostCommand.run(List.of(docker, "rm", id), settings.commandTimeout());
            if (!rm.succeeded() && !rm.firstErrorLine().toLowerCase(java.util.Locale.ROOT).contains("no such container")) {
                // Left for the next reap; one stuck container must not hide the others.
                LOG.warn("could not remove the exited worker container {} ({}): {}", shortId(id), name, rm.firstErrorLine());
                continue;
            }
            reaped.add(new ReapedWorker(id, name, exitCode));
        }
        return List.copyOf(reaped);
    }

    private OptionalInt exitCode(String docker, String id) {
        HostCommand inspect = HostCommand.run(List.of(docker, "inspect", "--format", "{{.State.ExitCode}}", id),
                settings.commandTimeout());
        if (!inspect.succeeded()) {
            return OptionalInt.empty();
        }
        try {
            return OptionalInt.of(Integer.parseInt(inspect.output().strip()));
        } catch (NumberFormatException e) {
            return OptionalInt.empty();
        }
    }

    /** docker's {@code ps} template has {@code .Label}; podman's (before 5.0) only the {@code .Labels} map. */
    private String labelTemplate() {
        return settings.engine() == DockerLauncherSettings.Engine.PODMAN
                ? "{{index .Labels \"" + WORKER_NAME_LABEL + "\"}}"
                : "{{.Label \"" + WORKER_NAME_LABEL + "\"}}";
    }

    private HostCommand call(List<String> argv, String verb) throws IOException {
        HostCommand result = HostCommand.run(argv, settings.commandTimeout());
        if (!result.succeeded()) {
            throw new IOException(program() + " " + verb + " failed: " + result.firstErrorLine());
        }
        return result;
    }

    private Path docker() throws IOException {
        return settings.executable().orElseThrow(() -> new IOException("'" + settings.command() + "' was not found"
                + (settings.command().contains("/") ? "" : " on PATH")
                + ": install Docker or Podman, or set ROOMOTE_DOCKER to docker, podman or the path of one of them"));
    }

    private String program() {
        return settings.engine() == DockerLauncherSettings.Engine.PODMAN ? "podman" : "docker";
    }

    static Optional<Instant> createdAt(String text) {
        Matcher m = CREATED_AT.matcher(text);
        if (!m.find()) {
            return Optional.empty();
        }
        try {
            LocalDateTime local = LocalDateTime.parse(m.group(1) + "T" + m.group(2));
            ZoneOffset offset = ZoneOffset.of(m.group(4).substring(0, 3) + ":" + m.group(4).substring(3));
            Instant at = local.toInstant(offset);
            if (m.group(3) != null) {
                String fraction = (m.group(3).substring(1) + "000000000").substring(0, 9);
                at = at.plusNanos(Long.parseLong(fraction));
            }
            return Optional.of(at);
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    private static Optional<String> lastLine(String text) {
        String[] lines = text.strip().split("\n");
        return Optional.of(lines[lines.length - 1].strip()).filter(s -> !s.isEmpty());
    }

    private static String shortId(String id) {
        return id.length() > 12 && CONTAINER_ID.matcher(id).matches() ? id.substring(0, 12) : id;
    }

}
