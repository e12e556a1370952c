package io.roomote.bench.api;

import io.roomote.bench.CpuTicks;
import io.roomote.bench.PluginJar;
import io.roomote.bench.api.job.ApiBenchJobType;
import io.roomote.bench.soak.DebianPostgres;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@code bench/api-bench.sh}: issue 14's API load, footprint and start-up measurements against the shaded runner
 * jar ({@code java -jar roomote.jar api}), each in a process of its own:
 * <ul>
 *   <li>start to the first {@code 200} of {@code GET /api/health} (asked every 10 ms), first start (an empty
 *       database: migrations) and restart, with Debian's PostgreSQL started by the bench on a loopback port, and
 *       with the runner's embedded PostgreSQL in a fresh {@code ROOMOTE_HOME} (first start: binaries unpacked,
 *       initdb);</li>
 *   <li>idle RSS after each start: the runner's JVM alone, and its child processes (the embedded PostgreSQL)
 *       apart;</li>
 *   <li>{@code POST /api/jobs} under Debian's {@code wrk} (API only: no workers), its own figures, and a count
 *       of the jobs in {@code cloud_jobs} against the answers wrk counted (no lost writes).</li>
 * </ul>
 * Exit code 0 when every target is met, 1 when one is missed, 2 on a wrong option or a missing prerequisite.
 */
@Command(name = "api-bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = "POST /api/jobs under wrk, idle RSS and start-to-healthy times of the runner jar.")
public final class ApiBench implements Callable<Integer> {

    static final double MIN_RATE = 2_000;
    static final double MAX_P99_MS = 20;
    static final double MAX_RSS_MB = 200;
    static final double MAX_START_EXTERNAL_MS = 3_000;
    static final double MAX_START_EMBEDDED_MS = 10_000;

    @Option(names = "--duration", defaultValue = "30", paramLabel = "SECONDS", description = "Measured wrk run (default ${DEFAULT-VALUE}).")
    int duration;

    @Option(names = "--warmup", defaultValue = "10", paramLabel = "SECONDS", description = "wrk warm-up run before it, not counted (default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--connections", defaultValue = "32", description = "wrk -c (default ${DEFAULT-VALUE}).")
    int connections;

    @Option(names = "--threads", defaultValue = "2", description = "wrk -t (default ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--timeout", defaultValue = "2", paramLabel = "SECONDS", description = "wrk --timeout (default ${DEFAULT-VALUE}).")
    int timeout;

    @Option(names = "--idle", defaultValue = "10", paramLabel = "SECONDS", description = "Idle time after healthy before RSS is read (default ${DEFAULT-VALUE}).")
    int idle;

    @Option(names = "--role", defaultValue = "api", description = "Runner role of every start: api (no workers: the endpoint alone) or serve (API and workers) (default ${DEFAULT-VALUE}).")
    String role;

    @Option(names = "--jvm-opts", defaultValue = "", paramLabel = "OPTIONS", description = "The runner's JVM options, split at spaces (default none: java -jar roomote.jar).")
    String jvmOpts;

    @Option(names = "--show-non-2xx", description = "Print the status and body of the first answer of status 300 or more per wrk thread"
            + " (wrk then reads every answer into Lua, which costs it a little).")
    boolean showNon2xx;

    @Option(names = "--skip-load", description = "Start-up and footprint only.")
    boolean skipLoad;

    @Option(names = "--skip-embedded", description = "No embedded-database starts.")
    boolean skipEmbedded;

    @Option(names = "--runner-jar", defaultValue = "standalone-runner/target/roomote.jar", description = "The shaded runner jar (default ${DEFAULT-VALUE}).")
    Path runnerJar;

    @Option(names = "--postgres-bin", description = "Folder of initdb and postgres (default: the newest /usr/lib/postgresql/*/bin).")
    Path postgresBin;

    @Option(names = "--wrk", defaultValue = "wrk", description = "The wrk program (default ${DEFAULT-VALUE}, from PATH).")
    String wrk;

    @Option(names = "--keep", description = "Keep the bench's folder (PostgreSQL data, runner logs); kept anyway on an error.")
    boolean keep;

    private final PrintStream out = System.out;
    private final PrintStream progress = System.err;

    public static void main(String[] args) {
        System.exit(new CommandLine(new ApiBench()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Path bin = postgresBin != null ? postgresBin : DebianPostgres.findBin().orElse(null);
        if (bin == null) {
            progress.println("api-bench: no PostgreSQL under " + DebianPostgres.DEBIAN_ROOT
                    + "; install Debian's postgresql package (sudo apt-get install postgresql) or pass --postgres-bin");
            return 2;
        }
        String wrkVersion = Wrk.version(wrk);
        if (!skipLoad && wrkVersion.equals("not found")) {
            progress.println("api-bench: no wrk program (" + wrk + "); install Debian's wrk package (sudo apt-get install wrk),"
                    + " pass --wrk, or run with --skip-load");
            return 2;
        }
        if (!Files.isRegularFile(runnerJar)) {
            progress.println("api-bench: no runner jar at " + runnerJar
                    + "; build it with ./mvnw -q -B -ntp -pl standalone-runner,bench -am package -DskipTests");
            return 2;
        }
        if (connections < 1 || threads < 1 || connections < threads) {
            progress.println("api-bench: wrk needs --connections ≥ --threads ≥ 1 (got " + connections + " and " + threads + ")");
            return 2;
        }
        if (!role.equals("api") && !role.equals("serve")) {
            progress.println("api-bench: --role must be api or serve, not " + role);
            return 2;
        }
        List<String> jvmOptions = jvmOpts.isBlank() ? List.of() : Arrays.asList(jvmOpts.trim().split("\\s+"));

        Map<String, String> facts = new LinkedHashMap<>();
        facts.put("machine", Runtime.getRuntime().availableProcessors() + " cores, " + memTotal() + " memory");
        facts.put("JDK", System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + "), the runner's too");
        facts.put("runner JVM options", jvmOptions.isEmpty() ? "none (the JVM's defaults)" : String.join(" ", jvmOptions));
        facts.put("PostgreSQL", version(bin.resolve("postgres")) + " (Debian's, fsync=on, synchronous_commit=on, loopback TCP)");
        facts.put("wrk", wrkVersion);
        facts.put("load average before", CpuTicks.loadAverage());

        Verdicts verdicts = new Verdicts();
        CpuTicks cpu = new CpuTicks("");
        byte[] secret = new byte[16];
        new SecureRandom().nextBytes(secret);
        String token = HexFormat.of().formatHex(secret);
        Path dir = Files.createTempDirectory("roomote-api-bench-");
        progress.println("api-bench folder: " + dir);
        boolean ok = false;
        boolean clean = true;
        try (DebianPostgres postgres = DebianPostgres.create(bin, Files.createDirectories(dir.resolve("pg")))) {
            try (Connection c = DriverManager.getConnection(postgres.jdbcUrl("postgres")); Statement st = c.createStatement()) {
                st.execute("CREATE DATABASE api");
            }
            String url = postgres.jdbcUrl("api");
            Map<String, String> externalEnv = env(Files.createDirectories(dir.resolve("home-external")), token);
            externalEnv.put("DATABASE_URL", url);

            long othersBefore = cpu.othersBusyMillis();
            long began = System.nanoTime();
            Started first = startAndIdle(dir, "external-1", externalEnv, jvmOptions);
            first.runner().stop();
            Started restart = startAndIdle(dir, "external-2", externalEnv, jvmOptions);
            verdicts.atMost("start to healthy, external PostgreSQL, first start (empty database: migrations)",
                    first.healthyMs(), MAX_START_EXTERNAL_MS, "%,.0f", " ms");
            verdicts.atMost("start to healthy, external PostgreSQL, restart", restart.healthyMs(), MAX_START_EXTERNAL_MS, "%,.0f", " ms");
            rss(verdicts, "external PostgreSQL, after first start", first);
            rss(verdicts, "external PostgreSQL, after restart", restart);
            verdicts.context("other work on the machine during the external-database starts", otherWork(cpu, othersBefore, began));

            try (TimedRunner runner = restart.runner()) {
                if (!skipLoad) {
                    clean = load(verdicts, cpu, dir, runner, url, token, facts);
                }
            }

            if (!skipEmbedded) {
                Map<String, String> embeddedEnv = env(Files.createDirectories(dir.resolve("home-embedded")), token);
                othersBefore = cpu.othersBusyMillis();
                began = System.nanoTime();
                Started eFirst = startAndIdle(dir, "embedded-1", embeddedEnv, jvmOptions);
                eFirst.runner().stop();
                Started eRestart = startAndIdle(dir, "embedded-2", embeddedEnv, jvmOptions);
                eRestart.runner().stop();
                verdicts.atMost("start to healthy, embedded PostgreSQL, first start (fresh ROOMOTE_HOME: binaries unpacked, initdb, migrations)",
                        eFirst.healthyMs(), MAX_START_EMBEDDED_MS, "%,.0f", " ms");
                verdicts.atMost("start to healthy, embedded PostgreSQL, restart", eRestart.healthyMs(), MAX_START_EMBEDDED_MS, "%,.0f", " ms");
                rss(verdicts, "embedded PostgreSQL, after first start", eFirst);
                rss(verdicts, "embedded PostgreSQL, after restart", eRestart);
                verdicts.context("other work on the machine during the embedded-database starts", otherWork(cpu, othersBefore, began));
            }
            ok = true;
        } finally {
            if (ok && clean && !keep) {
                deleteTree(dir);
            } else {
                progress.println("kept the api-bench folder (PostgreSQL data, runner logs): " + dir);
                if (!clean) {
                    progress.println("  (kept because the load run had errors or non-2xx answers: see the runner's log there)");
                }
            }
        }
        facts.put("load average after", CpuTicks.loadAverage());

        out.println("Roomote API load, footprint and start-up (issue 14)");
        facts.forEach((k, v) -> out.printf(Locale.ROOT, "  %s: %s%n", k, v));
        out.println();
        verdicts.printMarkdown(out);
        return verdicts.allMet() ? 0 : 1;
    }

    /** A started runner, its time to healthy and its memory after the idle time. */
    record Started(TimedRunner runner, double healthyMs, ProcessMemory java, ProcessMemory children) {
    }

    private Started startAndIdle(Path dir, String name, Map<String, String> env, List<String> jvmOptions) throws Exception {
        TimedRunner runner = TimedRunner.start(runnerJar, role, jvmOptions, dir, name, freePort(), env);
        try {
            double ms = runner.awaitHealthy(Duration.ofMinutes(2)).toNanos() / 1e6;
            progress.printf(Locale.ROOT, "%s: healthy %,.0f ms after its start; idle for %d s%n", name, ms, idle);
            Thread.sleep(Duration.ofSeconds(idle).toMillis());
            ProcessMemory java = ProcessMemory.of(runner.pid());
            ProcessMemory children = ProcessMemory.descendantsOf(runner.pid());
            progress.printf(Locale.ROOT, "%s: idle RSS %.0f MB (JVM), %.0f MB in %d child process(es)%n", name,
                    java.rssMb(), children.rssMb(), children.processes());
            return new Started(runner, ms, java, children);
        } catch (Exception | Error e) {
            runner.stop();
            throw e;
        }
    }

    private void rss(Verdicts verdicts, String when, Started s) {
        verdicts.atMost("idle RSS of the runner's JVM, " + when, s.java().rssMb(), MAX_RSS_MB, "%.0f", " MB");
        if (s.children().processes() > 0) {
            verdicts.context("idle RSS of its child processes (PostgreSQL), " + when,
                    String.format(Locale.ROOT, "%.0f MB RSS summed, %.0f MB PSS summed, %d processes",
                            s.children().rssMb(), s.children().pssMb(), s.children().processes()));
        } else {
            verdicts.context("child processes of the runner, " + when, "none");
        }
    }

    /** Runs the load; false when wrk saw errors or non-2xx answers, or a write was lost (the folder is kept). */
    private boolean load(Verdicts verdicts, CpuTicks cpu, Path dir, TimedRunner runner, String url, String token,
                         Map<String, String> facts) throws Exception {
        Wrk w = Wrk.in(dir, wrk);
        long logLinesBefore = lineCount(runner.log());
        String target = "http://127.0.0.1:" + runner.port() + "/api/jobs";
        if (warmup > 0) {
            progress.printf(Locale.ROOT, "warm-up: wrk for %d s%n", warmup);
            w.run(target, threads, connections, Duration.ofSeconds(warmup), Duration.ofSeconds(timeout), "warmup", token, showNon2xx);
        }
        String tag = "measured-" + Long.toHexString(System.nanoTime());
        List<String> command = w.command(target, threads, connections, Duration.ofSeconds(duration), Duration.ofSeconds(timeout), tag);
        facts.put("load", "role " + role + (role.equals("api") ? " (no workers: the endpoint alone)" : " (API and workers)")
                + ", external PostgreSQL; " + (showNon2xx ? "ROOMOTE_BENCH_STATUSES=1 " : "") + String.join(" ", command).replace(dir.toString() + "/", ""));
        progress.printf(Locale.ROOT, "measured: wrk for %d s%n", duration);
        long othersBefore = cpu.othersBusyMillis();
        long began = System.nanoTime();
        WrkOutput result = w.run(target, threads, connections, Duration.ofSeconds(duration), Duration.ofSeconds(timeout), tag, token, showNon2xx);
        String other = otherWork(cpu, othersBefore, began);
        long jobs = settledCount(url, tag);

        out.println("wrk's own output (measured run):");
        out.println("```");
        out.print(result.raw());
        out.println("```");
        out.println();

        verdicts.atLeast("POST /api/jobs, wrk Requests/sec", result.requestsPerSec(), MIN_RATE, "%,.0f", " /s");
        verdicts.atMost("POST /api/jobs, wrk latency p99", result.latencyMs(99), MAX_P99_MS, "%.2f", " ms");
        verdicts.context("POST /api/jobs, wrk latency p50 / p75 / p90 / max", String.format(Locale.ROOT,
                "%.2f / %.2f / %.2f / %.2f ms", result.latencyMs(50), result.latencyMs(75), result.latencyMs(90), result.maxLatencyMs()));
        verdicts.check("wrk socket errors (connect, read, write, timeout)", String.format(Locale.ROOT, "%d, %d, %d, %d",
                result.connectErrors(), result.readErrors(), result.writeErrors(), result.timeouts()), "0", result.socketErrors() == 0);
        verdicts.check("wrk non-2xx or 3xx responses", Long.toString(result.non2xx3xx()), "0", result.non2xx3xx() == 0);
        // Requests in flight when wrk's clock ran out are answered (and their jobs written) but not counted by
        // wrk: at most one per connection. A timed-out request may be written too. Fewer jobs than answers
        // would be a lost write.
        long extra = jobs - result.below400();
        long allowed = connections + result.timeouts();
        verdicts.check("jobs in cloud_jobs of the measured run vs wrk's 2xx answers (no lost writes)",
                String.format(Locale.ROOT, "%,d jobs, %,d answers (%+d: in flight at wrk's end)", jobs, result.below400(), extra),
                "jobs − answers in 0…" + allowed, extra >= 0 && extra <= allowed);
        verdicts.context("other work on the machine during the measured wrk run", other);
        List<String> problems = problemLines(runner.log(), logLinesBefore);
        if (!problems.isEmpty()) {
            progress.printf(Locale.ROOT, "the runner logged %d warning or error line(s) during the load; the first:%n", problems.size());
            problems.stream().limit(5).forEach(line -> progress.println("  " + line));
        }
        return result.socketErrors() == 0 && result.non2xx3xx() == 0 && extra >= 0;
    }

    /** The runner's WARN and ERROR lines after its first {@code skip} lines (its start-up warnings). */
    private static List<String> problemLines(Path log, long skip) throws IOException {
        try (Stream<String> lines = Files.lines(log)) {
            return lines.skip(skip).filter(l -> l.contains(" WARN ") || l.contains(" ERROR ")).toList();
        }
    }

    private static long lineCount(Path log) throws IOException {
        try (Stream<String> lines = Files.lines(log)) {
            return lines.count();
        }
    }

    /** Jobs of the measured run, once the count has not changed for 1 s (the answers in flight have landed). */
    private static long settledCount(String url, String tag) throws SQLException, InterruptedException {
        long last = -1;
        long stableSince = System.nanoTime();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        try (Connection c = DriverManager.getConnection(url);
             PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM cloud_jobs WHERE type = ? AND payload->>'run' = ?")) {
            ps.setString(1, ApiBenchJobType.ID);
            ps.setString(2, tag);
            while (true) {
                long count;
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    count = rs.getLong(1);
                }
                if (count != last) {
                    last = count;
                    stableSince = System.nanoTime();
                } else if (System.nanoTime() - stableSince > Duration.ofSeconds(1).toNanos() || System.nanoTime() > deadline) {
                    return count;
                }
                Thread.sleep(100);
            }
        }
    }

    private static String otherWork(CpuTicks cpu, long othersBefore, long began) {
        long others = cpu.othersBusyMillis() - othersBefore;
        double wallMs = (System.nanoTime() - began) / 1e6;
        if (othersBefore < 0) {
            return "unknown";
        }
        // Per-process and machine-wide accounting differ by a tick or two, so a quiet machine can read as -1 %.
        return String.format(Locale.ROOT, "%.0f %% of the machine",
                Math.max(0, 100.0 * others / (wallMs * Runtime.getRuntime().availableProcessors())));
    }

    private Map<String, String> env(Path home, String token) throws IOException {
        PluginJar.write(home.resolve("plugins").resolve("api-bench-job.jar"),
                List.of(ApiBenchJobType.class, ApiBenchJobType.Payload.class));
        Map<String, String> env = new HashMap<>();
        for (String name : List.of("PATH", "HOME", "JAVA_HOME", "LANG", "TMPDIR")) {
            String value = System.getenv(name);
            if (value != null) {
                env.put(name, value);
            }
        }
        env.put("ROOMOTE_HOME", home.toString());
        env.put("ROOMOTE_API_TOKEN", token);
        // With a token the API would listen on every interface; the bench needs loopback only.
        env.put("HOST", "127.0.0.1");
        // No second port for the dashboard (it stays on the API port): 3002 may be taken by another runner.
        env.put("DASHBOARD_PORT", "0");
        // No agent runs here; the sandbox's start-up checks are not part of the runner's footprint.
        env.put("ROOMOTE_SANDBOX", "none");
        return env;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static String memTotal() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    return String.format(Locale.ROOT, "%.1f GB", Long.parseLong(line.replaceAll("\\D", "")) / 1024.0 / 1024.0);
                }
            }
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
        return "unknown";
    }

    private static String version(Path program) {
        try {
            Process p = new ProcessBuilder(program.toString(), "--version").redirectErrorStream(true).start();
            String v = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            p.waitFor(10, TimeUnit.SECONDS);
            return v;
        } catch (IOException e) {
            return "unknown";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
