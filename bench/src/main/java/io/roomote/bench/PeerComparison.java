package io.roomote.bench;

import io.roomote.bench.peers.QueueUnderTest;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Roomote and its peers in one run: each measurement is repeated, and within a repetition every system takes its
 * turn (A B C A B C …), so drift of the machine hits all alike. Ratios are Roomote ÷ peer per repetition (the
 * runs of one repetition are neighbours in time), reported as their median and spread.
 */
final class PeerComparison {

    /** How big each measurement is; small values make a smoke run. */
    record Sizes(int reps, int enqueueJobs, int enqueueThreads, int batchSize, List<Integer> throughputJobs,
                 List<Integer> workers, int pickupSamples, int pickupWarmup, long pickupSpacingMs) {
    }

    private enum Kind {
        RATE("/s", "%,.0f", true), LATENCY("ms", "%.2f", false), CPU("ms/job", "%.3f", false);

        final String unit;
        final String format;
        /** Bigger is better: the ratio Roomote ÷ peer above 1 favours Roomote; for the others below 1 does. */
        final boolean higherIsBetter;

        Kind(String unit, String format, boolean higherIsBetter) {
            this.unit = unit;
            this.format = format;
            this.higherIsBetter = higherIsBetter;
        }

        String format(double v) {
            return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, format, v);
        }
    }

    private record Measurement(String name, Kind kind) {
    }

    private final List<QueueUnderTest> systems;
    private final StartProbe probe;
    private final Sizes sizes;
    private final PrintStream progress;
    private final AtomicLong seq = new AtomicLong(1_000_000_000L);
    /** Seeded: the same run takes its samples at the same moments. */
    private final java.util.Random phase = new java.util.Random(14);
    /** measurement → system name → one value per repetition. */
    private final Map<Measurement, Map<String, List<Double>>> results = new LinkedHashMap<>();

    /** @param systems Roomote first: every ratio divides by the others */
    PeerComparison(List<QueueUnderTest> systems, StartProbe probe, Sizes sizes, PrintStream progress) {
        this.systems = systems;
        this.probe = probe;
        this.sizes = sizes;
        this.progress = progress;
    }

    void run() throws Exception {
        for (QueueUnderTest s : systems) {
            s.clear();
        }
        // Warm-up of every code path (JIT, statement caches) before anything is recorded.
        for (QueueUnderTest s : systems) {
            enqueueRate(s, Math.min(200, sizes.enqueueJobs()), 1);
            batchRate(s, Math.min(1000, sizes.enqueueJobs()));
            drain(s, sizes.workers().get(0), Math.min(500, sizes.throughputJobs().get(0)));
        }
        for (int threads : List.of(1, sizes.enqueueThreads())) {
            Measurement m = new Measurement("single enqueue, " + threads + (threads == 1 ? " thread" : " threads"), Kind.RATE);
            repeat(m, s -> enqueueRate(s, sizes.enqueueJobs(), threads));
        }
        repeat(new Measurement("batch enqueue, " + sizes.batchSize() + " per batch", Kind.RATE),
                s -> batchRate(s, sizes.enqueueJobs()));
        for (int workers : sizes.workers()) {
            for (int jobs : sizes.throughputJobs()) {
                Measurement rate = new Measurement("claim+complete, " + workers + " workers, " + String.format(Locale.ROOT, "%,d", jobs) + " jobs", Kind.RATE);
                Measurement cpu = new Measurement("  CPU per job (whole machine), " + workers + " workers, "
                        + String.format(Locale.ROOT, "%,d", jobs) + " jobs", Kind.CPU);
                for (int rep = 1; rep <= sizes.reps(); rep++) {
                    for (QueueUnderTest s : systems) {
                        double[] r = drain(s, workers, jobs);
                        record(rate, s, r[0]);
                        record(cpu, s, r[1]);
                        progress.printf(Locale.ROOT, "peers rep %d, %s: %s: %.0f jobs/s, %.3f ms CPU/job%n",
                                rep, s.name(), rate.name(), r[0], r[1]);
                    }
                }
            }
        }
        Measurement p50 = new Measurement("pickup p50, idle, enqueued in the same JVM", Kind.LATENCY);
        Measurement p95 = new Measurement("pickup p95, idle, enqueued in the same JVM", Kind.LATENCY);
        Measurement p99 = new Measurement("pickup p99, idle, enqueued in the same JVM", Kind.LATENCY);
        for (int rep = 1; rep <= sizes.reps(); rep++) {
            for (QueueUnderTest s : systems) {
                long[] samples = pickups(s, rep == 1);
                record(p50, s, Stats.percentileMs(samples, 50));
                record(p95, s, Stats.percentileMs(samples, 95));
                record(p99, s, Stats.percentileMs(samples, 99));
                progress.printf(Locale.ROOT, "peers rep %d, %s: pickup p50 %.2f, p95 %.2f, p99 %.2f ms%n", rep, s.name(),
                        Stats.percentileMs(samples, 50), Stats.percentileMs(samples, 95), Stats.percentileMs(samples, 99));
            }
        }
    }

    @FunctionalInterface
    private interface Run {
        double on(QueueUnderTest system) throws Exception;
    }

    private void repeat(Measurement m, Run run) throws Exception {
        for (int rep = 1; rep <= sizes.reps(); rep++) {
            for (QueueUnderTest s : systems) {
                s.clear();
                double v = run.on(s);
                record(m, s, v);
                progress.printf(Locale.ROOT, "peers rep %d, %s: %s: %s %s%n", rep, s.name(), m.name(), m.kind().format(v), m.kind().unit);
            }
        }
    }

    private void record(Measurement m, QueueUnderTest s, double value) {
        results.computeIfAbsent(m, k -> new LinkedHashMap<>()).computeIfAbsent(s.name(), k -> new ArrayList<>()).add(value);
    }

    /** Jobs per second of {@code n} single enqueues from {@code threads} threads, no workers running. */
    private double enqueueRate(QueueUnderTest s, int n, int threads) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int share = n / threads + (t < n % threads ? 1 : 0);
                done.add(pool.submit(() -> {
                    go.await();
                    for (int i = 0; i < share; i++) {
                        s.enqueue(seq.incrementAndGet());
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

    /** Jobs per second of {@code n} jobs sent through the batch API, {@link Sizes#batchSize()} at a time. */
    private double batchRate(QueueUnderTest s, int n) throws Exception {
        long started = System.nanoTime();
        enqueueBatches(s, n);
        return n / ((System.nanoTime() - started) / 1e9);
    }

    private void enqueueBatches(QueueUnderTest s, int n) throws Exception {
        for (int sent = 0; sent < n; ) {
            int size = Math.min(sizes.batchSize(), n - sent);
            List<Long> seqs = new ArrayList<>(size);
            for (int i = 0; i < size; i++) {
                seqs.add(seq.incrementAndGet());
            }
            s.enqueueBatch(seqs);
            sent += size;
        }
    }

    /**
     * Enqueues {@code n} jobs (batch API) with no worker running, then starts {@code workers} and times from the
     * first handler start to the poll that sees all finished; polling starts once every handler has started.
     *
     * @return jobs per second, and busy CPU of the whole machine per job in ms
     */
    private double[] drain(QueueUnderTest s, int workers, int n) throws Exception {
        s.clear();
        enqueueBatches(s, n);
        probe.reset();
        long cpuBefore = CpuTicks.busyMillis();
        long finished;
        s.startWorkers(workers);
        try {
            probe.awaitStarted(n, Duration.ofMinutes(10));
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
            long left;
            while ((left = s.unfinished()) > 0) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(s.name() + ": " + left + " of " + n
                            + " jobs still unfinished 5 minutes after all had started (failed?)");
                }
                Thread.sleep(1);
            }
            finished = System.nanoTime();
        } finally {
            s.stopWorkers();
        }
        long cpuAfter = CpuTicks.busyMillis();
        double seconds = (finished - probe.firstStartNanos()) / 1e9;
        return new double[]{n / seconds, cpuBefore < 0 ? Double.NaN : (double) (cpuAfter - cpuBefore) / n};
    }

    /**
     * One job at a time into idle workers (the first worker count): handler start − just before the enqueue call.
     * Each sample waits until the previous job is finished, then the spacing plus a random part of the system's
     * poll interval, so a polling system is sampled at every phase of its poll, not always just after it.
     */
    private long[] pickups(QueueUnderTest s, boolean warmUp) throws Exception {
        s.clear();
        s.startWorkers(sizes.workers().get(0));
        try {
            if (warmUp) {
                samples(s, sizes.pickupWarmup());
            }
            return samples(s, sizes.pickupSamples());
        } finally {
            s.stopWorkers();
        }
    }

    private long[] samples(QueueUnderTest s, int n) throws Exception {
        long[] latency = new long[n];
        for (int i = 0; i < n; i++) {
            long id = seq.incrementAndGet();
            CompletableFuture<StartProbe.Start> started = probe.expect(id);
            long calledAt = System.nanoTime();
            s.enqueue(id);
            latency[i] = started.get(2, TimeUnit.MINUTES).nanos() - calledAt;
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
            while (s.unfinished() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            // Idle for the spacing, then a random part of the system's poll interval.
            Thread.sleep(sizes.pickupSpacingMs() + (long) (phase.nextDouble() * s.pollInterval().toMillis()));
        }
        return latency;
    }

    /** The side-by-side table: each system's median (spread), and for the peers Roomote ÷ peer (spread). */
    void printMarkdown(PrintStream out) {
        QueueUnderTest roomote = systems.get(0);
        StringBuilder head = new StringBuilder("| Measurement | " + roomote.name() + " |");
        StringBuilder rule = new StringBuilder("|---|---:|");
        for (QueueUnderTest peer : systems.subList(1, systems.size())) {
            head.append(' ').append(peer.name()).append(" | Roomote ÷ ").append(peer.name()).append(" |");
            rule.append("---:|---:|");
        }
        out.println(head);
        out.println(rule);
        results.forEach((m, bySystem) -> {
            List<Double> ours = bySystem.getOrDefault(roomote.name(), List.of());
            StringBuilder row = new StringBuilder("| " + m.name() + " (" + m.kind().unit + ") | " + cell(m.kind(), ours) + " |");
            for (QueueUnderTest peer : systems.subList(1, systems.size())) {
                List<Double> theirs = bySystem.getOrDefault(peer.name(), List.of());
                row.append(' ').append(cell(m.kind(), theirs)).append(" | ").append(ratioCell(ours, theirs)).append(" |");
            }
            out.println(row);
        });
        out.println();
        out.println("Ratios are Roomote ÷ peer, per repetition (median, min–max): above 1 Roomote is faster for rates,"
                + " below 1 Roomote is faster for pickup latency and CPU per job.");
    }

    private static String cell(Kind kind, List<Double> reps) {
        if (reps.isEmpty()) {
            return "–";
        }
        return kind.format(Stats.median(reps)) + (reps.size() < 2 ? ""
                : " (" + kind.format(Stats.min(reps)) + "–" + kind.format(Stats.max(reps)) + ")");
    }

    private static String ratioCell(List<Double> ours, List<Double> theirs) {
        int n = Math.min(ours.size(), theirs.size());
        List<Double> ratios = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (theirs.get(i) > 0 && !ours.get(i).isNaN() && !theirs.get(i).isNaN()) {
                ratios.add(ours.get(i) / theirs.get(i));
            }
        }
        if (ratios.isEmpty()) {
            return "–";
        }
        String median = String.format(Locale.ROOT, "%.2f×", Stats.median(ratios));
        return ratios.size() < 2 ? median : median + String.format(Locale.ROOT, " (%.2f–%.2f)", Stats.min(ratios), Stats.max(ratios));
    }
}
