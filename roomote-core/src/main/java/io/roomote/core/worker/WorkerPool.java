package io.roomote.core.worker;

import io.roomote.core.events.JobEventListener;
import io.roomote.core.execution.CancellationSignal;
import io.roomote.core.execution.JobOutcome;
import io.roomote.core.execution.JobRequest;
import io.roomote.core.execution.JobRunner;
import io.roomote.core.jobs.Job;
import io.roomote.core.jobs.JobStatus;
import io.roomote.core.jobs.Lease;
import io.roomote.core.logging.JobMdc;
import io.roomote.core.logging.LogSink;
import io.roomote.core.metrics.JobMetrics;
import io.roomote.core.metrics.JobMetrics.AttemptOutcome;
import io.roomote.core.queue.NotificationListener;
import io.roomote.core.store.JobRepository;
import io.roomote.core.types.JobTypeRegistry;
import io.roomote.spi.Cancellation;
import io.roomote.spi.JobLogger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * Runs queued jobs in this process, at most {@code maxWorkers} at once. One dispatcher thread claims as many
 * jobs as there are free slots, plus up to {@code claimAhead} more, in one statement, woken by {@code
 * LISTEN/NOTIFY} and by a safety-net poll. A job claimed ahead starts the moment a slot frees, without a claim
 * of its own; if no slot frees within {@link WorkerSettings#aheadHold()} it is handed back to the queue as it
 * was ({@link JobRepository#unclaim}), so a runner busy with long jobs never sits on work another could do.
 * A slot is held while a job's handler runs, not while its outcome is written: the next job starts as soon as
 * the handler returns, and successes finishing together share one commit ({@link CompletionBatcher}); at most
 * three jobs per slot may wait for their commits, so a slow database holds the pool back.
 * Running jobs' leases are renewed by heartbeat; expired leases of any runner are taken back here, checked
 * when the earliest known lease expires (and at least every heartbeat interval), so a dead runner's job is
 * queued again within moments of its lease's end. A job queued with a backoff is announced to all runners
 * when it becomes due, not before: a wake-up earlier would find nothing to claim and leave it to the poll.
 *
 * <p>Time: the queue's own times (due, lease expiry) are decided by the repository's {@code QueueTime}; the pool
 * measures on {@code clock} only how long a job claimed ahead has waited. For tests, {@link #startManual()} starts
 * the pool without its dispatcher thread and timers: the test drives it with {@link #runOneDispatch()},
 * {@link #runOneReclaim()} and {@link #runOneHeartbeat()} and moves a settable clock between them, so nothing
 * waits for real time to pass (db-scheduler's {@code ManualScheduler} is the model). Job attempts still run on
 * the worker threads. Waits on threads (shutdown, a write retried through an outage) stay in real time: they
 * wait for work to end, not for the queue's time to come.
 */
public final class WorkerPool implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(WorkerPool.class);
    /** Slack after a lease's expiry or a job's run_at before acting, so the database sees it as past. */
    private static final long MARGIN_MS = 25;
    /** Shortest wait between reclaim checks, when an expired lease is still held (locked) by another reclaimer. */
    private static final long MIN_RECLAIM_WAIT_MS = 100;
    /** Jobs that may be waiting for their outcome's commit, per slot (see {@link #recording}). */
    private static final int RECORDING_PER_SLOT = 3;

    /** A job this runner is running. */
    private record Running(Lease lease, CancellationSignal signal) {
    }

    /** A dispatch round's report, and how long the dispatcher may wait before the next (0: go again at once). */
    private record Round(Dispatch dispatch, long waitMs) {
    }

    private final String owner;
    private final WorkerSettings settings;
    private final JobRepository jobs;
    private final JobRunner runner;
    private final JobTypeRegistry registry;
    private final LogSink logSink;
    private final NotificationListener notifications;
    private final ScheduledExecutorService timers;
    private final JobEventListener events;
    private final JobMetrics metrics;
    private final CompletionBatcher completions;
    private final java.time.Clock clock;
    /** Database time of this runner's latest claim (null before the first). */
    private volatile java.time.Instant lastClaimAt;

    /** Jobs whose handler is running: one slot each, at most {@code maxWorkers}. */
    private final Map<Long, Running> running = new ConcurrentHashMap<>();
    /**
     * Jobs whose handler has returned and whose outcome is being recorded. They hold no slot (the next job may
     * start meanwhile) but their leases are still renewed, and a stop waits for them.
     */
    private final Map<Long, Running> recording = new ConcurrentHashMap<>();
    /** Most jobs being recorded at once: beyond it no job starts, so a slow database holds the pool back. */
    private final int maxRecording;
    /** Claimed ahead, not started yet (dispatcher thread, or the test's in manual mode; shutdown after either). */
    private final java.util.ArrayDeque<Lease> ahead = new java.util.ArrayDeque<>();
    /** When the oldest job in {@link #ahead} was claimed ({@link #clock} millis). */
    private long aheadSince;
    private final WakeSignal wake = new WakeSignal();
    private final Object slotsMonitor = new Object();
    /** Held by a single-job claim and by the start of a shutdown, so that neither misses the other. */
    private final Object claimLock = new Object();
    private final ExecutorService workers;
    private final Thread dispatcher;
    private final AtomicInteger started = new AtomicInteger();
    private final List<ScheduledFuture<?>> periodic = new CopyOnWriteArrayList<>();
    private volatile ScheduledFuture<?> nextReclaim;
    private volatile boolean accepting;
    /** Started with {@link #startManual()}: no dispatcher thread, no timers; the test drives the rounds. */
    private volatile boolean manual;
    /** Set by the dispatcher while claims fail (the database is unreachable). */
    private boolean claimFailing;
    private volatile boolean stopped;

    public WorkerPool(String owner, WorkerSettings settings, JobRepository jobs, JobRunner runner,
                      JobTypeRegistry registry, LogSink logSink, NotificationListener notifications,
                      ScheduledExecutorService timers, JobEventListener events) {
        this(owner, settings, jobs, runner, registry, logSink, notifications, timers, events, JobMetrics.none());
    }

    public WorkerPool(String owner, WorkerSettings settings, JobRepository jobs, JobRunner runner,
                      JobTypeRegistry registry, LogSink logSink, NotificationListener notifications,
                      ScheduledExecutorService timers, JobEventListener events, JobMetrics metrics) {
        this(owner, settings, jobs, runner, registry, logSink, notifications, timers, events, metrics,
                java.time.Clock.systemUTC());
    }

    /**
     * @param clock what the pool measures a claimed-ahead job's hold on: the system clock in production (the
     *              queue's times are the repository's {@code QueueTime}), a test's settable clock with
     *              {@link #startManual()}
     */
    public WorkerPool(String owner, WorkerSettings settings, JobRepository jobs, JobRunner runner,
                      JobTypeRegistry registry, LogSink logSink, NotificationListener notifications,
                      ScheduledExecutorService timers, JobEventListener events, JobMetrics metrics,
                      java.time.Clock clock) {
        this.clock = clock;
        this.metrics = metrics;
        this.owner = owner;
        this.settings = settings;
        this.jobs = jobs;
        this.runner = runner;
        this.registry = registry;
        this.logSink = logSink;
        this.notifications = notifications;
        this.timers = timers;
        this.events = events;
        this.maxRecording = RECORDING_PER_SLOT * settings.maxWorkers();
        this.completions = new CompletionBatcher(jobs, settings.maxWorkers() + maxRecording, logSink::restore);
        AtomicInteger n = new AtomicInteger();
        // A thread per slot and per job being recorded: a worker waits for its outcome's commit on its own thread.
        this.workers = Executors.newFixedThreadPool(settings.maxWorkers() + maxRecording, r -> {
            Thread t = new Thread(r, "roomote-worker-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.dispatcher = new Thread(this::dispatchLoop, "roomote-dispatcher");
        this.dispatcher.setDaemon(true);
    }

    public void start() {
        startBackground();
        dispatcher.start();
        log.info("worker {} started: up to {} job(s) at once of type(s) {}", owner, settings.maxWorkers(), registry.ids());
    }

    /**
     * Test mode: takes work only when told. No dispatcher thread, no heartbeat or reclaim timer, no delayed
     * announcement; cancellations still arrive by {@code NOTIFY}. Drive it with {@link #runOneDispatch()},
     * {@link #runOneReclaim()} and {@link #runOneHeartbeat()} from one thread; {@link #shutdown()} stops it as usual.
     */
    public void startManual() {
        if (dispatcher.isAlive() || accepting) {
            throw new IllegalStateException("worker " + owner + " is already started; startManual() is instead of start()");
        }
        manual = true;
        subscribe();
        log.info("worker {} started in manual mode: up to {} job(s) at once of type(s) {}", owner, settings.maxWorkers(),
                registry.ids());
    }

    /**
     * One claim round, on the caller's thread (a pool started with {@link #startManual()}): jobs claimed ahead
     * start in free slots; jobs held ahead past {@link WorkerSettings#aheadHold()} (on the pool's clock) go back to
     * the queue; free slots plus {@code claimAhead} are claimed in one statement (jobs due on the queue's time) and
     * the claimed jobs start on worker threads or are held ahead. A refused claim throws.
     */
    public Dispatch runOneDispatch() {
        requireManual("runOneDispatch");
        return dispatchRound().dispatch();
    }

    /**
     * One check for expired leases (on the queue's time), as the reclaim timer runs it: takes them back and says
     * when the pool would check next. A pool started with {@link #startManual()} only; failures throw.
     */
    public ReclaimRound runOneReclaim() {
        requireManual("runOneReclaim");
        return reclaimRound();
    }

    /**
     * One heartbeat, as the timer runs it: renews the leases of the jobs running here (from the queue's time),
     * stops those whose lease was taken back or whose cancel was requested. Returns the ids renewed. A pool
     * started with {@link #startManual()} only; failures throw.
     */
    public Set<Long> runOneHeartbeat() {
        requireManual("runOneHeartbeat");
        return renewLeases();
    }

    private void requireManual(String what) {
        if (!manual) {
            throw new IllegalStateException(what + "() drives a pool started with startManual(); worker " + owner
                    + " runs its own dispatcher and timers");
        }
        if (!accepting) {
            throw new IllegalStateException(what + "(): worker " + owner + " is stopped");
        }
    }

    /**
     * Single-job mode ({@code roomote worker --once}): claims at most one job of the registry's types, runs it
     * exactly as the pool runs its jobs (deadline, cancellation, lease heartbeats, retries) and records it, then
     * returns. Empty when nothing was claimable. Use instead of {@link #start()}; {@link #shutdown()} (a stop
     * signal) meanwhile hands the job back like the pool does. A claim the database refuses throws.
     */
    public Optional<OnceResult> runOnce() {
        startBackground();
        Lease lease;
        java.util.concurrent.CompletableFuture<AttemptOutcome> done;
        // With shutdown(): a stop signal during the claim either prevents it or finds the job running.
        synchronized (claimLock) {
            if (!accepting) {
                return Optional.empty();
            }
            List<Lease> leases = jobs.claim(owner, 1, settings.leaseDuration(), registry.ids());
            if (leases.isEmpty()) {
                log.info("worker {}: no pending job of type(s) {}", owner, registry.ids());
                return Optional.empty();
            }
            lease = leases.get(0);
            done = launch(lease);
        }
        AttemptOutcome outcome = done.join();
        Job job = lease.job();
        return Optional.of(new OnceResult(job.id(), job.type(), job.attempts(), outcome));
    }

    private void startBackground() {
        subscribe();
        long beat = settings.heartbeatInterval().toMillis();
        periodic.add(timers.scheduleWithFixedDelay(this::heartbeat, beat, beat, TimeUnit.MILLISECONDS));
        nextReclaim = timers.schedule(this::reclaimExpiredLeases, 0, TimeUnit.MILLISECONDS);
    }

    private void subscribe() {
        if (registry.ids().isEmpty()) {
            log.warn("no job types are installed, so this worker will run nothing; see README, 'Writing a job type'");
        }
        notifications.subscribe(JobRepository.JOBS_CHANNEL, type -> {
            if (registry.find(type).isPresent()) {
                wake.signal();
            }
        });
        notifications.subscribe(JobRepository.CANCEL_CHANNEL, id -> {
            try {
                cancelLocal(Long.parseLong(id), Cancellation.Reason.CANCELLED);
            } catch (NumberFormatException ignored) {
                // not ours
            }
        });
        accepting = true;
    }

    public String owner() {
        return owner;
    }

    public int capacity() {
        return settings.maxWorkers();
    }

    /** Jobs running in this process now. */
    public int busy() {
        return running.size();
    }

    /** Database time of this runner's latest claim; empty before the first. */
    public Optional<java.time.Instant> lastClaimAt() {
        return Optional.ofNullable(lastClaimAt);
    }

    /** Whether the dispatcher is alive (or the pool is driven by hand) and taking work. */
    public boolean isAccepting() {
        return accepting && (manual || dispatcher.isAlive());
    }

    /** Stops a job running here; false when this runner does not run it. */
    public boolean cancelLocal(long jobId, Cancellation.Reason reason) {
        Running r = running.get(jobId);
        return r != null && r.signal().fire(reason);
    }

    private void dispatchLoop() {
        while (accepting) {
            try {
                wake.clear();
                long wait = dispatchRound().waitMs();
                if (wait > 0) {
                    wake.await(wait);
                }
            } catch (InterruptedException e) {
                if (!accepting) {
                    return;
                }
            } catch (RuntimeException e) {
                // Once per outage at WARN, not once per poll: a long outage must not bury other lines.
                if (!claimFailing) {
                    claimFailing = true;
                    log.warn("could not claim jobs: {}; trying again every {} ms until the database answers",
                            rootMessage(e), settings.pollInterval().toMillis());
                } else {
                    log.debug("could not claim jobs: {}", rootMessage(e));
                }
                try {
                    wake.await(settings.pollInterval().toMillis());
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    /**
     * One round of the dispatcher (its thread, or the test's through {@link #runOneDispatch()}): start held jobs
     * in free slots, claim for the rest plus {@code claimAhead}, hand back held jobs whose hold has lapsed.
     */
    private Round dispatchRound() {
        List<Long> startedNow = new java.util.ArrayList<>();
        int free = freeSlots();
        for (; free > 0 && !ahead.isEmpty(); free--) {
            Lease lease = ahead.poll();
            launch(lease);
            startedNow.add(lease.jobId());
        }
        boolean maybeMore = false;
        if (free > 0) {
            int want = free + settings.claimAhead();
            List<Lease> leases = jobs.claim(owner, want, settings.leaseDuration(), registry.ids());
            if (claimFailing) {
                claimFailing = false;
                log.info("claiming jobs again: the database answers");
            }
            for (Lease lease : leases) {
                if (free > 0) {
                    launch(lease);
                    startedNow.add(lease.jobId());
                    free--;
                } else {
                    if (ahead.isEmpty()) {
                        aheadSince = clock.millis();
                    }
                    ahead.add(lease);
                }
            }
            // There may be more; the next round waits if all slots are taken.
            maybeMore = leases.size() == want;
        }
        long wait = maybeMore ? 0 : settings.pollInterval().toMillis();
        Set<Long> handedBack = Set.of();
        if (!maybeMore && !ahead.isEmpty()) {
            long held = clock.millis() - aheadSince;
            // Never past a heartbeat: a held job's lease is not renewed until it starts.
            long hold = Math.min(settings.aheadHold().toMillis(), settings.heartbeatInterval().toMillis());
            long left = hold - held;
            // held < 0: the wall clock was set back; hand back rather than hold for as long as it jumped.
            if (left <= 0 || held < 0) {
                handedBack = handBackAhead();
                wait = 0;
            } else {
                wait = Math.min(wait, left);
            }
        }
        List<Long> heldNow = ahead.stream().map(Lease::jobId).toList();
        return new Round(new Dispatch(List.copyOf(startedNow), heldNow, handedBack), wait);
    }

    /**
     * Slots free for a job to start: a handler running takes one; a job being recorded takes none, but no more than
     * {@link #maxRecording} may wait for their commits (each on a thread of {@link #workers}). Only this pool's
     * dispatch starts jobs, and workers only ever give slots back, so the answer can only grow until the caller
     * starts jobs.
     */
    private int freeSlots() {
        int slots = settings.maxWorkers() - running.size();
        int threads = settings.maxWorkers() + maxRecording - running.size() - recording.size();
        return Math.max(0, Math.min(slots, threads));
    }

    /**
     * Hands the jobs claimed ahead back to the queue untouched (no slot freed in time, or shutting down); returns
     * the ids handed back (none when the database refused: their leases then expire).
     */
    private Set<Long> handBackAhead() {
        if (ahead.isEmpty()) {
            return Set.of();
        }
        Map<Long, Long> tokens = new HashMap<>();
        ahead.forEach(l -> tokens.put(l.jobId(), l.token()));
        ahead.clear();
        try {
            return jobs.unclaim(tokens);
        } catch (RuntimeException e) {
            // Their leases expire and the queue takes them back, as for a runner that died.
            log.warn("could not hand back {} job(s) claimed ahead ({}); they return to the queue when their"
                    + " leases expire", tokens.size(), rootMessage(e));
            return Set.of();
        }
    }

    /** Runs the job on a worker thread; completes with how the attempt ended once it is recorded. */
    private java.util.concurrent.CompletableFuture<AttemptOutcome> launch(Lease lease) {
        java.util.concurrent.CompletableFuture<AttemptOutcome> done = new java.util.concurrent.CompletableFuture<>();
        CancellationSignal signal = new CancellationSignal();
        Running mine = new Running(lease, signal);
        running.put(lease.jobId(), mine);
        started.incrementAndGet();
        if (lease.job().startedAt() != null) {
            lastClaimAt = lease.job().startedAt();
        }
        metrics.claimed(lease.job());
        workers.execute(() -> {
            Job job = lease.job();
            // Every process log line about this job carries these (JSON logs show them as fields).
            JobMdc.put(job.id(), job.type(), job.attempts(), owner);
            try {
                events.jobStarted(lease.job());
                io.micrometer.core.instrument.Timer.Sample attemptTime = metrics.startAttempt();
                JobRequest request = new JobRequest(lease.jobId(), lease.job().attempts(), lease.job().type(),
                        lease.job().payload(), settings.jobTimeout(), signal, logSink);
                JobOutcome outcome = runner.run(request);
                // The handler is done: its slot frees now, while the outcome is recorded. A crash before the commit
                // leaves the job to be run again when its lease expires, as a crash during the handler does.
                recording.put(lease.jobId(), mine);
                running.remove(lease.jobId());
                wake.signal();
                if (!(outcome instanceof JobOutcome.Succeeded)) {
                    logSink.flush(); // a success's lines go with its outcome (record)
                }
                boolean recorded = record(lease, outcome);
                AttemptOutcome how = attemptOutcome(lease, outcome, recorded);
                long tookNanos = metrics.attemptEnded(attemptTime, job.type(), how);
                log.info("job {} ({}) attempt {} of {}: {} after {} ms", job.id(), job.type(), job.attempts(),
                        job.maxAttempts(), how.label(), TimeUnit.NANOSECONDS.toMillis(tookNanos));
                done.complete(how);
                if (recorded && events.listens()) {
                    // Only the runner whose write landed announces the end, so it is told once.
                    jobs.find(lease.jobId()).filter(j -> j.status().isTerminal()).ifPresent(events::jobFinished);
                }
            } catch (RuntimeException e) {
                log.error("job {} could not be run; its lease will expire and the queue will take it back", lease.jobId(), e);
            } finally {
                JobMdc.clear();
                running.remove(lease.jobId());
                recording.remove(lease.jobId());
                // Not recorded (a failure above): the lease expires and the queue takes the job back.
                done.complete(AttemptOutcome.LEASE_LOST);
                synchronized (slotsMonitor) {
                    slotsMonitor.notifyAll();
                }
                wake.signal();
            }
        });
        return done;
    }

    private AttemptOutcome attemptOutcome(Lease lease, JobOutcome outcome, boolean recorded) {
        if (!recorded) {
            return AttemptOutcome.LEASE_LOST;
        }
        if (outcome instanceof JobOutcome.Succeeded) {
            return AttemptOutcome.COMPLETED;
        }
        if (outcome instanceof JobOutcome.Failed f) {
            return f.retryable() && lease.job().attempts() < lease.job().maxAttempts() ? AttemptOutcome.RETRIED : AttemptOutcome.FAILED;
        }
        return switch (((JobOutcome.Stopped) outcome).reason()) {
            case CANCELLED -> AttemptOutcome.CANCELLED;
            case TIMED_OUT -> AttemptOutcome.TIMED_OUT;
            case SHUTDOWN -> AttemptOutcome.RELEASED;
            case LEASE_LOST -> AttemptOutcome.LEASE_LOST;
        };
    }

    /** Records the outcome; true when this runner's write changed the job. */
    private boolean record(Lease lease, JobOutcome outcome) {
        long id = lease.jobId();
        long token = lease.token();
        int attempt = lease.job().attempts();
        int maxAttempts = lease.job().maxAttempts();
        if (outcome instanceof JobOutcome.Succeeded s) {
            // Shares a commit with the other workers' successes that are ready at the same time, and takes the
            // attempt's last log lines into it.
            List<io.roomote.core.store.JobLogRepository.Entry> lines = logSink.detach(id, attempt);
            java.util.concurrent.atomic.AtomicBoolean linesTaken = new java.util.concurrent.atomic.AtomicBoolean();
            boolean completed = write(lease, "completed", () -> {
                boolean done = completions.complete(new JobRepository.Completion(id, token, s.result(), s.madeUrl()), lines);
                linesTaken.set(true);
                return done;
            });
            if (!linesTaken.get()) {
                logSink.restore(lines);
            }
            return completed;
        }
        if (outcome instanceof JobOutcome.Failed f) {
            if (f.retryable() && attempt < maxAttempts) {
                Duration delay = settings.retry().delayAfter(attempt);
                jobLine(lease, JobLogger.Level.WARN, "attempt " + attempt + " of " + maxAttempts + " failed; retrying in "
                        + delay.toMillis() + " ms");
                boolean rescheduled = write(lease, "rescheduled", () -> jobs.reschedule(id, token, f.error(), delay));
                if (rescheduled) {
                    announceWhenDue(lease.job().type(), delay);
                }
                return rescheduled;
            }
            String error = f.retryable() ? f.error() + " (gave up after " + attempt + " attempts)" : f.error();
            return write(lease, "failed", () -> jobs.fail(id, token, error, f.result()));
        }
        JobOutcome.Stopped st = (JobOutcome.Stopped) outcome;
        return switch (st.reason()) {
            case CANCELLED -> write(lease, "cancelled", () -> jobs.cancelled(id, token, st.message(), st.result()));
            case TIMED_OUT -> write(lease, "failed", () -> jobs.fail(id, token, st.message(), st.result()));
            case SHUTDOWN -> write(lease, "released", () -> jobs.release(id, token));
            case LEASE_LOST -> {
                log.warn("job {}: lease lost; another runner owns it now, outcome not recorded", id);
                yield false;
            }
        };
    }

    private void jobLine(Lease lease, JobLogger.Level level, String line) {
        logSink.write(lease.jobId(), lease.job().attempts(), level, line);
    }

    /** Writes an outcome, retrying while the database is unreachable; a fenced-out write is final. */
    private boolean write(Lease lease, String what, BooleanSupplier statement) {
        for (int attempt = 1; ; attempt++) {
            try {
                if (statement.getAsBoolean()) {
                    return true;
                }
                log.warn("job {}: not {} because its lease (token {}) was taken back; another runner owns it now",
                        lease.jobId(), what, lease.token());
                return false;
            } catch (RuntimeException e) {
                if (attempt >= 5 || stopped) {
                    log.error("job {}: could not record it as {} ({}); its lease will expire and the queue will take it back",
                            lease.jobId(), what, e.getMessage());
                    return false;
                }
                try {
                    Thread.sleep(500L * attempt);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
    }

    private void heartbeat() {
        try {
            renewLeases();
        } catch (RuntimeException e) {
            log.warn("heartbeat failed: {}", e.getMessage());
        }
    }

    /** Renews the running jobs' leases; stops those taken back or asked to stop. Returns the ids renewed. */
    private Set<Long> renewLeases() {
        if (running.isEmpty() && recording.isEmpty()) {
            return Set.of();
        }
        Map<Long, Long> tokens = new HashMap<>();
        recording.forEach((id, r) -> tokens.put(id, r.lease().token()));
        running.forEach((id, r) -> tokens.put(id, r.lease().token()));
        Set<Long> alive = new HashSet<>();
        for (JobRepository.LeaseState state : jobs.renew(tokens, settings.leaseDuration())) {
            alive.add(state.jobId());
            if (state.cancelRequested()) {
                cancelLocal(state.jobId(), Cancellation.Reason.CANCELLED);
            }
        }
        for (Long id : tokens.keySet()) {
            if (!alive.contains(id) && running.containsKey(id)) {
                log.warn("job {}: lease lost; stopping it", id);
                cancelLocal(id, Cancellation.Reason.LEASE_LOST);
            }
        }
        return Set.copyOf(alive);
    }

    /** Takes back expired leases, then plans the next check for the earliest lease expiry known. */
    private void reclaimExpiredLeases() {
        if (stopped) {
            return;
        }
        long next = settings.heartbeatInterval().toMillis();
        try {
            next = reclaimRound().nextCheckIn().toMillis();
        } catch (RuntimeException e) {
            log.warn("could not reclaim expired leases: {}", e.getMessage());
        }
        if (!stopped) {
            try {
                nextReclaim = timers.schedule(this::reclaimExpiredLeases, next, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                // the timers are shut down: Roomote is closing
            }
        }
    }

    /** One reclaim: takes back expired leases and says when to check next (at the earliest lease expiry known). */
    private ReclaimRound reclaimRound() {
        List<JobRepository.Reclaimed> reclaimed = jobs.reclaimExpiredLeases(settings.retry().backoff());
        for (JobRepository.Reclaimed r : reclaimed) {
            Job job = r.job();
            log.warn("job {}: {} -> {}", job.id(), job.error(), job.status().dbValue());
            metrics.leaseReclaimed(job.type(), job.status() == JobStatus.PENDING ? "requeued" : job.status().dbValue());
            if (job.status() == JobStatus.PENDING && !r.dueIn().isZero()) {
                announceWhenDue(job.type(), r.dueIn());
            }
        }
        long next = settings.heartbeatInterval().toMillis();
        // Leases taken after this read expire at least a lease from now; the heartbeat interval cap sees them.
        Optional<Duration> expiry = jobs.nextLeaseExpiry();
        if (expiry.isPresent()) {
            next = Math.max(MIN_RECLAIM_WAIT_MS, Math.min(next, expiry.get().toMillis() + MARGIN_MS));
        }
        return new ReclaimRound(List.copyOf(reclaimed), Duration.ofMillis(next));
    }

    /** Wakes every runner (through NOTIFY) once a job queued with a delay becomes due. */
    private void announceWhenDue(String type, Duration delay) {
        if (manual) {
            return; // a test drives this pool: it dispatches when it has moved the clock, no timer wakes it
        }
        Runnable announce = () -> {
            if (stopped) {
                return;
            }
            try {
                jobs.announceDue(type);
            } catch (RuntimeException e) {
                log.debug("could not announce a due job of type {}: {}", type, e.getMessage());
                wake.signal(); // at least this runner looks; the others poll
            }
        };
        try {
            timers.schedule(announce, delay.toMillis() + MARGIN_MS, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // the timers are shut down: Roomote is closing
        }
    }

    /**
     * Graceful stop: claim nothing more, let running jobs finish within {@code SHUTDOWN_GRACE}, then stop the
     * rest and hand their jobs back to the queue.
     */
    public void shutdown() {
        if (stopped) {
            return;
        }
        synchronized (claimLock) {
            accepting = false;
        }
        // Real time from here on (System.nanoTime): these waits are for worker threads to end.
        dispatcher.interrupt();
        joinQuietly(dispatcher);
        if (!dispatcher.isAlive()) {
            handBackAhead();
        }
        long deadline = System.nanoTime() + settings.shutdownGrace().toNanos();
        if (!running.isEmpty()) {
            log.info("waiting up to {} ms for {} running job(s)", settings.shutdownGrace().toMillis(), running.size());
        }
        waitUntilIdle(deadline);
        if (!running.isEmpty()) {
            log.info("handing {} running job(s) back to the queue", running.size());
            running.values().forEach(r -> r.signal().fire(Cancellation.Reason.SHUTDOWN));
            waitUntilIdle(System.nanoTime() + settings.cancelGrace().plusSeconds(5).toNanos());
        }
        stopped = true;
        periodic.forEach(f -> f.cancel(false));
        ScheduledFuture<?> reclaim = nextReclaim;
        if (reclaim != null) {
            reclaim.cancel(false);
        }
        workers.shutdownNow();
        log.info("worker {} stopped after running {} job(s)", owner, started.get());
    }

    private void waitUntilIdle(long deadlineNanos) {
        synchronized (slotsMonitor) {
            while (!running.isEmpty() || !recording.isEmpty()) {
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                try {
                    slotsMonitor.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root == e ? String.valueOf(e.getMessage()) : e.getMessage() + " (" + root.getMessage() + ")";
    }

    private static void joinQuietly(Thread t) {
        try {
            t.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        shutdown();
    }
}
