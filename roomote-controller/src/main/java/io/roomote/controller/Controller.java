package io.roomote.controller;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Collectors;

/**
 * Starts single-job workers ({@code roomote worker --once}) for pending jobs, at most {@code MAX_WORKERS} alive.
 * Each look ({@link #tick()}, on a job notification, a worker's exit or the poll):
 * <ol>
 *   <li>reaps exited workers; one that exited with an error before it held a job is a failed start;</li>
 *   <li>takes back jobs whose worker died (expired leases);</li>
 *   <li>counts the workers alive <em>as the engine reports them</em> (pid files, labels, Jobs: a restarted
 *       controller counts the ones it did not start itself), plus ones just launched the engine does not list
 *       yet; alive workers that hold no lease are <em>starting</em>: each will claim one pending job;</li>
 *   <li>starts {@code min(MAX_WORKERS - alive, pending - starting)} workers, unless it is backing off.</li>
 * </ol>
 * A failed start (the launch throws, or the worker exits non-zero without having claimed a job) pauses starts for
 * {@code ROOMOTE_CONTROLLER_BACKOFF}, doubled with every failure in a row up to {@code ROOMOTE_CONTROLLER_MAX_BACKOFF};
 * a worker seen holding a job, or ending cleanly, ends the series. The controller never stops workers: they
 * finish their job whether it runs or not, and a new controller finds them.
 */
public final class Controller implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Controller.class);
    /** How long a launched worker counts as alive while the engine does not list it yet. */
    static final Duration UNLISTED_GRACE = Duration.ofSeconds(30);
    /** Pending jobs are counted up to this: enough to decide and to show, cheap on a deep queue. */
    static final int PENDING_COUNT_LIMIT = 1000;

    private final ControllerSettings settings;
    private final WorkerLauncher launcher;
    private final PendingJobs pending;
    private final WorkerEnvironment environment;
    private final Clock clock;

    private final ReentrantLock wakeLock = new ReentrantLock();
    private final Condition woken = wakeLock.newCondition();
    private boolean wakePending;
    private final Thread loop;
    private volatile boolean running;

    // Touched by tick() only (synchronized).
    /** Launched by this controller and not yet listed by the engine: name -> launch time. */
    private final Map<String, Instant> unlisted = new HashMap<>();
    /** Alive workers seen holding a job: their exit is not a failed start. */
    private final Set<String> claimed = new HashSet<>();
    private final AtomicLong sequence = new AtomicLong();
    private int failuresInARow;
    private long launched;
    private long failedStarts;
    private String lastFailure;
    private Instant lastFailureAt;
    private Instant backoffUntil;
    private volatile ControllerState state;

    public Controller(ControllerSettings settings, WorkerLauncher launcher, PendingJobs pending,
                      WorkerEnvironment environment, Clock clock) {
        this.settings = settings;
        this.launcher = launcher;
        this.pending = pending;
        this.environment = environment;
        this.clock = clock;
        this.state = new ControllerState(settings.controllerId(), launcher.name(), settings.maxWorkers(), 0, 0, 0, 0, 0,
                null, null, null, null);
        this.loop = new Thread(this::run, "roomote-controller");
        this.loop.setDaemon(true);
    }

    /** Starts looking: now, on every {@link #wake()}, every exit the launcher reports, and every poll interval. */
    public Controller start() {
        running = true;
        launcher.onWorkerExit(this::wake);
        loop.start();
        log.info("controller {} started: up to {} worker(s) through the {} launcher", settings.controllerId(),
                settings.maxWorkers(), launcher.name());
        return this;
    }

    /** Look again soon: a job was queued (NOTIFY), a worker exited. */
    public void wake() {
        wakeLock.lock();
        try {
            wakePending = true;
            woken.signal();
        } finally {
            wakeLock.unlock();
        }
    }

    public ControllerState state() {
        return state;
    }

    public ControllerSettings settings() {
        return settings;
    }

    private void run() {
        while (running) {
            try {
                tick();
            } catch (RuntimeException e) {
                log.warn("controller: {}", e.toString());
            }
            long waitMs = settings.pollInterval().toMillis();
            Instant until = state.backoffUntil();
            if (until != null) {
                // Look again when the pause ends, not a whole poll later.
                waitMs = Math.max(10, Math.min(waitMs, Duration.between(clock.instant(), until).toMillis() + 1));
            }
            awaitWake(waitMs);
        }
    }

    private void awaitWake(long timeoutMs) {
        wakeLock.lock();
        try {
            long nanos = TimeUnit.MILLISECONDS.toNanos(timeoutMs);
            while (!wakePending && nanos > 0 && running) {
                nanos = woken.awaitNanos(nanos);
            }
            wakePending = false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        } finally {
            wakeLock.unlock();
        }
    }

    /** One look and the workers it starts; returns the state after it. Public for tests and embedders. */
    public synchronized ControllerState tick() {
        String id = settings.controllerId();
        Instant now = clock.instant();
        try {
            for (ReapedWorker r : launcher.reap(id)) {
                unlisted.remove(r.workerName());
                boolean heldAJob = claimed.remove(r.workerName());
                int code = r.exitCode().orElse(0);
                if (code != 0 && !heldAJob) {
                    fail(now, "worker " + r.workerName() + " exited with code " + code + " before it claimed a job");
                } else {
                    log.debug("worker {} ended (exit code {})", r.workerName(), r.exitCode());
                    if (code == 0) {
                        failuresInARow = 0;
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            return publish(now, 0, 0, 0, "could not reap workers through the " + launcher.name() + " launcher: " + e.getMessage());
        }
        try {
            pending.reclaimExpiredLeases();
        } catch (RuntimeException e) {
            log.debug("could not reclaim expired leases: {}", e.getMessage());
        }
        List<LaunchedWorker> alive;
        try {
            alive = launcher.alive(id);
        } catch (IOException | RuntimeException e) {
            return publish(now, 0, 0, 0, "could not count workers through the " + launcher.name() + " launcher: " + e.getMessage());
        }
        Set<String> names = alive.stream().map(LaunchedWorker::workerName).collect(Collectors.toSet());
        unlisted.keySet().removeAll(names);
        unlisted.values().removeIf(at -> at.plus(UNLISTED_GRACE).isBefore(now));
        Set<String> holders;
        int claimable;
        try {
            holders = pending.leaseHolders(names);
            claimable = pending.claimable(PENDING_COUNT_LIMIT);
        } catch (RuntimeException e) {
            return publish(now, names.size() + unlisted.size(), 0, 0, "could not read the queue: " + e.getMessage());
        }
        if (!holders.isEmpty() && claimed.addAll(holders)) {
            failuresInARow = 0; // a worker got as far as a job: starting works
        }
        claimed.retainAll(names);
        int aliveCount = names.size() + unlisted.size();
        int starting = names.size() - holders.size() + unlisted.size();
        int toStart = Math.min(settings.maxWorkers() - aliveCount, claimable - starting);
        if (toStart > 0 && backoffUntil != null && now.isBefore(backoffUntil)) {
            log.debug("{} pending job(s) wait: no worker is started before {}", claimable - starting, backoffUntil);
            toStart = 0;
        }
        for (int i = 0; i < toStart; i++) {
            String name = workerName(now);
            try {
                LaunchedWorker w = launcher.launch(environment.spec(id, name));
                launched++;
                aliveCount++;
                starting++;
                unlisted.put(name, now);
                log.info("started worker {} ({}) for a pending job", name, w.id());
            } catch (IOException | RuntimeException e) {
                fail(now, "could not start a worker through the " + launcher.name() + " launcher: " + e.getMessage());
                break;
            }
        }
        return publish(now, aliveCount, starting, claimable, null);
    }

    private void fail(Instant now, String what) {
        failedStarts++;
        failuresInARow++;
        lastFailure = what;
        lastFailureAt = now;
        backoffUntil = now.plus(backoff(failuresInARow));
        log.warn("controller: {}; no worker is started for {} ms", what, backoff(failuresInARow).toMillis());
    }

    /** base, 2 base, 4 base, … up to the cap. */
    Duration backoff(int failures) {
        return new io.roomote.core.util.Backoff(settings.backoffBase(), settings.backoffCap()).after(failures);
    }

    private ControllerState publish(Instant now, int alive, int starting, int claimable, String problem) {
        if (problem != null) {
            // Not a failed start: nothing is started until the engine or the database answers again.
            lastFailure = problem;
            lastFailureAt = now;
            log.warn("controller: {}", problem);
            alive = state.alive();
            starting = state.starting();
            claimable = state.pending();
        }
        state = new ControllerState(settings.controllerId(), launcher.name(), settings.maxWorkers(), alive, starting,
                claimable, launched, failedStarts, lastFailure, lastFailureAt,
                backoffUntil != null && now.isBefore(backoffUntil) ? backoffUntil : null, now);
        return state;
    }

    /** {@code roomote-<controller>-<time>-<n><random>}: unique, lower case, at most 63 characters (a DNS label). */
    private String workerName(Instant now) {
        return "roomote-" + settings.controllerId() + "-" + Long.toString(now.toEpochMilli(), 36) + "-"
                + Long.toString(sequence.incrementAndGet(), 36) + Integer.toString(ThreadLocalRandom.current().nextInt(36 * 36), 36);
    }

    /** Stops looking. Workers go on: each finishes its job, and the next controller counts them. */
    @Override
    public void close() {
        running = false;
        wake();
        loop.interrupt();
        try {
            loop.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
