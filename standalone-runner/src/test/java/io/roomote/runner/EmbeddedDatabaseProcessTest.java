package io.roomote.runner;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The embedded PostgreSQL of a runner started as a user starts it ({@code java … RoomoteCli serve} in a
 * process of its own), stopped as the machine stops it: SIGKILL of the JVM, SIGTERM.
 */
class EmbeddedDatabaseProcessTest {

    private static final Duration START = Duration.ofSeconds(90);

    @TempDir
    Path temp;

    private Path home() {
        return temp.resolve("home");
    }

    private Path output() {
        return temp.resolve("runner.log");
    }

    @Test
    void aRestartAfterKillNineWorksAtOnceAndStopsTheDatabaseTheDeadRunnerLeft() throws Exception {
        long before;
        long orphan;
        try (RunnerProcess first = new RunnerProcess(home(), output(), Map.of()).awaitHealthy(START)) {
            before = first.enqueue("example.hello", "{\"name\":\"before the crash\"}");
            first.awaitStatus(before, "completed", Duration.ofSeconds(30));
            orphan = postmasterPid();
            first.process().destroyForcibly();
            assertThat(first.awaitExit(Duration.ofSeconds(20))).isTrue();
        }
        assertThat(ProcessHandle.of(orphan).filter(ProcessHandle::isAlive))
                .as("a killed JVM cannot stop its database: it is left running").isPresent();

        try (RunnerProcess second = new RunnerProcess(home(), output(), Map.of()).awaitHealthy(START)) {
            assertThat(ProcessHandle.of(orphan).filter(ProcessHandle::isAlive)).as("the orphan was stopped").isEmpty();
            assertThat(second.json("/api/jobs/" + before).get("status").asText()).isEqualTo("completed");
            long after = second.enqueue("example.hello", "{\"name\":\"after the crash\"}");
            assertThat(second.awaitStatus(after, "completed", Duration.ofSeconds(30)).at("/result/greeting").asText())
                    .isEqualTo("Hello, after the crash!");
        }
    }

    @Test
    void sigtermHandsTheRunningJobBackWithItsLogAndStopsTheDatabaseLast() throws Exception {
        long id;
        long postmaster;
        try (RunnerProcess runner = new RunnerProcess(home(), output(), Map.of()).awaitHealthy(START)) {
            id = runner.enqueue("example.hello", "{\"name\":\"Ada\",\"seconds\":8}");
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                    .until(() -> logLines(runner, id).stream().anyMatch(l -> l.contains("(2/8)")));
            postmaster = postmasterPid();

            runner.process().destroy();

            // SHUTDOWN_GRACE=1s, JOB_CANCEL_GRACE=2s: nothing should make it wait much longer than that.
            assertThat(runner.awaitExit(Duration.ofSeconds(30))).as("exited after SIGTERM").isTrue();
        }
        assertThat(ProcessHandle.of(postmaster).filter(ProcessHandle::isAlive))
                .as("no PostgreSQL is left running after the runner exits").isEmpty();
        assertThat(home().resolve("postgres/postmaster.pid")).doesNotExist();

        try (RunnerProcess again = new RunnerProcess(home(), output(), Map.of()).awaitHealthy(START)) {
            JsonNode done = again.awaitStatus(id, "completed", Duration.ofSeconds(40));
            assertThat(done.at("/result/attempt").asInt()).as("the handed-back attempt is not counted").isEqualTo(1);
            List<String> log = logLines(again, id);
            assertThat(log).as("the stopped attempt's log is complete, up to its last line")
                    .anyMatch(l -> l.contains("(2/8)"))
                    .anyMatch(l -> l.contains("stopped: the runner is shutting down; the job goes back to the queue"))
                    .anyMatch(l -> l.contains("Hello, Ada!"));
        }
    }

    @Test
    void aStopSignalDuringTheStartStillStopsTheDatabase() throws Exception {
        Path pidFile = home().resolve("postgres/postmaster.pid");
        long postmaster;
        try (RunnerProcess runner = new RunnerProcess(home(), output(), Map.of())) {
            // The server's own pid file (initdb's bootstrap writes a negative pid): the runner is still starting.
            await().atMost(START).pollInterval(Duration.ofMillis(20)).ignoreExceptions()
                    .until(() -> Files.readAllLines(pidFile).size() >= 4 && postmasterPid() > 0);
            postmaster = postmasterPid();

            runner.process().destroy();

            assertThat(runner.awaitExit(Duration.ofSeconds(60))).as("exited after SIGTERM").isTrue();
            assertThat(runner.output()).contains("stopped the embedded PostgreSQL");
        }
        assertThat(ProcessHandle.of(postmaster).filter(ProcessHandle::isAlive))
                .as("no PostgreSQL is left running after a stop during the start").isEmpty();
    }

    @Test
    void theDatabaseSeesNoneOfTheRunnersSecretsAndTakesPasswordLoginsOnly() throws Exception {
        String token = "ghp_environTest0123456789abcdefghijklmnop";
        try (RunnerProcess runner = new RunnerProcess(home(), output(),
                Map.of("GH_TOKEN", token, "SLACK_API_TOKEN", "xoxb-environ-test-secret")).awaitHealthy(START)) {
            long pid = postmasterPid();
            int port = postmasterPort();

            String environ = Files.readString(Path.of("/proc", String.valueOf(pid), "environ"), StandardCharsets.ISO_8859_1);
            assertThat(environ).doesNotContain(token).doesNotContain("xoxb-environ-test-secret")
                    .doesNotContain("GH_TOKEN").doesNotContain("ROOMOTE_HOME");

            assertThatThrownBy(() -> DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/roomote?user=postgres"))
                    .isInstanceOf(SQLException.class).hasMessageContaining("password");
            Path passwordFile = home().resolve("postgres-password");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(passwordFile))).isEqualTo("rw-------");
            Properties props = new Properties();
            props.setProperty("user", "postgres");
            props.setProperty("password", Files.readString(passwordFile).trim());
            try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/roomote", props)) {
                assertThat(c.isValid(2)).isTrue();
            }
            assertThat(Files.readAllLines(home().resolve("postgres/pg_hba.conf")))
                    .noneMatch(l -> !l.startsWith("#") && l.contains("trust"));
        }
    }

    private long postmasterPid() throws Exception {
        return Long.parseLong(Files.readAllLines(home().resolve("postgres/postmaster.pid")).get(0).trim());
    }

    private int postmasterPort() throws Exception {
        return Integer.parseInt(Files.readAllLines(home().resolve("postgres/postmaster.pid")).get(3).trim());
    }

    private static List<String> logLines(RunnerProcess runner, long id) {
        List<String> lines = new ArrayList<>();
        runner.json("/api/jobs/" + id + "/logs?limit=1000").get("lines").forEach(l -> lines.add(l.get("line").asText()));
        return lines;
    }
}
