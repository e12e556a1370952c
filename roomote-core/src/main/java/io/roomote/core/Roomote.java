package io.roomote.core;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.roomote.core.config.Settings;
import io.roomote.core.events.JobEventListener;
import io.roomote.core.execution.JobRunner;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.roomote.core.logging.DatabaseLogSink;
import io.roomote.core.metrics.JobMetrics;
import io.roomote.core.metrics.QueueDepthGauges;
import io.roomote.core.logging.SecretRedactor;
import io.roomote.core.queue.JobQueue;
import io.roomote.core.queue.NotificationListener;
import io.roomote.core.store.Database;
import io.roomote.core.store.JobLogRepository;
import io.roomote.core.store.JobRepository;
import io.roomote.core.store.JobSearchRepository;
import io.roomote.core.store.ModelCallRepository;
import io.roomote.core.store.QueueTime;
import io.roomote.core.store.Json;
import io.roomote.core.types.JobTypeRegistry;
import io.roomote.core.util.Threads;
import io.roomote.core.worker.WorkerPool;
import io.roomote.core.worker.WorkerSettings;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The wired-up core: queue, log store and (optionally) a worker pool on one database. Adapters (the
 * standalone runner, the bench, tests) build one of these; nothing here is static.
 */
public final class Roomote implements AutoCloseable {

    private final Database database;
    private final ObjectMapper mapper;
    private final JobTypeRegistry registry;
    private final JobQueue queue;
    private final DatabaseLogSink logSink;
    private final ModelCallRepository modelCalls;
    private final NotificationListener listener;
    private final ScheduledExecutorService timers;
    private final WorkerPool workers;
    /** Whether {@link #startWorkers()} ran: a pool that never started has nothing to stop or report. */
    private volatile boolean workersStarted;
    /** Null without metrics. */
    private final QueueDepthGauges depth;

    private Roomote(Settings settings, Database database, JobTypeRegistry registry, Path home, boolean runWorkers,
                    String owner, JobEventListener events, JobMetrics metrics, QueueTime time) {
        this.database = database;
        this.mapper = Json.newMapper();
        this.registry = registry;
        WorkerSettings workerSettings = WorkerSettings.from(settings);
        SecretRedactor redactor = new SecretRedactor(settings.secretValues());
        JobRepository jobs = new JobRepository(database, mapper, time);
        JobLogRepository logs = new JobLogRepository(database);
        this.queue = new JobQueue(jobs, new JobSearchRepository(database, mapper), logs, registry, mapper,
                workerSettings.retry(), settings, metrics);
        this.logSink = new DatabaseLogSink(logs);
        this.modelCalls = new ModelCallRepository(database);
        this.depth = metrics.enabled()
                ? new QueueDepthGauges(metrics.registry(), jobs, registry.ids(), java.time.Clock.systemUTC()) : null;
        ScheduledThreadPoolExecutor timerPool = new ScheduledThreadPoolExecutor(2, Threads.daemon("roomote-timers"));
        // Every attempt schedules a deadline and cancels it when done: drop cancelled ones, not keep them for 30 min.
        timerPool.setRemoveOnCancelPolicy(true);
        this.timers = timerPool;
        JobRunner runner = new JobRunner(registry, mapper, settings, redactor, home.resolve("work"),
                workerSettings.cancelGrace(), timers, modelCalls::record);
        if (runWorkers) {
            this.listener = new NotificationListener(database, List.of(JobRepository.JOBS_CHANNEL, JobRepository.CANCEL_CHANNEL));
            this.workers = new WorkerPool(owner, workerSettings, jobs, runner, registry, logSink, listener, timers,
                    metrics.enabled() ? JobEventListener.all(List.of(metrics, events)) : events, metrics, time.clock());
            MeterRegistry meters = metrics.registry();
            Gauge.builder("roomote.workers.busy", workers, WorkerPool::busy).description("Jobs this runner is running now")
                    .register(meters);
            Gauge.builder("roomote.workers.capacity", workers, WorkerPool::capacity)
                    .description("Jobs this runner may run at once (MAX_WORKERS)").register(meters);
        } else {
            this.listener = null;
            this.workers = null;
        }
    }

    /**
     * Migrates the database and starts the worker pool when {@code runWorkers}.
     *
     * @param home Roomote's home folder; job work directories live under {@code home/work}
     */
    public static Roomote start(Settings settings, Database database, JobTypeRegistry registry, Path home,
                                boolean runWorkers) {
        return start(settings, database, registry, home, runWorkers, JobEventListener.NONE);
    }

    /** As {@link #start(Settings, Database, JobTypeRegistry, Path, boolean, JobEventListener, MeterRegistry)}, without metrics. */
    public static Roomote start(Settings settings, Database database, JobTypeRegistry registry, Path home,
                                boolean runWorkers, JobEventListener events) {
        return start(settings, database, registry, home, runWorkers, events, null);
    }

    /**
     * Migrates the database and starts the worker pool when {@code runWorkers}, telling {@code events} of every
     * job's start and end, and reporting the queue's metrics to {@code meters} (null: none; see docs/metrics.md).
     */
    public static Roomote start(Settings settings, Database database, JobTypeRegistry registry, Path home,
                                boolean runWorkers, JobEventListener events, MeterRegistry meters) {
        Roomote roomote = open(settings, database, registry, home, runWorkers, events, meters);
        roomote.startWorkers();
        return roomote;
    }

    /**
     * Migrates the database and builds the core, without starting the worker pool yet: an adapter that can still
     * fail to start (a port in use) calls {@link #startWorkers()} once it cannot, so no job is claimed in vain.
     */
    public static Roomote open(Settings settings, Database database, JobTypeRegistry registry, Path home,
                               boolean runWorkers, JobEventListener events, MeterRegistry meters) {
        return open(settings, database, registry, home, runWorkers, events, meters, QueueTime.database());
    }

    /**
     * As {@link #open(Settings, Database, JobTypeRegistry, Path, boolean, JobEventListener, MeterRegistry)}, with the
     * queue going by {@code time}: {@link QueueTime#database()} in production, a test's settable clock in queue
     * tests (then usually with {@link #startManualWorkers()}).
     */
    public static Roomote open(Settings settings, Database database, JobTypeRegistry registry, Path home,
                               boolean runWorkers, JobEventListener events, MeterRegistry meters, QueueTime time) {
        database.migrate();
        Roomote roomote = new Roomote(settings, database, registry, home, runWorkers,
                settings.get("ROOMOTE_RUNNER_ID").orElseGet(Roomote::defaultOwner), events,
                meters == null ? JobMetrics.none() : new JobMetrics(meters), time);
        if (roomote.depth != null) {
            roomote.depth.start();
        }
        return roomote;
    }

    /** Starts listening and claiming, when this core runs workers; on failure everything is closed. */
    public void startWorkers() {
        if (listener != null) {
            workersStarted = true;
            try {
                // A moment for the first LISTEN: health reports the queue unhealthy until it is up.
                listener.start(java.time.Duration.ofSeconds(5));
                workers.start();
            } catch (RuntimeException e) {
                close();
                throw e;
            }
        }
    }

    /**
     * For queue tests: listens (cancellations) and starts the worker pool without its dispatcher thread and timers
     * ({@link WorkerPool#startManual()}); the test drives it. Use instead of {@link #startWorkers()}; requires a core
     * opened with {@code runWorkers}.
     */
    public WorkerPool startManualWorkers() {
        if (listener == null) {
            throw new IllegalStateException("this core runs no workers; open it with runWorkers = true");
        }
        workersStarted = true;
        listener.start(java.time.Duration.ofSeconds(5));
        workers.startManual();
        return workers;
    }

    /**
     * Single-job mode ({@code roomote worker --once}): listens for cancellations, claims at most one job, runs and
     * records it (see {@link WorkerPool#runOnce()}). Use instead of {@link #startWorkers()}; {@link #close()} during
     * the run (a stop signal) hands the job back. Requires a core opened with {@code runWorkers}.
     */
    public Optional<io.roomote.core.worker.OnceResult> runOnce() {
        if (listener == null) {
            throw new IllegalStateException("this core runs no workers");
        }
        workersStarted = true;
        listener.start(java.time.Duration.ofSeconds(5));
        return workers.runOnce();
    }

    /** host:pid:random — unique per process start, readable in the lease_owner column. */
    static String defaultOwner() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "localhost";
        }
        return host + ":" + ManagementFactory.getRuntimeMXBean().getPid() + ":" + UUID.randomUUID().toString().substring(0, 8);
    }

    public JobQueue queue() {
        return queue;
    }

    public Optional<WorkerPool> workers() {
        return Optional.ofNullable(workers);
    }

    /** The model calls of jobs, as the runner's jobs report them (kept with the job, deleted with it). */
    public ModelCallRepository modelCalls() {
        return modelCalls;
    }

    public Database database() {
        return database;
    }

    public ObjectMapper mapper() {
        return mapper;
    }

    public JobTypeRegistry registry() {
        return registry;
    }

    /** The queue is healthy when this process's worker pool (if any) is taking work and hears notifications. */
    public boolean queueHealthy() {
        return workers == null || workers.isAccepting() && listener.isConnected();
    }

    /** Stops the workers gracefully (see {@link WorkerPool#shutdown()}); the database is the caller's. */
    @Override
    public void close() {
        if (workers != null && workersStarted) {
            workers.shutdown();
            listener.close();
        }
        logSink.close();
        timers.shutdownNow();
        if (depth != null) {
            depth.close();
        }
    }
}
