package io.roomote.core.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.roomote.core.Roomote;
import io.roomote.core.config.Settings;
import io.roomote.core.jobs.Job;
import io.roomote.core.jobs.JobStatus;
import io.roomote.core.queue.EnqueueRequest;
import io.roomote.core.store.Database;
import io.roomote.core.store.JobRepository;
import io.roomote.core.store.Json;
import io.roomote.core.store.QueueTime;
import io.roomote.core.types.JobTypeRegistry;
import io.roomote.spi.JobType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;

/** One fresh database and the Roomote instances a test starts on it; closes them all. */
public final class QueueFixture implements AutoCloseable {

    public static final ObjectMapper MAPPER = Json.newMapper();

    private final Database database = TestDatabases.fresh();
    private final List<Roomote> started = new ArrayList<>();
    private final Path home;

    public QueueFixture() {
        try {
            home = Files.createTempDirectory("roomote-test-home");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    public Database database() {
        return database;
    }

    public JobRepository repository() {
        return new JobRepository(database, MAPPER);
    }

    /** A repository on {@code clock}'s time, e.g. to play a runner that claims and dies in a clock-driven test. */
    public JobRepository repository(SettableClock clock) {
        return new JobRepository(database, MAPPER, QueueTime.following(clock));
    }

    /** Starts a Roomote on this database; settings are env-style names such as MAX_WORKERS. */
    public Roomote start(boolean workers, Map<String, String> settings, JobType<?, ?>... types) {
        Roomote roomote = Roomote.start(settings(settings), database, JobTypeRegistry.of(types), home, workers);
        started.add(roomote);
        return roomote;
    }

    /**
     * Starts a Roomote whose queue goes by {@code clock} and whose worker pool is driven by the test
     * ({@code roomote.workers().orElseThrow().runOneDispatch()}, {@code runOneReclaim()}, {@code runOneHeartbeat()}):
     * nothing is claimed, renewed or reclaimed unless the test says so, and no wait depends on real time.
     */
    public Roomote startManual(SettableClock clock, Map<String, String> settings, JobType<?, ?>... types) {
        Roomote roomote = Roomote.open(settings(settings), database, JobTypeRegistry.of(types), home, true,
                io.roomote.core.events.JobEventListener.NONE, null, QueueTime.following(clock));
        started.add(roomote);
        roomote.startManualWorkers();
        return roomote;
    }

    private static Settings settings(Map<String, String> settings) {
        Map<String, String> all = new HashMap<>();
        all.put("POLL_INTERVAL_MS", "200");
        all.put("SHUTDOWN_GRACE", "1s");
        all.put("JOB_CANCEL_GRACE", "1s");
        all.putAll(settings);
        return Settings.of(all);
    }

    public static ObjectNode json(String text) {
        try {
            return (ObjectNode) MAPPER.readTree(text);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    public static EnqueueRequest request(String type, String payloadJson) {
        return new EnqueueRequest(type, json(payloadJson), null, null);
    }

    public static long enqueue(Roomote roomote, String type, String payloadJson) {
        return roomote.queue().enqueue(request(type, payloadJson)).job().id();
    }

    public static Job awaitStatus(Roomote roomote, long id, JobStatus status, Duration within) {
        await().atMost(within).pollInterval(Duration.ofMillis(20))
                .until(() -> roomote.queue().get(id).orElseThrow().status() == status);
        return roomote.queue().get(id).orElseThrow();
    }

    /** Waits until the job reaches any of {@code statuses}; returns it. */
    public static Job awaitStatusIn(Roomote roomote, long id, java.util.Collection<JobStatus> statuses, Duration within) {
        await().atMost(within).pollInterval(Duration.ofMillis(50))
                .until(() -> statuses.contains(roomote.queue().get(id).orElseThrow().status()));
        return roomote.queue().get(id).orElseThrow();
    }

    public static JsonNode node(Object value) {
        return MAPPER.valueToTree(value);
    }

    public long countJobs() {
        try (var c = database.connection(); var st = c.createStatement();
             var rs = st.executeQuery("SELECT count(*) FROM cloud_jobs")) {
            rs.next();
            return rs.getLong(1);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The first column of the first row of {@code query}, as text (null when SQL NULL or no row). */
    public String text(String query) {
        try (var c = database.connection(); var st = c.createStatement(); var rs = st.executeQuery(query)) {
            return rs.next() ? rs.getString(1) : null;
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Runs a statement, e.g. to play a runner that died or a lease that was stolen. */
    public void sql(String statement) {
        try (var c = database.connection(); var st = c.createStatement()) {
            st.execute(statement);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        for (int i = started.size() - 1; i >= 0; i--) {
            started.get(i).close();
        }
        database.close();
    }
}
