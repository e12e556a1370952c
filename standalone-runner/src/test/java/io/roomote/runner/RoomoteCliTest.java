package io.roomote.runner;

import io.roomote.core.testing.TestDatabases;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
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
        assertThat(new CommandLine(new RoomoteCli()).execute("migrate", "--env-file", env.toString())).isZero();
    }

    @Test
    void helpListsTheCommands() {
        StringWriter out = new StringWriter();
        int code = new CommandLine(new RoomoteCli()).setOut(new PrintWriter(out)).execute("--help");

        assertThat(code).isZero();
        assertThat(out.toString()).contains("serve", "api", "worker", "migrate");
    }
}
