package io.roomote.bench;

import io.roomote.core.Roomote;
import io.roomote.core.config.Settings;
import io.roomote.core.jobs.JobStatus;
import io.roomote.core.store.Database;
import io.roomote.core.store.DatabaseUrl;
import io.roomote.core.types.JobTypeRegistry;
import io.roomote.core.worker.WorkerPool;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Measures Roomote's queue with a no-op job type on embedded PostgreSQL with fsync=on and
 * synchronous_commit=on: the database's own floor, enqueue rate, claim+complete throughput and pickup latency
 * (enqueue → handler start) on an idle runner. Each measurement is warmed up, then repeated; the report gives
 * the median of the repetitions and their spread.
 */
@Command(name = "roomote-bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Queue benchmark of Roomote: no-op jobs on embedded PostgreSQL with fsync=on, synchronous_commit=on.")
public final class QueueBenchmark implements Callable<Integer> {

    enum Part { FLOOR, ENQUEUE, THROUGHPUT, PICKUP, PEERS }

    /** The peers of the comparison part, each at its defaults and at its best tuning. */
    enum Peer { JOBRUNR, JOBRUNR_TUNED, DB_SCHEDULER, DB_SCHEDULER_TUNED }

    @Option(names = "--only", split = ",", paramLabel = "PART", description = "Parts to run: ${COMPLETION-CANDIDATES} (default: all).")
    Set<Part> only;

    @Option(names = "--reps", defaultValue = "3", description = "Measured repetitions of each measurement (default ${DEFAULT-VALUE}).")
    int reps;

    @Option(names = "--enqueue-jobs", defaultValue = "2000", description = "Jobs per enqueue repetition (default ${DEFAULT-VALUE}).")
    int enqueueJobs;

    @Option(names = "--enqueue-threads", defaultValue = "4", description = "Threads of the concurrent enqueue (default ${DEFAULT-VALUE}).")
    int enqueueThreads;

    @Option(names = "--throughput-jobs", defaultValue = "2000", description = "Jobs per claim+complete repetition (default ${DEFAULT-VALUE}).")
    int throughputJobs;

    @Option(names = "--setting", description = "A Roomote setting for the claim+complete and pickup runners, as NAME=VALUE"
            + " (repeatable; e.g. --setting CLAIM_AHEAD=20). Default: Roomote's defaults.")
    Map<String, String> extraSettings = new java.util.LinkedHashMap<>();

    @Option(names = "--workers", split = ",", defaultValue = "5,16", description = "MAX_WORKERS of the claim+complete runs (default ${DEFAULT-VALUE}).")
    List<Integer> workerCounts;

    @Option(names = "--pickup-samples", defaultValue = "300", description = "Pickup samples per repetition (default ${DEFAULT-VALUE}).")
    int pickupSamples;

    @Option(names = "--pickup-warmup", defaultValue = "100", description = "Pickup samples thrown away before each variant (default ${DEFAULT-VALUE}).")
    int pickupWarmup;

    @Option(names = "--pickup-spacing-ms", defaultValue = "20", description = "Pause between pickup samples, runner idle (default ${DEFAULT-VALUE}).")
    long pickupSpacingMs;

    @Option(names = "--no-separate-jvm", description = "Skip the pickup variant whose enqueuer is another JVM.")
    boolean noSeparateJvm;

    @Option(names = "--peers", split = ",", paramLabel = "PEER", description = "Peers of the comparison part:"
            + " ${COMPLETION-CANDIDATES} (default: all). Roomote always runs first in each repetition.")
    List<Peer> peers;

    @Option(names = "--peer-enqueue-jobs", defaultValue = "2000", description = "Comparison: jobs per single and batch enqueue repetition (default ${DEFAULT-VALUE}).")
    int peerEnqueueJobs;

    @Option(names = "--peer-batch-size", defaultValue = "1000", description = "Comparison: jobs per batch of the batch enqueue (default ${DEFAULT-VALUE}).")
    int peerBatchSize;

    @Option(names = "--peer-throughput-jobs", split = ",", defaultValue = "2000,20000", description = "Comparison: jobs per claim+complete repetition (default ${DEFAULT-VALUE}).")
    List<Integer> peerThroughputJobs;

    @Option(names = "--peer-workers", split = ",", defaultValue = "5,16", description = "Comparison: workers of the claim+complete runs; the first is also the pickup's (default ${DEFAULT-VALUE}).")
    List<Integer> peerWorkers;

    @Option(names = "--peer-pickup-samples", defaultValue = "20", description = "Comparison: pickup samples per repetition and system;"
            + " each sample waits the pickup spacing plus a random part of the system's poll interval (JobRunr 15 s, db-scheduler 10 s at their defaults), so a sample can take twice that (default ${DEFAULT-VALUE}).")
    int peerPickupSamples;

    @Option(names = "--peer-pickup-warmup", defaultValue = "3", description = "Comparison: pickup samples thrown away first (default ${DEFAULT-VALUE}).")
    int peerPickupWarmup;

    @Option(names = "--explain-slower-than", paramLabel = "MS", description = "Diagnosis: log the plan of every"
            + " statement slower than MS milliseconds (auto_explain, with buffers and the planner settings in force) to"
            + " the folder of --explain-log.")
    Integer explainSlowerThanMs;

    @Option(names = "--explain-log", defaultValue = "bench-plans", paramLabel = "FOLDER",
            description = "Folder of --explain-slower-than's PostgreSQL log (default ${DEFAULT-VALUE}).")
    Path explainLog;

    @Option(names = "--statements", description = "Diagnosis: load pg_stat_statements and print the costliest statements of each part.")
    boolean statements;

    @Option(names = "--pin-claim-plan", description = "Diagnosis: enable_bitmapscan=off, enable_sort=off in the bench databases,"
            + " so the claim walks the pending index in order whatever the statistics say.")
    boolean pinClaimPlan;

    private final PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    private final PrintStream progress = new PrintStream(System.err, true, StandardCharsets.UTF_8);
    private final Report report = new Report();
    private final StartProbe probe = new StartProbe();
    private final JobTypeRegistry registry = JobTypeRegistry.of(new NoopJobType(probe));
    private final AtomicLong seq = new AtomicLong();
    private DurablePostgres postgres;
    private CpuTicks cpu;
    private Path home;
    private PeerComparison comparison;

    public static void main(String[] args) {
        System.exit(new CommandLine(new QueueBenchmark()).setCaseInsensitiveEnumValuesAllowed(true).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Set<Part> parts = only == null || only.isEmpty() ? EnumSet.allOf(Part.class) : EnumSet.copyOf(only);
        home = Files.createTempDirectory("roomote-bench-");
        long began = System.nanoTime();
        try (DurablePostgres pg = DurablePostgres.start(statements, explainSlowerThanMs == null ? null
                : new DurablePostgres.ExplainLog(Files.createDirectories(explainLog), explainSlowerThanMs))) {
            postgres = pg;
            pg.requireDurable();
            Map<String, String> facts = pg.facts();
            cpu = new CpuTicks(facts.get("data_directory"));
            printSetup(facts);
            if (parts.contains(Part.FLOOR)) {
                measure("floor", () -> floor(database("bench_floor")));
            }
            if (parts.contains(Part.ENQUEUE)) {
                measure("enqueue", () -> enqueue(database("bench_enqueue")));
            }
            if (parts.contains(Part.THROUGHPUT)) {
                for (int workers : workerCounts) {
                    measure("claim+complete, " + workers + " workers", () -> throughput(database("bench_throughput"), workers));
                }
            }
            if (parts.contains(Part.PICKUP)) {
                pickup(database("bench_pickup"));
            }
            if (parts.contains(Part.PEERS)) {
                measure("comparison with peers", this::peers);
            }
        } finally {
            deleteTree(home);
        }
        out.printf(Locale.ROOT, "%nResults: median of %d runs after warm-up, PostgreSQL fsync=on, synchronous_commit=on%s"
                        + " (%.0f s in all; load average at the end %s)%n%n",
                reps, pinClaimPlan ? ", claim plan pinned" : "", (System.nanoTime() - began) / 1e9, CpuTicks.loadAverage());
        report.printPlain(out);
        out.println();
        report.printMarkdown(out);
        if (comparison != null) {
            out.printf(Locale.ROOT, "%nRoomote and its peers in one run (interleaved repetitions; median of %d, spread min–max;"
                    + " every system on its own database of the same PostgreSQL, pools of %d, the same worker counts):%n%n",
                    reps, io.roomote.bench.peers.QueueUnderTest.POOL_SIZE);
            comparison.printMarkdown(out);
        }
        return 0;
    }

    private void printSetup(Map<String, String> facts) {
        out.println("Roomote queue benchmark");
        out.printf(Locale.ROOT, "  machine: %d cores; JDK %s (%s); load average %s (other work skews every figure)%n",
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
                System.getProperty("java.vm.name"), CpuTicks.loadAverage());
        facts.forEach((k, v) -> out.printf(Locale.ROOT, "  %s: %s%n", k, v));
        out.printf(Locale.ROOT, "  sizes: reps=%d, enqueue %d jobs (1 and %d threads), claim+complete %d jobs (workers %s),"
                        + " pickup %d samples after %d warm-up, %d ms apart%n",
                reps, enqueueJobs, enqueueThreads, throughputJobs, workerCounts, pickupSamples, pickupWarmup, pickupSpacingMs);
    }

    private String database(String prefix) throws SQLException {
        return postgres.createDatabase(prefix, pinClaimPlan
                ? Map.of("enable_bitmapscan", "off", "enable_sort", "off") : Map.of());
    }

    @FunctionalInterface
    private interface Measurement {
        void run() throws Exception;
    }

    /**
     * Runs one part and reports how much of the machine other processes took meanwhile: on a shared machine
     * that is the first thing to look at when a figure looks wrong.
     */
    private void measure(String part, Measurement measurement) throws Exception {
        long othersBefore = cpu.othersBusyMillis();
        long began = System.nanoTime();
        measurement.run();
        double wallMs = (System.nanoTime() - began) / 1e6;
        long others = cpu.othersBusyMillis() - othersBefore;
        if (othersBefore >= 0) {
            // Per-process and machine-wide accounting differ by a tick or two, so a quiet machine can read as -1 %.
            double share = Math.max(0, 100.0 * others / (wallMs * Runtime.getRuntime().availableProcessors()));
            progress.printf(Locale.ROOT, "%s: %.0f s; other processes used %.0f%% of the machine meanwhile%n", part, wallMs / 1e3, share);
            report.add("other work on the machine during " + part, Report.Unit.PERCENT, List.of(share));
        }
        if (statements) {
            progress.println("costliest statements, " + part + ":");
            postgres.topStatements(12).forEach(line -> progress.println("  " + line));
        }
    }

    // --- peers ---

    private void peers() throws Exception {
        List<io.roomote.bench.peers.QueueUnderTest> systems = new ArrayList<>();
        try {
            systems.add(new io.roomote.bench.peers.RoomoteUnderTest(database("bench_peer_roomote"), new NoopJobType(probe), home));
            for (Peer peer : peers == null || peers.isEmpty() ? List.of(Peer.values()) : peers) {
                String url = database("bench_peer_" + peer.name().toLowerCase(Locale.ROOT));
                systems.add(switch (peer) {
                    case JOBRUNR -> new io.roomote.bench.peers.jobrunr.JobRunrUnderTest(url, probe,
                            io.roomote.bench.peers.jobrunr.JobRunrUnderTest.Tuning.DEFAULTS);
                    case JOBRUNR_TUNED -> new io.roomote.bench.peers.jobrunr.JobRunrUnderTest(url, probe,
                            io.roomote.bench.peers.jobrunr.JobRunrUnderTest.Tuning.TUNED);
                    case DB_SCHEDULER -> new io.roomote.bench.peers.dbscheduler.DbSchedulerUnderTest(url, probe,
                            io.roomote.bench.peers.dbscheduler.DbSchedulerUnderTest.Tuning.DEFAULTS);
                    case DB_SCHEDULER_TUNED -> new io.roomote.bench.peers.dbscheduler.DbSchedulerUnderTest(url, probe,
                            io.roomote.bench.peers.dbscheduler.DbSchedulerUnderTest.Tuning.TUNED);
                });
            }
            out.printf(Locale.ROOT, "  comparison: %s; enqueue %d jobs (1 and %d threads; batches of %d), claim+complete %s jobs"
                            + " with %s workers, pickup %d samples after %d warm-up%n",
                    systems.stream().map(io.roomote.bench.peers.QueueUnderTest::name).toList(), peerEnqueueJobs,
                    enqueueThreads, peerBatchSize, peerThroughputJobs, peerWorkers, peerPickupSamples, peerPickupWarmup);
            PeerComparison run = new PeerComparison(systems, probe, new PeerComparison.Sizes(reps, peerEnqueueJobs,
                    enqueueThreads, peerBatchSize, peerThroughputJobs, peerWorkers, peerPickupSamples, peerPickupWarmup,
                    pickupSpacingMs), progress);
            run.run();
            comparison = run;
        } finally {
            for (io.roomote.bench.peers.QueueUnderTest s : systems) {
                try {
                    s.close();
                } catch (Exception e) {
                    progress.println("closing " + s.name() + " failed: " + e);
                }
            }
        }
    }

    // --- floor ---

    private void floor(String url) throws Exception {
        Floor floor = new Floor(url);
        floor.commits(1000, 0);
        floor.notifies(100, 2);
        Floor.threadStarts(100, 1);
        Floor.tempDirectories(home, 100, 1);
        List<Double> commitP50 = new ArrayList<>();
        List<Double> commitP99 = new ArrayList<>();
        List<Double> commitRate = new ArrayList<>();
        List<Double> idleCommitP50 = new ArrayList<>();
        List<Double> notifyP50 = new ArrayList<>();
        List<Double> notifyP99 = new ArrayList<>();
        List<Double> threadP50 = new ArrayList<>();
        List<Double> dirP50 = new ArrayList<>();
        for (int rep = 1; rep <= reps; rep++) {
            long started = System.nanoTime();
            long[] commits = floor.commits(2000, 0);
            commitRate.add(2000 / ((System.nanoTime() - started) / 1e9));
            commitP50.add(Stats.percentileMs(commits, 50));
            commitP99.add(Stats.percentileMs(commits, 99));
            idleCommitP50.add(Stats.percentileMs(floor.commits(100, 20), 50));
            long[] beyondCommit = floor.notifies(300, 5)[0];
            notifyP50.add(Stats.percentileMs(beyondCommit, 50));
            notifyP99.add(Stats.percentileMs(beyondCommit, 99));
            threadP50.add(Stats.percentileMs(Floor.threadStarts(100, 10), 50));
            dirP50.add(Stats.percentileMs(Floor.tempDirectories(home, 100, 10), 50));
            progress.printf(Locale.ROOT, "floor rep %d: commit p50 %.3f ms (%.0f/s), after 20 ms idle %.3f ms;"
                            + " NOTIFY after commit p50 %.3f ms, p99 %.3f ms; thread start p50 %.3f ms; temp directory p50 %.3f ms%n",
                    rep, commitP50.get(rep - 1), commitRate.get(rep - 1), idleCommitP50.get(rep - 1), notifyP50.get(rep - 1),
                    notifyP99.get(rep - 1), threadP50.get(rep - 1), dirP50.get(rep - 1));
        }
        report.add("floor: durable commit, 1 connection, p50", Report.Unit.MS, commitP50);
        // The disk's tail: what any durable write (an enqueue, a claim) may wait now and then.
        report.add("floor: durable commit, 1 connection, p99", Report.Unit.MS, commitP99);
        report.add("floor: durable commits, 1 connection", Report.Unit.PER_SECOND, commitRate);
        report.add("floor: durable commit, 20 ms idle before, p50", Report.Unit.MS, idleCommitP50);
        report.add("floor: NOTIFY delivery after commit, p50", Report.Unit.MS, notifyP50);
        report.add("floor: NOTIFY delivery after commit, p99", Report.Unit.MS, notifyP99);
        report.add("floor: new thread start → run, 10 ms idle before, p50", Report.Unit.MS, threadP50);
        report.add("floor: create temp directory, 10 ms idle before, p50", Report.Unit.MS, dirP50);
    }

    // --- enqueue ---

    private void enqueue(String url) throws Exception {
        try (Database db = new Database(DatabaseUrl.parse(url), 20);
             Roomote api = start(db, 1, false)) {
            for (int threads : List.of(1, enqueueThreads)) {
                enqueueRate(api, enqueueJobs, threads);
                List<Double> rates = new ArrayList<>();
                for (int rep = 1; rep <= reps; rep++) {
                    rates.add(enqueueRate(api, enqueueJobs, threads));
                    progress.printf(Locale.ROOT, "enqueue rep %d, %d thread(s): %.0f jobs/s%n", rep, threads, rates.get(rep - 1));
                }
                report.add("enqueue, " + threads + (threads == 1 ? " thread" : " threads"), Report.Unit.PER_SECOND, rates);
            }
        }
    }

    /** Jobs per second of {@code n} single enqueues (validation, insert, NOTIFY, durable commit) from {@code threads}. */
    private double enqueueRate(Roomote api, int n, int threads) throws Exception {
        Enqueuer enqueuer = Enqueuer.inProcess(api.queue(), api.mapper());
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int share = n / threads + (t < n % threads ? 1 : 0);
                done.add(pool.submit(() -> {
                    go.await();
                    for (int i = 0; i < share; i++) {
                        enqueuer.enqueue(seq.incrementAndGet());
                    }
                    return null;
                }));
            }
            long started = System.nanoTime();
            go.countDown();
            for (Future<?> f : done) {
                f.get();
            }
            return n / ((System.nanoTime() - started) / 1e9);
        } finally {
            pool.shutdownNow();
        }
    }

    // --- claim + complete ---

    private void throughput(String url, int workers) throws Exception {
        List<Double> rates = new ArrayList<>();
        List<Double> cpu = new ArrayList<>();
        try (Database apiDb = new Database(DatabaseUrl.parse(url), 20);
             Database workerDb = new Database(DatabaseUrl.parse(url), 20);
             Roomote api = start(apiDb, 1, false)) {
            drain(api, workerDb, workers, Math.max(500, throughputJobs / 4)); // warm-up
            for (int rep = 1; rep <= reps; rep++) {
                double[] r = drain(api, workerDb, workers, throughputJobs);
                rates.add(r[0]);
                cpu.add(r[1]);
                progress.printf(Locale.ROOT, "claim+complete rep %d, %d workers: %.0f jobs/s, machine CPU %.3f ms/job%n",
                        rep, workers, r[0], r[1]);
            }
        }
        report.add("claim+complete, " + workers + " workers", Report.Unit.PER_SECOND, rates);
        if (cpu.stream().noneMatch(v -> v.isNaN())) {
            report.add("claim+complete, " + workers + " workers, CPU (whole machine)", Report.Unit.MS_PER_JOB, cpu);
        }
    }

    /**
     * Enqueues {@code n} jobs with no worker running, then starts a runner and waits until all are completed.
     * Timed from the first handler start (so the runner's start-up is not counted) to the poll that sees the
     * last job completed; polling starts once every handler has started, so it does not load the database.
     *
     * @return jobs per second, and busy CPU of the whole machine per job in ms
     */
    private double[] drain(Roomote api, Database workerDb, int workers, int n) throws Exception {
        truncate(api.database());
        enqueueRate(api, n, 2);
        probe.reset();
        long cpuBefore = CpuTicks.busyMillis();
        long finished;
        try (Roomote runner = start(workerDb, workers, true)) {
            probe.awaitStarted(n, Duration.ofMinutes(5));
            Map<JobStatus, Long> counts;
            while ((counts = api.queue().counts()).get(JobStatus.COMPLETED) < n) {
                if (counts.get(JobStatus.FAILED) > 0) {
                    throw new IllegalStateException("no-op jobs failed: " + counts);
                }
                Thread.sleep(1);
            }
            finished = System.nanoTime();
        }
        long cpuAfter = CpuTicks.busyMillis();
        double seconds = (finished - probe.firstStartNanos()) / 1e9;
        double cpuPerJob = cpuBefore < 0 ? Double.NaN : (double) (cpuAfter - cpuBefore) / n;
        return new double[]{n / seconds, cpuPerJob};
    }

    // --- pickup ---

    private void pickup(String url) throws Exception {
        String same = "same instance";
        measure("pickup, " + same, () -> {
            try (Database db = new Database(DatabaseUrl.parse(url), 20);
                 Roomote runner = start(db, 5, true)) {
                pickupVariant(same, db, runner, Enqueuer.inProcess(runner.queue(), runner.mapper()));
            }
        });
        String apiToWorker = "API instance → worker instance";
        measure("pickup, " + apiToWorker, () -> {
            try (Database apiDb = new Database(DatabaseUrl.parse(url), 20);
                 Database workerDb = new Database(DatabaseUrl.parse(url), 20);
                 Roomote api = start(apiDb, 1, false);
                 Roomote runner = start(workerDb, 5, true)) {
                pickupVariant(apiToWorker, apiDb, runner, Enqueuer.inProcess(api.queue(), api.mapper()));
            }
        });
        if (noSeparateJvm) {
            return;
        }
        String jvmToJvm = "API JVM → worker JVM";
        measure("pickup, " + jvmToJvm, () -> {
            try (Database db = new Database(DatabaseUrl.parse(url), 20);
                 Roomote runner = start(db, 5, true);
                 EnqueuerProcess.Client child = new EnqueuerProcess.Client(url)) {
                if (child.sharesClock()) {
                    pickupVariant(jvmToJvm, db, runner, child);
                } else {
                    progress.println("pickup, " + jvmToJvm + ": skipped, the two JVMs' nanoTime clocks differ");
                }
            }
        });
    }

    /** One job at a time into an idle runner: handler start − just before the enqueue call. */
    private void pickupVariant(String name, Database db, Roomote runner, Enqueuer enqueuer) throws Exception {
        WorkerPool pool = runner.workers().orElseThrow();
        // Warm both ends' code (JIT) with a burst, then with spaced samples like the measured ones.
        for (int i = 0; i < 500; i++) {
            enqueuer.enqueue(seq.incrementAndGet());
        }
        awaitDrained(runner, pool);
        samplePickups(db, pool, enqueuer, pickupWarmup);
        List<Double> p50 = new ArrayList<>();
        List<Double> p90 = new ArrayList<>();
        List<Double> p99 = new ArrayList<>();
        List<Double> max = new ArrayList<>();
        List<Double> enqueueCall = new ArrayList<>();
        List<Double> toClaim = new ArrayList<>();
        List<Double> claimToHandler = new ArrayList<>();
        for (int rep = 1; rep <= reps; rep++) {
            long[][] s = samplePickups(db, pool, enqueuer, pickupSamples);
            p50.add(Stats.percentileMs(s[0], 50));
            p90.add(Stats.percentileMs(s[0], 90));
            p99.add(Stats.percentileMs(s[0], 99));
            max.add(Stats.percentileMs(s[0], 100));
            enqueueCall.add(Stats.percentileMs(s[1], 50));
            toClaim.add(Stats.percentileMs(s[2], 50));
            claimToHandler.add(Stats.percentileMs(s[3], 50));
            progress.printf(Locale.ROOT, "pickup rep %d, %s: p50 %.2f, p90 %.2f, p99 %.2f, max %.2f ms; parts (p50):"
                            + " enqueue call %.2f ms, enqueue txn → claim txn %.2f ms, claim txn → handler %.2f ms%n",
                    rep, name, p50.get(rep - 1), p90.get(rep - 1), p99.get(rep - 1), max.get(rep - 1),
                    enqueueCall.get(rep - 1), toClaim.get(rep - 1), claimToHandler.get(rep - 1));
        }
        report.add("pickup p50, " + name, Report.Unit.MS, p50, 5.0);
        report.add("pickup p90, " + name, Report.Unit.MS, p90);
        report.add("pickup p99, " + name, Report.Unit.MS, p99, 25.0);
        report.add("pickup max, " + name, Report.Unit.MS, max);
        report.add("  part, p50: enqueue call (insert + commit)", Report.Unit.MS, enqueueCall);
        report.add("  part, p50: enqueue txn start → claim txn start", Report.Unit.MS, toClaim);
        report.add("  part, p50: claim txn start → handler start", Report.Unit.MS, claimToHandler);
    }

    /**
     * Takes {@code n} samples, each after the runner has gone idle.
     *
     * @return in ns: [0] pickup latencies, [1] enqueue call durations, [2] enqueue transaction start → claim
     * transaction start (both by the database's clock), [3] claim transaction start → handler start (the
     * database's and this JVM's wall clocks: one machine, one clock)
     */
    private long[][] samplePickups(Database db, WorkerPool pool, Enqueuer enqueuer, int n) throws Exception {
        long[] latency = new long[n];
        long[] call = new long[n];
        long[] ids = new long[n];
        long[] handlerMicros = new long[n];
        for (int i = 0; i < n; i++) {
            long s = seq.incrementAndGet();
            CompletableFuture<StartProbe.Start> started = probe.expect(s);
            Enqueuer.Sent sent = enqueuer.enqueue(s);
            StartProbe.Start start = started.get(30, TimeUnit.SECONDS);
            latency[i] = start.nanos() - sent.calledAt();
            call[i] = sent.returnedAt() - sent.calledAt();
            ids[i] = sent.jobId();
            handlerMicros[i] = start.epochMicros();
            awaitIdle(pool);
            Thread.sleep(pickupSpacingMs);
        }
        Map<Long, long[]> stamps = createdAndStartedMicros(db, ids);
        long[] toClaim = new long[n];
        long[] claimToHandler = new long[n];
        for (int i = 0; i < n; i++) {
            long[] cs = stamps.get(ids[i]);
            toClaim[i] = (cs[1] - cs[0]) * 1_000;
            claimToHandler[i] = (handlerMicros[i] - cs[1]) * 1_000;
        }
        return new long[][]{latency, call, toClaim, claimToHandler};
    }

    /** Waits until the runner has recorded its jobs' outcomes, so the next sample meets an idle runner. */
    private static void awaitIdle(WorkerPool pool) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (pool.busy() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
    }

    private static void awaitDrained(Roomote runner, WorkerPool pool) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (System.nanoTime() < deadline) {
            Map<JobStatus, Long> counts = runner.queue().counts();
            if (counts.get(JobStatus.PENDING) == 0 && counts.get(JobStatus.PROCESSING) == 0 && pool.busy() == 0) {
                return;
            }
            Thread.sleep(10);
        }
        throw new IllegalStateException("the warm-up jobs did not drain: " + runner.queue().counts());
    }

    /** Per job id: [created_at, started_at] in µs since the epoch, i.e. enqueue and claim transaction starts. */
    private static Map<Long, long[]> createdAndStartedMicros(Database db, long[] ids) throws SQLException {
        try (Connection c = db.connection();
             PreparedStatement ps = c.prepareStatement("SELECT id, (extract(epoch FROM created_at) * 1e6)::bigint,"
                     + " (extract(epoch FROM started_at) * 1e6)::bigint FROM cloud_jobs WHERE id = ANY (?)")) {
            ps.setArray(1, c.createArrayOf("bigint", Arrays.stream(ids).boxed().toArray()));
            Map<Long, long[]> stamps = new HashMap<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    stamps.put(rs.getLong(1), new long[]{rs.getLong(2), rs.getLong(3)});
                }
            }
            return stamps;
        }
    }

    // --- plumbing ---

    private Roomote start(Database db, int workers, boolean runWorkers) {
        // The default 5 s safety-net poll: a pickup must come from LISTEN/NOTIFY, not from a lucky poll.
        Map<String, String> values = new java.util.HashMap<>(extraSettings);
        values.put("MAX_WORKERS", Integer.toString(workers));
        values.putIfAbsent("POLL_INTERVAL_MS", "5000");
        return Roomote.start(Settings.of(values), db, registry, home, runWorkers);
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static void truncate(Database db) throws SQLException {
        try (Connection c = db.connection(); Statement st = c.createStatement()) {
            // CASCADE: every table that refers to jobs (logs, and whatever later migrations add) goes too.
            st.execute("TRUNCATE cloud_jobs CASCADE");
        }
    }
}
