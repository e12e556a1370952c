package io.roomote.runner;

import io.roomote.core.testing.TestDatabases;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;

import static org.assertj.core.api.Assertions.assertThat;

/** The command line: `migrate` reads its settings from a .env file and creates the schema. */
class RoomoteCliTest {

    @TempDir
    Path dir;

    @Test
    void migrateAppliesTheSchemaToTheDatabaseNamedInTheEnvFile() throws Exception {
        String url = TestDatabases.freshJdbcUrl();
        Path env = dir.resolve("roomote.env");
        Files.writeString(env, "# settings\nDATABASE_URL=" + url + "\nROOMOTE_HOME=" + dir + "\n");
        StringWriter out = new StringWriter();
        CommandLine cli = new CommandLine(new RoomoteCli()).setOut(new PrintWriter(out));

        int first = cli.execute("migrate", "--env-file", env.toString());

        assertThat(first).isZero();
        try (Connection c = DriverManager.getConnection(url);
             ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM cloud_jobs")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getLong(1)).isZero();
        }
        // The runner extensions' own schemas too: the fix module's (on the class path, found by ServiceLoader).
        try (Connection c = DriverManager.getConnection(url);
             ResultSet rs = c.createStatement().executeQuery("SELECT (SELECT count(*) FROM github_deliveries)"
                     + " + (SELECT count(*) FROM github_issue_comments)")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getLong(1)).isZero();
        }
        assertThat(new CommandLine(new RoomoteCli()).execute("migrate", "--env-file", env.toString())).isZero();
    }

    @Test
    void helpListsTheCommands() {
        StringWriter out = new StringWriter();
        int code = new CommandLine(new RoomoteCli()).setOut(new PrintWriter(out)).execute("--help");

        assertThat(code).isZero();
        assertThat(out.toString()).contains("serve", "api", "worker", "migrate");
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"serve", "api", "worker", "migrate", "enqueue"})
    void everyCommandHasItsOwnHelp(String command) {
        for (String[] args : new String[][]{{command, "--help"}, {command, "-h"}, {"help", command}}) {
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            int code = RoomoteCli.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(args);

            assertThat(code).as(String.join(" ", args) + ": " + err).isZero();
            assertThat(err.toString()).as(String.join(" ", args)).isEmpty();
            assertThat(out.toString()).as(String.join(" ", args)).startsWith("Usage: roomote " + command)
                    .contains("--env-file=FILE").contains("ROOMOTE_LOG_LEVEL").contains("Exit codes:");
        }
    }

    @Test
    void theHelpOfTheServiceCommandsSaysHowToStop() {
        StringWriter out = new StringWriter();
        RoomoteCli.commandLine().setOut(new PrintWriter(out)).execute("help", "serve");

        assertThat(out.toString()).contains("DATABASE_URL", "PORT", "MAX_WORKERS", "GH_TOKEN", "SHUTDOWN_GRACE")
                .contains("Stop with Ctrl-C or SIGTERM");
        assertThat(out.toString().lines()).allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(80));
    }

    /** Exit code and stderr of {@code roomote api} with these settings, which must fail the start. */
    private record Failed(int code, String err) {
    }

    private Failed apiWith(String settings) throws Exception {
        Path env = dir.resolve("busy.env");
        Files.writeString(env, "DATABASE_URL=" + TestDatabases.freshJdbcUrl() + "\nROOMOTE_HOME=" + dir + "\n" + settings);
        StringWriter err = new StringWriter();
        int code = RoomoteCli.commandLine().setErr(new PrintWriter(err)).execute("api", "--env-file", env.toString());
        return new Failed(code, err.toString().strip());
    }

    @Test
    void aBusyPortIsOneLineOnStderrAndExitCode2() throws Exception {
        try (ServerSocket busy = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            int port = busy.getLocalPort();

            Failed api = apiWith("PORT=" + port + "\nDASHBOARD_PORT=0\n");
            assertThat(api.code()).isEqualTo(2);
            assertThat(api.err()).startsWith("roomote: PORT " + port + " is not available on 127.0.0.1")
                    .contains("set PORT to a free port").doesNotContain("\n");

            Failed dashboard = apiWith("PORT=0\nDASHBOARD_PORT=" + port + "\n");
            assertThat(dashboard.code()).isEqualTo(2);
            assertThat(dashboard.err()).startsWith("roomote: DASHBOARD_PORT " + port + " is not available on 127.0.0.1")
                    .doesNotContain("\n");
        }
    }
}
