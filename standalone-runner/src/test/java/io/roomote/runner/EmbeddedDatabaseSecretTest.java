package io.roomote.runner;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The embedded PostgreSQL's password is a secret like GH_TOKEN: a job that prints it (here the example job type,
 * greeting a "name" that is the password) never shows it in its log. Real embedded PostgreSQL, real runner.
 */
class EmbeddedDatabaseSecretTest {

    @TempDir
    Path home;

    @Test
    void theEmbeddedDatabasePasswordIsRedactedFromJobLogs() throws Exception {
        try (RunnerFixture runner = new RunnerFixture(home, Map.of(), RoomoteService.Role.SERVE)) {
            String password = Files.readString(home.resolve("postgres-password")).trim();
            assertThat(password).hasSizeGreaterThan(16);

            long id = runner.enqueue("example.hello", "{\"name\":\"" + password + "\"}");
            runner.awaitStatus(id, "completed");

            String log = runner.get("/api/jobs/" + id + "/logs").json().get("lines").findValuesAsText("line").toString();
            assertThat(log).contains("Hello, ").doesNotContain(password);
        }
    }
}
