package io.roomote.runner;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.roomote.core.Roomote;
import io.roomote.core.config.ConfigurationException;
import io.roomote.core.metrics.ExternalCalls;
import io.roomote.core.store.DatabaseProbe;
import io.roomote.runner.health.HealthReport;
import io.roomote.runner.metrics.RunnerMetrics;
import java.time.Clock;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import io.roomote.core.config.Settings;
import io.roomote.core.events.JobEventListener;
import io.roomote.core.extension.ExtensionContext;
import io.roomote.core.extension.RunnerExtensions;
import io.roomote.core.extension.WebhookEndpoint;
import io.roomote.core.types.PluginJars;
import io.roomote.core.slack.SlackNotifier;
import io.roomote.core.store.Database;
import io.roomote.core.store.DatabaseUrl;
import io.roomote.core.types.JobTypeRegistry;
import io.roomote.sandbox.Sandbox;
import io.roomote.sandbox.SandboxSettings;
import io.roomote.sandbox.Sandboxes;
import io.roomote.sandbox.docker.DockerSandbox;
import io.roomote.runner.api.ApiServer;
import io.roomote.runner.dashboard.Dashboard;
import io.roomote.runner.dashboard.DashboardServer;
import io.roomote.runner.dashboard.DashboardSettings;
import io.roomote.runner.db.DatabaseLogin;
import io.roomote.runner.db.EmbeddedDatabase;
import io.roomote.runner.http.HttpSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One running Roomote process: its database (external or embedded), the core (queue and, for the
 * {@code serve}/{@code worker} roles, the worker pool) and, for {@code serve}/{@code api}, the REST API.
 * Closing stops them in reverse order, letting running jobs finish first; the embedded database stops last,
 * after the workers have handed their jobs back and their last log lines are written.
 */
public final class RoomoteService implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RoomoteService.class);
    /** How long an unreachable DATABASE_URL is tried at start (it may still be starting), as the pool did before. */
    private static final java.time.Duration EXTERNAL_DATABASE_PATIENCE = java.time.Duration.ofSeconds(10);
    /** Bound of each step of the health check's database query (connect, log in, read). */
    static final Duration HEALTH_CHECK_TIMEOUT = Duration.ofSeconds(1);

    /** Which parts this process runs. */
    public enum Role {
        SERVE(true, true, false), API(true, false, false), WORKER(false, true, false),
        /** {@code worker --once}: the core with a pool that is not started; the command runs one job. */
        WORKER_ONCE(false, true, false),
        /** {@code controller}: the API (health, dashboard) and the controller that starts single-job workers. */
        CONTROLLER(true, false, true);

        final boolean api;
        final boolean workers;
        final boolean controller;

        Role(boolean api, boolean workers, boolean controller) {
            this.api = api;
            this.workers = workers;
            this.controller = controller;
        }
    }

    private final EmbeddedDatabase embedded;
    private final Database database;
    private final Roomote roomote;
    private final ApiServer api;
    private final Dashboard dashboard;
    private final DashboardServer dashboardServer;
    private final Optional<SlackNotifier> slack;
    private final ExtensionWiring extensions;
    private final CompletableFuture<String> failure;
    private final RunnerMetrics metrics;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final ControllerWiring controller;

    private RoomoteService(EmbeddedDatabase embedded, Database database, Roomote roomote, ApiServer api,
                           Dashboard dashboard, DashboardServer dashboardServer, Optional<SlackNotifier> slack,
                           ExtensionWiring extensions, CompletableFuture<String> failure, RunnerMetrics metrics,
                           ControllerWiring controller) {
        this.controller = controller;
        this.metrics = metrics;
        this.embedded = embedded;
        this.database = database;
        this.roomote = roomote;
        this.api = api;
        this.dashboard = dashboard;
        this.dashboardServer = dashboardServer;
        this.slack = slack;
        this.extensions = extensions;
        this.failure = failure;
    }

    public static RoomoteService start(Settings settings, Role role) {
        RunnerSettings runner = RunnerSettings.from(settings);
        DashboardSettings dashboardSettings = DashboardSettings.from(settings, runner);
        HttpSettings http = HttpSettings.from(settings);
        // One class loader per plugin jar, for its job types and its runner extensions alike.
        PluginJars plugins = PluginJars.open(RoomoteService.class.getClassLoader(), runner.pluginsDir());
        JobTypeRegistry registry = JobTypeRegistry.discover(plugins);
        ExtensionWiring extensions = new ExtensionWiring(RunnerExtensions.discover(plugins));
        log.info("job types: {}, runner extensions: {} (plugins folder: {})", registry.ids(), extensions.names(),
                runner.pluginsDir());
        warnOfMissingConfiguration(registry, settings);
        SandboxSettings sandbox = SandboxSettings.from(settings, System.getenv());
        announceSandbox(sandbox);
        EmbeddedDatabase embedded = null;
        Database database = null;
        Roomote roomote = null;
        ApiServer api = null;
        DashboardServer dashboardServer = null;
        Optional<SlackNotifier> slack = Optional.empty();
        CompletableFuture<String> failure = new CompletableFuture<>();
        Duration healthInterval = settings.getDuration("HEALTH_CHECK_INTERVAL", Duration.ofSeconds(5), ChronoUnit.SECONDS);
        if (healthInterval.compareTo(Duration.ofMillis(100)) < 0 || healthInterval.compareTo(Duration.ofMinutes(10)) > 0) {
            throw new ConfigurationException("HEALTH_CHECK_INTERVAL must be from 100ms to 10m, e.g. 5s; it is "
                    + settings.get("HEALTH_CHECK_INTERVAL").orElse(""));
        }
        // /metrics is served with the API; a worker-only process has no HTTP server to serve it.
        RunnerMetrics metrics = role.api ? new RunnerMetrics() : null;
        MeterRegistry meters = metrics != null ? metrics.registry() : new CompositeMeterRegistry();
        ExternalCalls calls = new ExternalCalls(meters, Clock.systemUTC());
        DatabaseProbe probe = null;
        ControllerWiring controller = null;
        try {
            embedded = openEmbeddedIfNeeded(runner, failure);
            database = new Database(databaseUrl(runner, embedded), runner.databasePoolSize());
            if (metrics != null) {
                database.bindMetrics(meters);
            }
            slack = Integrations.slack(settings, database, registry, calls);
            List<JobEventListener> listeners = new ArrayList<>();
            slack.ifPresent(listeners::add);
            listeners.add(extensions.listener());
            // The embedded database's password is a secret like the others: job logs redact it.
            Settings core = embedded == null || embedded.url().password() == null ? settings
                    : settings.with(Map.of("ROOMOTE_EMBEDDED_DATABASE_PASSWORD", embedded.url().password()));
            roomote = Roomote.open(core, database, registry, runner.home(), role.workers, JobEventListener.all(listeners),
                    metrics == null ? null : meters);
            // The extensions' own tables, after core's and before anything (webhooks, listeners, workers) uses them.
            extensions.migrate(database);
            // The dashboard (/admin/queues) lives with the API: on its port, and on DASHBOARD_PORT.
            Dashboard dashboard = role.api ? new Dashboard(roomote, dashboardSettings, http) : null;
            ExtensionContext context = new ExtensionContext(settings, database, roomote.queue(), roomote.mapper(), slack,
                    meters, calls, Clock.systemUTC());
            extensions.listen(context);
            List<WebhookEndpoint> webhooks = role.api ? extensions.webhooks(context) : List.of();
            if (role.api) {
                probe = new DatabaseProbe(database, healthInterval, HEALTH_CHECK_TIMEOUT, Clock.systemUTC()).start();
            }
            if (role.controller) {
                DatabaseUrl workersDatabase = databaseUrl(runner, embedded, false);
                controller = ControllerWiring.create(settings, runner, database, registry, roomote.mapper(),
                        workersDatabase);
            }
            ControllerWiring c = controller;
            if (dashboard != null && c != null) {
                dashboard.withController(() -> Optional.of(c.controller().state()));
            }
            HealthReport health = role.api ? new HealthReport(roomote, probe, Optional.ofNullable(embedded), calls,
                    Clock.systemUTC(), Optional.of(sandbox))
                    .withController(c == null ? Optional::empty : () -> Optional.of(c.controller().state())) : null;
            api = role.api ? new ApiServer(roomote, runner.apiToken(), http, health, Optional.ofNullable(metrics), webhooks,
                    dashboard::mount).start(runner.host(), runner.port()) : null;
            dashboardServer = dashboard == null ? null
                    : DashboardServer.start(dashboard, api.port()).orElse(null);
            // Last: once the ports are bound nothing else can fail the start, so no job is claimed in vain.
            if (role != Role.WORKER_ONCE) {
                roomote.startWorkers();
            }
            if (controller != null) {
                controller.start();
            }
            return new RoomoteService(embedded, database, roomote, api, dashboard, dashboardServer, slack, extensions,
                    failure, metrics, controller);
        } catch (RuntimeException e) {
            if (controller != null) {
                controller.close();
            }
            if (probe != null) {
                probe.close();
            }
            if (metrics != null) {
                metrics.close();
            }
            slack.ifPresent(SlackNotifier::close);
            extensions.close();
            if (dashboardServer != null) {
                dashboardServer.close();
            }
            if (api != null) {
                api.close();
            }
            if (roomote != null) {
                roomote.close();
            }
            if (database != null) {
                database.close();
            }
            if (embedded != null) {
                embedded.close();
            }
            throw e;
        }
    }

    /**
     * How agents will be contained, said once at start: an ERROR when no sandbox can run and none was chosen
     * (jobs are refused: never silently unsandboxed), a WARN for an explicit {@code ROOMOTE_SANDBOX=none}.
     */
    private static void announceSandbox(SandboxSettings sandbox) {
        Optional<String> problem = sandbox.startupProblem();
        if (problem.isPresent()) {
            log.error("sandbox: {}", problem.get());
        } else {
            Sandbox created = Sandboxes.create(sandbox);
            if (created instanceof DockerSandbox docker) {
                // Containers of jobs that a crash or kill -9 left behind: their jobs were handed back to the queue.
                docker.leftovers().ifPresent(l -> {
                    List<String> removed = l.sweep();
                    if (!removed.isEmpty()) {
                        log.warn("sandbox: removed {} container(s) left by earlier runs", removed.size());
                    }
                });
            }
            sandbox.startupWarning().ifPresentOrElse(w -> log.warn("sandbox: {}", w),
                    () -> log.info("sandbox: agents run in {} ({})", created.mode().value(),
                            sandbox.explicit() ? "ROOMOTE_SANDBOX" : "the default, bwrap was found"));
        }
    }

    /** One warning per thing a job type lacks: such jobs are refused at enqueue, better known at start. */
    private static void warnOfMissingConfiguration(JobTypeRegistry registry, Settings settings) {
        for (var type : registry.all()) {
            List<String> missing;
            try {
                missing = type.missingConfiguration(settings);
            } catch (RuntimeException e) {
                // A plugin's check must not stop the start: its jobs would say what is wrong.
                log.warn("{}: could not check its configuration: {}", type.id(), e.toString());
                continue;
            }
            missing.forEach(m -> log.warn("{}: {}", type.id(), m));
        }
    }

    /**
     * Opens (and migrates) the database only: {@code roomote migrate}, core's migrations and then those of the
     * runner extensions (class path and plugins folder). Returns the number of migrations run.
     */
    public static int migrate(Settings settings) {
        RunnerSettings runner = RunnerSettings.from(settings);
        PluginJars plugins = PluginJars.open(RoomoteService.class.getClassLoader(), runner.pluginsDir());
        ExtensionWiring extensions = new ExtensionWiring(RunnerExtensions.discover(plugins));
        EmbeddedDatabase embedded = openEmbeddedIfNeeded(runner, new CompletableFuture<>());
        try (Database database = new Database(databaseUrl(runner, embedded), 2)) {
            return database.migrate() + extensions.migrate(database);
        } finally {
            if (embedded != null) {
                embedded.close();
            }
        }
    }

    /** The embedded database's URL, or DATABASE_URL once a login to it has worked (else one clear line). */
    private static DatabaseUrl databaseUrl(RunnerSettings runner, EmbeddedDatabase embedded) {
        return databaseUrl(runner, embedded, true);
    }

    private static DatabaseUrl databaseUrl(RunnerSettings runner, EmbeddedDatabase embedded, boolean check) {
        if (embedded != null) {
            return embedded.url();
        }
        DatabaseUrl url = DatabaseUrl.parse(runner.databaseUrl().orElseThrow());
        if (check) {
            DatabaseLogin.check(url, EXTERNAL_DATABASE_PATIENCE);
        }
        return url;
    }

    private static EmbeddedDatabase openEmbeddedIfNeeded(RunnerSettings runner, CompletableFuture<String> failure) {
        if (runner.databaseUrl().isPresent()) {
            return null;
        }
        return EmbeddedDatabase.start(runner.home(), runner.embeddedDatabasePort(), failure::complete);
    }

    /**
     * Completes with the reason when this process cannot go on (its embedded database died and could not be
     * restarted); the command line then stops it and exits with an error.
     */
    public CompletableFuture<String> failure() {
        return failure;
    }


    public Roomote roomote() {
        return roomote;
    }

    /** The controller of the {@code controller} role. */
    public Optional<io.roomote.controller.Controller> controller() {
        return Optional.ofNullable(controller).map(ControllerWiring::controller);
    }

    public Optional<Integer> apiPort() {
        return Optional.ofNullable(api).map(ApiServer::port);
    }

    /** The dashboard's own port ({@code DASHBOARD_PORT}), when it serves one. */
    public Optional<Integer> dashboardPort() {
        return Optional.ofNullable(dashboardServer).map(DashboardServer::port);
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            if (dashboard != null) {
                dashboard.close();
            }
            if (dashboardServer != null) {
                dashboardServer.close();
            }
            if (api != null) {
                api.close();
            }
            if (controller != null) {
                controller.close(); // its workers go on; the next controller counts them
            }
            // Hands running jobs back and flushes their logs: the database must still be up.
            roomote.close();
            // After the workers: their last job events are still posted.
            slack.ifPresent(SlackNotifier::close);
            extensions.close();
            database.close();
            if (metrics != null) {
                metrics.close();
            }
        } finally {
            // Last, and whatever failed before: Roomote never leaves its database running.
            if (embedded != null) {
                embedded.close();
            }
        }
        log.info("Roomote stopped");
    }
}
