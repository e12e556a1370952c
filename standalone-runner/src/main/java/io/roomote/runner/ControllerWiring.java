package io.roomote.runner;

import io.roomote.controller.docker.DockerWorkerLauncher;
import io.roomote.controller.kubernetes.KubernetesWorkerLauncher;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.roomote.controller.Controller;
import io.roomote.controller.ControllerSettings;
import io.roomote.controller.DatabasePendingJobs;
import io.roomote.controller.WorkerEnvironment;
import io.roomote.controller.WorkerLauncher;
import io.roomote.controller.process.ProcessLauncher;
import io.roomote.controller.process.WorkerCommand;
import io.roomote.core.config.ConfigurationException;
import io.roomote.core.config.Settings;
import io.roomote.core.queue.NotificationListener;
import io.roomote.core.store.Database;
import io.roomote.core.store.DatabaseUrl;
import io.roomote.core.store.JobRepository;
import io.roomote.core.types.JobTypeRegistry;
import io.roomote.core.worker.WorkerSettings;

import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code controller} role's parts, wired: the launcher {@code ROOMOTE_LAUNCHER} names, the controller, and
 * a {@code LISTEN} on new jobs that wakes it. The workers get this process's settings and a {@code DATABASE_URL}
 * they can reach (the embedded database's, with its password, when there is no other).
 */
final class ControllerWiring implements AutoCloseable {

    private final Controller controller;
    private final NotificationListener listener;
    private final WorkerLauncher launcher;

    private ControllerWiring(Controller controller, NotificationListener listener, WorkerLauncher launcher) {
        this.controller = controller;
        this.listener = listener;
        this.launcher = launcher;
    }

    static ControllerWiring create(Settings settings, RunnerSettings runner, Database database, JobTypeRegistry registry,
                                   ObjectMapper mapper, DatabaseUrl workersDatabase) {
        ControllerSettings cs = ControllerSettings.from(settings);
        WorkerLauncher launcher = launcher(cs, settings, runner);
        Map<String, String> workerSettings = new HashMap<>(settings.values());
        workerSettings.put("DATABASE_URL", workersDatabase.toDatabaseUrl());
        Controller controller = new Controller(cs, launcher,
                new DatabasePendingJobs(new JobRepository(database, mapper), registry.ids(), WorkerSettings.from(settings).retry()),
                new WorkerEnvironment(workerSettings), Clock.systemUTC());
        NotificationListener listener = new NotificationListener(database, List.of(JobRepository.JOBS_CHANNEL));
        listener.subscribe(JobRepository.JOBS_CHANNEL, type -> controller.wake());
        return new ControllerWiring(controller, listener, launcher);
    }

    private static WorkerLauncher launcher(ControllerSettings cs, Settings settings, RunnerSettings runner) {
        return switch (cs.launcher()) {
            case "process" -> new ProcessLauncher(runner.home().resolve("workers"),
                    WorkerCommand.from(settings.get("ROOMOTE_WORKER_COMMAND"), RoomoteCli.class),
                    Map.of("ROOMOTE_HOME", runner.home().toString()));
            case "docker" -> DockerWorkerLauncher.fromConfig(settings);
            case "kubernetes" -> KubernetesWorkerLauncher.fromConfig(settings);
            default -> throw new ConfigurationException("ROOMOTE_LAUNCHER=" + cs.launcher()
                    + " is not a launcher; use process, docker or kubernetes");
        };
    }

    Controller controller() {
        return controller;
    }

    void start() {
        listener.start(Duration.ofSeconds(5));
        controller.start();
    }

    @Override
    public void close() {
        controller.close();
        listener.close();
        if (launcher instanceof AutoCloseable closeable) {
            // the kubernetes launcher's client
            try {
                closeable.close();
            } catch (Exception e) {
                // stopping anyway
            }
        }
    }
}
