package io.roomote.bench.peers;

import io.roomote.bench.NoopJobType;
import io.roomote.core.Roomote;
import io.roomote.core.config.Settings;
import io.roomote.core.jobs.JobStatus;
import io.roomote.core.queue.EnqueueRequest;
import io.roomote.core.store.Database;
import io.roomote.core.store.DatabaseUrl;
import io.roomote.core.types.JobTypeRegistry;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Map;

/**
 * Roomote at its defaults: an API instance ({@code runWorkers=false}) enqueues, a worker instance on its own pool
 * runs the jobs, as in a deployment with separate API and worker processes; wake-ups go through
 * {@code LISTEN/NOTIFY}, with the default 5 s safety-net poll.
 */
public final class RoomoteUnderTest implements QueueUnderTest {

    private final String url;
    private final JobTypeRegistry registry;
    private final Path home;
    private final Database apiDb;
    private final Roomote api;
    private Database workerDb;
    private Roomote workers;

    public RoomoteUnderTest(String url, NoopJobType type, Path home) {
        this.url = url;
        this.registry = JobTypeRegistry.of(type);
        this.home = home;
        this.apiDb = new Database(DatabaseUrl.parse(url), POOL_SIZE);
        this.api = start(apiDb, 1, false);
    }

    @Override
    public String name() {
        return "Roomote";
    }

    @Override
    public java.time.Duration pollInterval() {
        return java.time.Duration.ofSeconds(5);
    }

    private Roomote start(Database db, int maxWorkers, boolean runWorkers) {
        Settings settings = Settings.of(Map.of("MAX_WORKERS", Integer.toString(maxWorkers), "POLL_INTERVAL_MS", "5000"));
        return Roomote.start(settings, db, registry, home, runWorkers);
    }

    private EnqueueRequest request(long seq) {
        return new EnqueueRequest(NoopJobType.ID, api.mapper().createObjectNode().put("seq", seq), null, null);
    }

    @Override
    public void enqueue(long seq) {
        api.queue().enqueue(request(seq));
    }

    @Override
    public void enqueueBatch(List<Long> seqs) {
        api.queue().enqueueAll(seqs.stream().map(this::request).toList());
    }

    @Override
    public void startWorkers(int count) {
        workerDb = new Database(DatabaseUrl.parse(url), POOL_SIZE);
        workers = start(workerDb, count, true);
    }

    @Override
    public void stopWorkers() {
        if (workers != null) {
            workers.close();
            workerDb.close();
            workers = null;
        }
    }

    @Override
    public long unfinished() {
        Map<JobStatus, Long> counts = api.queue().counts();
        return counts.get(JobStatus.PENDING) + counts.get(JobStatus.PROCESSING);
    }

    @Override
    public void clear() throws Exception {
        try (Connection c = apiDb.connection(); Statement st = c.createStatement()) {
            st.execute("TRUNCATE cloud_jobs CASCADE");
        }
    }

    @Override
    public void close() {
        stopWorkers();
        api.close();
        apiDb.close();
    }
}
