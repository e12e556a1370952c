package io.roomote.bench.soak;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The crash soak's short form (issue 14): 40 jobs, 3 kill -9, a PostgreSQL restart and a SIGSTOP past the
 * lease. Everything is real: the shaded runner jar in two processes, Debian's PostgreSQL with fsync on,
 * signals, the test job type loaded as a plugin jar. Nothing stands in.
 */
class CrashSoakTest {

    /** Built by the reactor before this module (see the standalone-runner dependency in bench/pom.xml). */
    private static final Path RUNNER_JAR = Path.of("../standalone-runner/target/roomote.jar");

    @Test
    void runnersKilledRestartedAndStoppedLoseNoJobAndRecordNoStaleOutcome() throws Exception {
        Optional<Path> bin = DebianPostgres.findBin();
        if (bin.isEmpty()) {
            if ("true".equalsIgnoreCase(System.getenv("CI")) || "true".equalsIgnoreCase(System.getenv("ROOMOTE_REQUIRE_SOAK"))) {
                fail("Debian's PostgreSQL is not installed (no " + DebianPostgres.DEBIAN_ROOT + "/*/bin/initdb) but CI"
                        + " or ROOMOTE_REQUIRE_SOAK is true: install the postgresql package; .ci/run does");
            }
            Assumptions.abort("crash soak skipped: Debian's PostgreSQL is not installed (apt-get install postgresql);"
                    + " with CI=true or ROOMOTE_REQUIRE_SOAK=true this fails instead");
        }
        assertThat(RUNNER_JAR).as("the runner jar; build with ./mvnw -B -ntp -pl bench -am verify").isRegularFile();

        SoakFigures figures = new SoakRun(SoakSettings.ci(RUNNER_JAR, bin.get(), System.currentTimeMillis()), System.err).run();
        System.err.println(figures.table());

        assertThat(figures.lost()).as("jobs lost").isZero();
        assertThat(figures.overlaps()).as("side effects overlapping in time").isZero();
        assertThat(figures.staleOutcomes()).as("outcomes recorded by a stale token").isZero();
        assertThat(figures.stuck()).as("jobs stuck beyond one lease after their runner died").isZero();
        // The faults must have hit running jobs, or the zeros above say nothing.
        assertThat(figures.faultsThatHit()).as("kills and stops that found jobs running").isPositive();
        assertThat(figures.heldByDeadRunners()).as("jobs held by a killed or stopped runner").isPositive();
    }
}
