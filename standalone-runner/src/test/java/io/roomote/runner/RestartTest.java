package io.roomote.runner;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The embedded PostgreSQL keeps every job across restarts, durably, and pending jobs resume. */
class RestartTest {

    @TempDir
    Path home;

    @Test
    void aRestartKeepsEveryJobAndRunsThePendingOnes() throws Exception {
        long done;
        long waiting;
        try (RunnerFixture first = new RunnerFixture(home, Map.of(), RoomoteService.Role.SERVE)) {
            done = first.enqueue("example.hello", "{\"name\":\"before restart\"}");
            first.awaitStatus(done, "completed");
            assertThat(setting(first, "fsync")).isEqualTo("on");
            assertThat(setting(first, "synchronous_commit")).isEqualTo("on");
        }
        // An API-only process queues a job while no worker runs.
        try (RunnerFixture apiOnly = new RunnerFixture(home, Map.of(), RoomoteService.Role.API)) {
            waiting = apiOnly.enqueue("example.hello", "{\"name\":\"after restart\"}");
            assertThat(apiOnly.get("/api/jobs/" + waiting).json().get("status").asText()).isEqualTo("pending");
        }

        try (RunnerFixture second = new RunnerFixture(home, Map.of(), RoomoteService.Role.SERVE)) {
            JsonNode resumed = second.awaitStatus(waiting, "completed");
            assertThat(resumed.at("/result/greeting").asText()).isEqualTo("Hello, after restart!");
            JsonNode kept = second.get("/api/jobs/" + done).json();
            assertThat(kept.get("status").asText()).isEqualTo("completed");
            assertThat(kept.at("/result/greeting").asText()).isEqualTo("Hello, before restart!");
        }
    }

    private static String setting(RunnerFixture runner, String name) throws Exception {
        try (Connection c = runner.service().roomote().database().connection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SHOW " + name)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
