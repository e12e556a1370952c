package io.roomote.runner;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The embedded PostgreSQL is watched: if it dies under a running runner, it is started again. */
class EmbeddedDatabaseSupervisionTest {

    @TempDir
    Path home;

    @Test
    void aKilledDatabaseIsRestartedAndJobsEnqueuedAfterwardsStillRun() throws Exception {
        try (RunnerFixture runner = new RunnerFixture(home, Map.of(), RoomoteService.Role.SERVE)) {
            long before = runner.enqueue("example.hello", "{\"name\":\"before\"}");
            runner.awaitStatus(before, "completed");
            long pid = Long.parseLong(Files.readAllLines(home.resolve("postgres/postmaster.pid")).get(0).trim());

            ProcessHandle.of(pid).orElseThrow().destroyForcibly();

            await().atMost(Duration.ofSeconds(20)).until(() -> ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true));
            long after = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                    .until(() -> runner.enqueue("example.hello", "{\"name\":\"after\"}"), id -> id > 0);
            JsonNode done = runner.awaitStatus(after, "completed");
            assertThat(done.at("/result/greeting").asText()).isEqualTo("Hello, after!");
            assertThat(runner.get("/api/jobs/" + before).json().get("status").asText()).isEqualTo("completed");
        }
    }
}
