package io.roomote.bench.soak;

import io.roomote.bench.PluginJar;
import io.roomote.bench.soak.job.SoakJobType;
import io.roomote.core.store.JobRepository;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * One crash soak: a PostgreSQL of its own, two runner processes; before each fault a burst of jobs, then the
 * fault at a random moment while they run; then the checks ({@link SoakChecks}).
 */
final class SoakRun {

    enum Fault { KILL, STOP, POSTGRES_RESTART }

    /** A runner that died (kill -9) or stopped (SIGSTOP) at {@code at}, and the jobs it held then. */
    record Death(Instant at, String runner, Fault how, List<Held> held) {
    }

    /** A job a dead runner held: its run number and when its lease was to expire. */
    record Held(long jobId, int run, Instant leaseExpiresAt) {
    }

    private static final String[] SLOTS = {"a", "b"};

    private final SoakSettings settings;
    private final PrintStream progress;
    private final Random random;

    SoakRun(SoakSettings settings, PrintStream progress) {
        this.settings = settings;
        this.progress = progress;
        this.random = new Random(settings.seed());
    }

    SoakFigures run() throws Exception {
        if (!Files.isRegularFile(settings.runnerJar())) {
            throw new IllegalStateException("no runner jar at " + settings.runnerJar()
                    + "; build it with ./mvnw -q -B -pl standalone-runner -am package -DskipTests");
        }
        Path dir = Files.createTempDirectory("roomote-soak-");
        progress.println("soak folder: " + dir);
        boolean passed = false;
        Map<String, RunnerProcess> runners = new HashMap<>();
        Files.createDirectories(dir.resolve("pg"));
        DebianPostgres postgres = DebianPostgres.create(settings.postgresBin(), dir.resolve("pg"));
        try {
            try (Connection c = DriverManager.getConnection(postgres.jdbcUrl("postgres")); Statement st = c.createStatement()) {
                st.execute("CREATE DATABASE soak");
            }
            String url = postgres.jdbcUrl("soak");
            Map<String, Map<String, String>> envs = new HashMap<>();
            for (String slot : SLOTS) {
                Path home = dir.resolve("home-" + slot);
                PluginJar.write(home.resolve("plugins").resolve("soak-job.jar"),
                        List.of(SoakJobType.class, SoakJobType.Payload.class, SoakJobType.Result.class));
                envs.put(slot, env(url, home));
            }
            migrate(dir, envs.get("a"));
            try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE soak_effects (id bigserial PRIMARY KEY, job_id bigint NOT NULL, attempt int NOT NULL,"
                        + " token bigint NOT NULL, runner_pid bigint NOT NULL, started_at timestamptz NOT NULL,"
                        + " ended_at timestamptz, refused_at timestamptz)");
            }
            Map<String, AtomicInteger> incarnations = new HashMap<>();
            for (String slot : SLOTS) {
                incarnations.put(slot, new AtomicInteger());
                runners.put(slot, startRunner(slot, incarnations.get(slot), dir, envs.get(slot)));
            }

            long booting = System.nanoTime();
            for (RunnerProcess r : runners.values()) {
                r.awaitReady(Duration.ofMinutes(2));
            }
            progress.printf("runners started in %.1f s%n", (System.nanoTime() - booting) / 1e9);
            List<Fault> faults = plan();
            Enqueuer enqueuer = new Enqueuer(url, settings, new Random(random.nextLong()));
            int[] bursts = bursts(settings.jobs(), faults.size() + 1);
            long start = System.nanoTime();
            Instant startedAt = Instant.now();

            List<Death> deaths = new ArrayList<>();
            Duration outage = Duration.ZERO;
            for (int i = 0; i < faults.size(); i++) {
                Fault fault = faults.get(i);
                // Both runners up first: a job of a dead runner must have a live one to go to, or the soak would
                // measure its own outage (a restarted runner takes seconds to start), not the queue's recovery.
                awaitBothReady(runners);
                // A burst of jobs, then the fault at a random moment while they run.
                enqueuer.enqueue(bursts[i]);
                Thread.sleep(300 + (long) (random.nextDouble() * (settings.maxGap().toMillis() - 300)));
                String slot = fault == Fault.POSTGRES_RESTART ? null : target(url, runners);
                RunnerProcess runner = slot == null ? null : runners.get(slot);
                switch (fault) {
                    case KILL -> {
                        runner.kill();
                        Instant died = Instant.now();
                        List<Held> held = held(url, runner.id());
                        deaths.add(new Death(died, runner.id(), fault, held));
                        runners.put(slot, startRunner(slot, incarnations.get(slot), dir, envs.get(slot)));
                        progress.printf("%6.1f s  kill -9 %s (pid %d), holding %d job(s); started %s%n", seconds(start),
                                runner.id(), runner.pid(), held.size(), runners.get(slot).id());
                    }
                    case STOP -> {
                        runner.pause();
                        Instant stopped = Instant.now();
                        List<Held> held = held(url, runner.id());
                        deaths.add(new Death(stopped, runner.id(), fault, held));
                        progress.printf("%6.1f s  SIGSTOP %s (pid %d), holding %d job(s), for %d s%n", seconds(start),
                                runner.id(), runner.pid(), held.size(), settings.stopLength().toSeconds());
                        Thread.sleep(settings.stopLength().toMillis());
                        runner.resume();
                        progress.printf("%6.1f s  SIGCONT %s%n", seconds(start), runner.id());
                    }
                    case POSTGRES_RESTART -> {
                        long down = System.nanoTime();
                        postgres.stop();
                        postgres.start();
                        outage = Duration.ofNanos(System.nanoTime() - down);
                        progress.printf("%6.1f s  PostgreSQL restarted (down %d ms)%n", seconds(start), outage.toMillis());
                    }
                }
            }
            enqueuer.enqueue(bursts[faults.size()]);
            progress.printf("%6.1f s  all faults done; waiting for the jobs to end%n", seconds(start));
            Duration timeout = settings.lease().multipliedBy(6).plusMinutes(2);
            Instant finishedAt = awaitEnd(url, timeout);
            Duration total = Duration.between(startedAt, finishedAt);
            progress.printf("%6.1f s  jobs ended; checking%n", seconds(start));

            SoakFigures figures = new SoakChecks(url, settings).check(deaths, outage, total);
            passed = figures.passed();
            return figures;
        } finally {
            for (RunnerProcess r : runners.values()) {
                if (r.isAlive()) {
                    r.resume();
                    r.stop(20);
                }
            }
            postgres.close();
            if (passed && !settings.keep()) {
                deleteTree(dir);
            } else {
                progress.println("kept the soak folder (PostgreSQL data, runner logs): " + dir);
            }
        }
    }

    private static void awaitBothReady(Map<String, RunnerProcess> runners) throws InterruptedException {
        for (RunnerProcess r : runners.values()) {
            r.awaitReady(Duration.ofMinutes(2));
        }
    }

    /**
     * A random runner of those holding jobs (a fault that hits no job tests nothing), waiting up to 3 s for the
     * burst to be claimed; else either runner.
     */
    private String target(String url, Map<String, RunnerProcess> runners) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        while (true) {
            List<String> holding = new ArrayList<>();
            for (String slot : SLOTS) {
                if (!held(url, runners.get(slot).id()).isEmpty()) {
                    holding.add(slot);
                }
            }
            if (!holding.isEmpty()) {
                return holding.get(random.nextInt(holding.size()));
            }
            if (System.nanoTime() > deadline) {
                return SLOTS[random.nextInt(SLOTS.length)];
            }
            Thread.sleep(50);
        }
    }

    /** {@code jobs} split into {@code n} bursts as even as can be. */
    static int[] bursts(int jobs, int n) {
        int[] bursts = new int[n];
        for (int i = 0; i < n; i++) {
            bursts[i] = jobs / n + (i < jobs % n ? 1 : 0);
        }
        return bursts;
    }

    private List<Fault> plan() {
        List<Fault> faults = new ArrayList<>();
        for (int i = 0; i < settings.kills(); i++) {
            faults.add(Fault.KILL);
        }
        for (int i = 0; i < settings.stops(); i++) {
            faults.add(Fault.STOP);
        }
        for (int i = 0; i < settings.postgresRestarts(); i++) {
            faults.add(Fault.POSTGRES_RESTART);
        }
        java.util.Collections.shuffle(faults, random);
        return faults;
    }

    private static double seconds(long start) {
        return (System.nanoTime() - start) / 1e9;
    }

    private Map<String, String> env(String url, Path home) {
        Map<String, String> env = new HashMap<>();
        for (String name : List.of("PATH", "HOME", "JAVA_HOME", "LANG", "TMPDIR")) {
            String value = System.getenv(name);
            if (value != null) {
                env.put(name, value);
            }
        }
        env.put("DATABASE_URL", url);
        env.put("ROOMOTE_HOME", home.toString());
        env.put("MAX_WORKERS", String.valueOf(settings.maxWorkers()));
        env.put("LEASE_DURATION", settings.lease().toMillis() + "ms");
        env.put("POLL_INTERVAL_MS", "1000");
        // Short retry backoff: a reclaimed job may run again at once, so the recovery measured is the queue's.
        env.put("JOB_RETRY_BACKOFF_MS", "200");
        env.put("JOB_RETRY_MAX_BACKOFF", "1s");
        env.put("SHUTDOWN_GRACE", "5s");
        env.put("ROOMOTE_SANDBOX", "none");
        env.put(SoakJobType.URL_SETTING, url);
        return env;
    }

    private RunnerProcess startRunner(String slot, AtomicInteger incarnation, Path dir, Map<String, String> env) throws IOException {
        return RunnerProcess.start("soak-" + slot + "-" + incarnation.incrementAndGet(), settings.runnerJar(), dir, env);
    }

    private void migrate(Path dir, Map<String, String> env) throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElse("java");
        ProcessBuilder builder = new ProcessBuilder(java, "-jar", settings.runnerJar().toString(), "migrate")
                .directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("migrate.log").toFile()));
        builder.environment().clear();
        builder.environment().putAll(env);
        Process p = builder.start();
        if (!p.waitFor(2, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IllegalStateException("roomote migrate failed; see " + dir.resolve("migrate.log"));
        }
    }

    /** The processing jobs whose lease {@code runner} holds; retried while PostgreSQL is restarting. */
    private static List<Held> held(String url, String runner) throws InterruptedException {
        while (true) {
            try (Connection c = DriverManager.getConnection(url);
                 PreparedStatement ps = c.prepareStatement("SELECT id, runs, lease_expires_at FROM cloud_jobs"
                         + " WHERE status = 'processing' AND lease_owner = ?")) {
                ps.setString(1, runner);
                List<Held> held = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        held.add(new Held(rs.getLong(1), rs.getInt(2), rs.getTimestamp(3).toInstant()));
                    }
                }
                return held;
            } catch (SQLException e) {
                Thread.sleep(200);
            }
        }
    }

    /** Waits until every job has ended; returns when the last one did (the database's time). */
    private Instant awaitEnd(String url, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT count(*) FILTER (WHERE status IN ('completed', 'failed', 'cancelled')),"
                         + " max(completed_at) FROM cloud_jobs WHERE type = '" + SoakJobType.ID + "'")) {
                rs.next();
                if (rs.getLong(1) >= settings.jobs()) {
                    Timestamp last = rs.getTimestamp(2);
                    return last.toInstant();
                }
            } catch (SQLException e) {
                // PostgreSQL may be restarting; ask again.
            }
            Thread.sleep(500);
        }
        progress.println("not every job ended within " + timeout.toSeconds() + " s after the faults");
        return Instant.now();
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Enqueues the jobs, each with a random work time; retried through a PostgreSQL restart. */
    private static final class Enqueuer {
        private final String url;
        private final SoakSettings settings;
        private final Random random;
        private int next;

        Enqueuer(String url, SoakSettings settings, Random random) {
            this.url = url;
            this.settings = settings;
            this.random = random;
        }

        void enqueue(int count) throws InterruptedException, SQLException {
            long spread = settings.maxSleep().toMillis() - settings.minSleep().toMillis();
            for (int i = 0; i < count; i++) {
                long sleep = settings.minSleep().toMillis() + (spread == 0 ? 0 : (long) (random.nextDouble() * spread));
                insert(next++, sleep);
            }
        }

        /** One job; max_attempts 20 so that no kill in the soak can use up a job's attempts. */
        private void insert(int seq, long sleepMillis) throws InterruptedException, SQLException {
            String key = "soak-" + seq;
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (true) {
                try (Connection c = DriverManager.getConnection(url)) {
                    // After a lost answer (PostgreSQL restarting) the job may be in already.
                    try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM cloud_jobs WHERE dedupe_key = ?")) {
                        ps.setString(1, key);
                        try (ResultSet rs = ps.executeQuery()) {
                            if (rs.next()) {
                                return;
                            }
                        }
                    }
                    try (PreparedStatement ps = c.prepareStatement("WITH ins AS (INSERT INTO cloud_jobs (type, payload,"
                            + " dedupe_key, max_attempts) VALUES (?, ?::jsonb, ?, 20) RETURNING type)"
                            + " SELECT pg_notify('" + JobRepository.JOBS_CHANNEL + "', type) FROM ins")) {
                        ps.setString(1, SoakJobType.ID);
                        ps.setString(2, "{\"seq\": " + seq + ", \"sleepMillis\": " + sleepMillis + "}");
                        ps.setString(3, key);
                        ps.executeQuery().close();
                    }
                    return;
                } catch (SQLException e) {
                    if (System.nanoTime() > deadline) {
                        throw e;
                    }
                    Thread.sleep(200);
                }
            }
        }
    }
}
