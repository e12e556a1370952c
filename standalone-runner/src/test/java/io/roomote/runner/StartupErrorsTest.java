package io.roomote.runner;

import io.roomote.core.store.DatabaseUrl;
import io.roomote.core.testing.TestDatabases;
import io.roomote.runner.db.EmbeddedDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Start-up mistakes, made as a user makes them ({@code java … RoomoteCli serve} in a process of its own): each
 * is one {@code roomote:} line on stderr naming the variable and the fix, exit code 2, no stack trace, and
 * nothing started — no worker pool (its "worker … started" line), no API, no embedded database.
 */
class StartupErrorsTest {

    /** A PostgreSQL with password logins (Roomote's own embedded one): zonky's test server trusts every login. */
    private static EmbeddedDatabase passwordServer;

    @TempDir
    static Path shared;

    @TempDir
    Path dir;

    @BeforeAll
    static void startPasswordServer() {
        passwordServer = EmbeddedDatabase.start(shared.resolve("pg-home"), 0);
    }

    @AfterAll
    static void stopPasswordServer() {
        if (passwordServer != null) {
            passwordServer.close();
        }
    }

    private Map<String, String> env(String... pairs) {
        Map<String, String> env = new HashMap<>(Map.of("ROOMOTE_HOME", dir.resolve("home").toString(),
                "PORT", "0", "DASHBOARD_PORT", "0"));
        for (int i = 0; i < pairs.length; i += 2) {
            env.put(pairs[i], pairs[i + 1]);
        }
        return env;
    }

    /** One line, exit 2, and the process log shows that nothing was started. */
    private static void assertRefusedAtStart(CliRun run, String startOfLine) {
        assertThat(run.code()).as("exit code; stderr: %s", run.err()).isEqualTo(2);
        assertThat(run.errLine()).startsWith("roomote: " + startOfLine).doesNotContain("\n")
                .doesNotContain("Exception").doesNotContain("\tat ");
        assertThat(run.out()).doesNotContain("Exception").doesNotContain("\tat ")
                .doesNotContain("worker ").doesNotContain("API listening").doesNotContain("embedded PostgreSQL");
        assertThat(run.err() + run.out()).doesNotContain("secret-pw");
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Issue 11: an unknown sandbox mode stops the start: an agent is never run some other way than chosen. */
    @Test
    void anUnknownSandboxModeIsOneLine() {
        CliRun run = CliRun.run(dir, env("ROOMOTE_SANDBOX", "chroot"), "serve");
        assertRefusedAtStart(run, "ROOMOTE_SANDBOX");
        assertThat(run.errLine()).contains("bwrap").contains("docker").contains("none");
    }

    @Test
    void anUnreachableDatabaseUrlIsOneLine() throws Exception {
        int nobody = freePort();
        CliRun run = CliRun.run(dir, env("DATABASE_URL", "postgresql://roomote:secret-pw@127.0.0.1:" + nobody + "/roomote"),
                "serve");
        assertRefusedAtStart(run, "DATABASE_URL: cannot reach PostgreSQL at 127.0.0.1:" + nobody);
        assertThat(run.errLine()).contains("start PostgreSQL or fix the host and port in DATABASE_URL");
    }

    @Test
    void aWrongPasswordIsOneLine() {
        DatabaseUrl url = passwordServer.url();
        String port = url.jdbcUrl().replaceAll(".*:(\\d+)/.*", "$1");
        CliRun run = CliRun.run(dir, env("DATABASE_URL", "postgresql://postgres:secret-pw@127.0.0.1:" + port + "/roomote"),
                "serve");
        assertRefusedAtStart(run, "DATABASE_URL: PostgreSQL at 127.0.0.1:" + port + " refused the login of user \"postgres\"");
        assertThat(run.errLine()).contains("password authentication failed").contains("put the right user name and password");
    }

    @Test
    void aMissingDatabaseIsOneLine() {
        DatabaseUrl url = passwordServer.url();
        String port = url.jdbcUrl().replaceAll(".*:(\\d+)/.*", "$1");
        CliRun run = CliRun.run(dir, env("DATABASE_URL", "postgresql://postgres:"
                + java.net.URLEncoder.encode(url.password(), java.nio.charset.StandardCharsets.UTF_8)
                + "@127.0.0.1:" + port + "/no_such_db"), "migrate");
        assertRefusedAtStart(run, "DATABASE_URL: the database \"no_such_db\" does not exist on 127.0.0.1:" + port);
        assertThat(run.errLine()).contains("createdb no_such_db");
    }

    @Test
    void aPortOutOfRangeIsOneLine() {
        CliRun run = CliRun.run(dir, env("DATABASE_URL", TestDatabases.freshJdbcUrl(), "PORT", "99999"), "serve");
        assertRefusedAtStart(run, "PORT must be a port number from 0 to 65535");
    }

    @Test
    void aBusyPortStopsTheStartBeforeTheWorkerPoolStarts() throws Exception {
        try (ServerSocket busy = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            int port = busy.getLocalPort();
            CliRun run = CliRun.run(dir, env("DATABASE_URL", TestDatabases.freshJdbcUrl(), "PORT", String.valueOf(port)),
                    "serve");
            assertRefusedAtStart(run, "PORT " + port + " is not available on 127.0.0.1");
        }
    }

    @Test
    void aMissingEnvFileIsOneLine() {
        CliRun run = CliRun.run(dir, env(), "serve", "--env-file", "/nonexistent/.env");
        assertRefusedAtStart(run, "the settings file /nonexistent/.env does not exist");
    }

    @Test
    void anEnvFileThatIsAFolderIsOneLineSayingSo() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("settings.env"));
        CliRun run = CliRun.run(dir, env(), "migrate", "--env-file", folder.toString());
        assertRefusedAtStart(run, "the settings file " + folder + " is a directory");
    }

    @Test
    void anUnknownLogLevelIsOneLineListingTheLevels() throws Exception {
        Path file = Files.writeString(dir.resolve("loud.env"), "ROOMOTE_LOG_LEVEL=LOUD\n");
        CliRun fromFile = CliRun.run(dir, env(), "serve", "--env-file", file.toString());
        assertRefusedAtStart(fromFile, "ROOMOTE_LOG_LEVEL must be one of TRACE, DEBUG, INFO, WARN, ERROR, OFF");
        assertThat(fromFile.errLine()).contains("got 'LOUD'");

        CliRun fromEnvironment = CliRun.run(dir, env("ROOMOTE_LOG_LEVEL", "LOUD"), "migrate");
        assertRefusedAtStart(fromEnvironment, "ROOMOTE_LOG_LEVEL must be one of");
        assertThat(fromEnvironment.out()).as("Logback read LOUD as DEBUG: no DEBUG line may come of it").doesNotContain("DEBUG");
    }

    @Test
    void theLogLevelOfTheEnvFileIsHonoured() throws Exception {
        String url = TestDatabases.freshJdbcUrl();
        Path quiet = Files.writeString(dir.resolve("quiet.env"), "DATABASE_URL=" + url + "\nROOMOTE_LOG_LEVEL=warn\n");
        CliRun run = CliRun.run(dir, env(), "migrate", "--env-file", quiet.toString());
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out()).doesNotContain(" INFO ").contains("Applied ");
    }

    @Test
    void theStackTraceOfAStartErrorIsShownAtDebugSetInTheEnvFile() throws Exception {
        Path verbose = Files.writeString(dir.resolve("verbose.env"), "DATABASE_URL=" + TestDatabases.freshJdbcUrl()
                + "\nROOMOTE_LOG_LEVEL=debug\n");
        CliRun run = CliRun.run(dir, env("PORT", "99999"), "serve", "--env-file", verbose.toString());
        assertThat(run.code()).isEqualTo(2);
        assertThat(run.errLine()).startsWith("roomote: PORT must be").doesNotContain("\n");
        assertThat(run.out()).contains(" DEBUG ").contains("ConfigurationException").contains("\tat ");
    }
}
