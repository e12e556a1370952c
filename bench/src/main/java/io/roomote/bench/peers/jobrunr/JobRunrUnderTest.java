package io.roomote.bench.peers.jobrunr;

import com.zaxxer.hikari.HikariDataSource;
import io.roomote.bench.StartProbe;
import io.roomote.bench.peers.Pools;
import io.roomote.bench.peers.QueueUnderTest;
import org.jobrunr.jobs.mappers.JobMapper;
import org.jobrunr.scheduling.JobScheduler;
import org.jobrunr.server.BackgroundJobServer;
import org.jobrunr.server.BackgroundJobServerConfiguration;
import org.jobrunr.server.JobActivator;
import org.jobrunr.storage.sql.postgres.PostgresStorageProvider;
import org.jobrunr.utils.mapper.JsonMapper;
import org.jobrunr.utils.mapper.jackson.JacksonJsonMapper;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;

/**
 * JobRunr (open source) with its PostgreSQL storage, built from its parts rather than through the static
 * {@code JobRunr.configure()}, so several configurations can live in one JVM. Jobs are lambdas calling
 * {@link NoopJob#run}; the activator hands out the one instance that reports to the probe.
 */
public final class JobRunrUnderTest implements QueueUnderTest {

    /** JobRunr's defaults, or the best it allows for latency: the open-source version polls no faster than 5 s. */
    public enum Tuning { DEFAULTS, TUNED }

    private final Tuning tuning;
    private final HikariDataSource dataSource;
    private final PostgresStorageProvider storage;
    private final JsonMapper json = new JacksonJsonMapper();
    private final JobScheduler scheduler;
    private final NoopJob job;
    private BackgroundJobServer server;

    public JobRunrUnderTest(String url, StartProbe probe, Tuning tuning) {
        this.tuning = tuning;
        this.dataSource = Pools.hikari(url, "jobrunr");
        this.storage = new PostgresStorageProvider(dataSource);
        storage.setJobMapper(new JobMapper(json));
        this.scheduler = new JobScheduler(storage);
        this.job = new NoopJob(probe);
    }

    @Override
    public String name() {
        return "JobRunr " + version() + (tuning == Tuning.TUNED ? ", tuned" : ", defaults");
    }

    @Override
    public Duration pollInterval() {
        return tuning == Tuning.TUNED ? Duration.ofSeconds(5) : BackgroundJobServerConfiguration.DEFAULT_POLL_INTERVAL;
    }

    static String version() {
        String v = JobScheduler.class.getPackage().getImplementationVersion();
        return v == null ? "8.7.0" : v;
    }

    @Override
    public void enqueue(long seq) {
        NoopJob target = job;
        scheduler.enqueue(() -> target.run(seq));
    }

    @Override
    public void enqueueBatch(List<Long> seqs) {
        NoopJob target = job;
        scheduler.enqueue(seqs.stream(), seq -> target.run(seq));
    }

    @Override
    public void startWorkers(int workers) {
        BackgroundJobServerConfiguration config = BackgroundJobServerConfiguration
                .usingStandardBackgroundJobServerConfiguration().andWorkerCount(workers);
        if (tuning == Tuning.TUNED) {
            config = config.andPollInterval(pollInterval());
        }
        JobActivator activator = new JobActivator() {
            @Override
            @SuppressWarnings("unchecked")
            public <T> T activateJob(Class<T> type) {
                return type == NoopJob.class ? (T) job : null;
            }
        };
        server = new BackgroundJobServer(storage, json, activator, config);
        server.start();
    }

    @Override
    public void stopWorkers() {
        if (server != null) {
            server.stop();
            server = null;
        }
    }

    @Override
    public long unfinished() throws Exception {
        try (Connection c = dataSource.getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM jobrunr_jobs WHERE state <> 'SUCCEEDED'")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Override
    public void clear() throws Exception {
        try (Connection c = dataSource.getConnection(); Statement st = c.createStatement()) {
            st.execute("TRUNCATE jobrunr_jobs");
        }
    }

    @Override
    public void close() {
        stopWorkers();
        storage.close();
        dataSource.close();
    }
}
