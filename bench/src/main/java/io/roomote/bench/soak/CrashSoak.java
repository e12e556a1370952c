package io.roomote.bench.soak;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * {@code bench/soak.sh}: the crash soak of issue 14. Two runner processes ({@code roomote.jar worker}) on one
 * PostgreSQL of Debian's package, jobs of a test job type loaded as a plugin, runners killed with -9 and
 * restarted, PostgreSQL restarted, a runner stopped past its lease; then the checks. Exit code 0 when every
 * figure that must be zero is, 1 when one is not, 2 on a wrong option or a missing prerequisite.
 */
@Command(name = "soak", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Crash soak of Roomote's queue: kill -9, PostgreSQL restart and SIGSTOP against two runners.")
public final class CrashSoak implements Callable<Integer> {

    @Option(names = "--ci", description = "The short form: 40 jobs, 3 kills, 1 restart, 1 stop (other options still apply).")
    boolean ci;

    @Option(names = "--jobs", description = "Jobs (default 200; --ci: 40).")
    Integer jobs;

    @Option(names = "--kills", description = "kill -9 of a runner, each restarted at once (default 10; --ci: 3).")
    Integer kills;

    @Option(names = "--stops", description = "SIGSTOP of a runner past its lease, then SIGCONT (default 1).")
    Integer stops;

    @Option(names = "--postgres-restarts", description = "Restarts of PostgreSQL (default 1).")
    Integer postgresRestarts;

    @Option(names = "--max-gap", paramLabel = "MILLIS", description = "Once both runners are up, a burst of jobs is"
            + " enqueued and the next fault comes a random 300 ms to this later (default 1500).")
    Integer maxGap;

    @Option(names = "--seed", description = "Of every random choice (default: the time).")
    Long seed;

    @Option(names = "--runner-jar", defaultValue = "standalone-runner/target/roomote.jar",
            description = "The shaded runner jar (default ${DEFAULT-VALUE}).")
    Path runnerJar;

    @Option(names = "--postgres-bin", description = "Folder of initdb and postgres (default: the newest /usr/lib/postgresql/*/bin).")
    Path postgresBin;

    @Option(names = "--keep", description = "Keep the soak's folder (PostgreSQL data, runner logs); kept anyway on a failure.")
    boolean keep;

    public static void main(String[] args) {
        System.exit(new CommandLine(new CrashSoak()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Path bin = postgresBin != null ? postgresBin : DebianPostgres.findBin().orElse(null);
        if (bin == null) {
            System.err.println("soak: no PostgreSQL under " + DebianPostgres.DEBIAN_ROOT
                    + "; install Debian's postgresql package (apt-get install postgresql) or pass --postgres-bin");
            return 2;
        }
        long s = seed != null ? seed : System.currentTimeMillis();
        SoakSettings base = ci ? SoakSettings.ci(runnerJar, bin, s) : SoakSettings.full(runnerJar, bin, s);
        SoakSettings settings = new SoakSettings(or(jobs, base.jobs()), or(kills, base.kills()), or(stops, base.stops()),
                or(postgresRestarts, base.postgresRestarts()), base.minSleep(), base.maxSleep(), base.lease(),
                base.maxWorkers(), maxGap != null ? Duration.ofMillis(maxGap) : base.maxGap(), s, runnerJar, bin, keep);
        SoakFigures figures = new SoakRun(settings, System.err).run();
        System.out.println(figures.table());
        System.out.println(figures.markdown());
        return figures.passed() ? 0 : 1;
    }

    private static int or(Integer value, int otherwise) {
        return value != null ? value : otherwise;
    }
}
