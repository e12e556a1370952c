package io.roomote.bench.peers.dbscheduler;

import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.SchedulerBuilder;
import com.github.kagkarlsson.scheduler.SchedulerClient;
import com.github.kagkarlsson.scheduler.task.TaskInstance;
import com.github.kagkarlsson.scheduler.task.helper.OneTimeTask;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
import com.zaxxer.hikari.HikariDataSource;
import io.roomote.bench.StartProbe;
import io.roomote.bench.peers.Pools;
import io.roomote.bench.peers.QueueUnderTest;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * db-scheduler with a one-time task per job. A finished one-time task's row is deleted, so the jobs not yet
 * finished are the rows left. Enqueues go through the running {@link Scheduler} when there is one (that is what
 * lets {@code enableImmediateExecution} start a job without waiting for a poll), else through a client.
 */
public final class DbSchedulerUnderTest implements QueueUnderTest {

    /**
     * DEFAULTS: {@code Scheduler.create(…).threads(n)} only (10 s poll, fetch-and-lock-on-execute). TUNED: what
     * db-scheduler offers for throughput and latency on PostgreSQL: lock-and-fetch polling
     * ({@code SELECT … FOR UPDATE SKIP LOCKED}, lower limit 0.5, upper 1.0 of the threads), a 100 ms poll, and
     * immediate execution of jobs scheduled through the running scheduler.
     */
    public enum Tuning { DEFAULTS, TUNED }

    /** db-scheduler's PostgreSQL table (its {@code postgresql_tables.sql}, 16.x, with the priority column). */
    private static final String DDL = "CREATE TABLE IF NOT EXISTS scheduled_tasks ("
            + " task_name text NOT NULL, task_instance text NOT NULL, task_data bytea,"
            + " execution_time timestamp with time zone NOT NULL, picked boolean NOT NULL, picked_by text,"
            + " last_success timestamp with time zone, last_failure timestamp with time zone, consecutive_failures int,"
            + " last_heartbeat timestamp with time zone, version bigint NOT NULL, priority smallint,"
            + " PRIMARY KEY (task_name, task_instance));"
            + " CREATE INDEX IF NOT EXISTS execution_time_idx ON scheduled_tasks (execution_time);"
            + " CREATE INDEX IF NOT EXISTS last_heartbeat_idx ON scheduled_tasks (last_heartbeat);"
            + " CREATE INDEX IF NOT EXISTS priority_execution_time_idx ON scheduled_tasks (priority DESC, execution_time ASC)";

    private final Tuning tuning;
    private final HikariDataSource dataSource;
    private final OneTimeTask<Long> task;
    private final SchedulerClient client;
    private Scheduler scheduler;

    public DbSchedulerUnderTest(String url, StartProbe probe, Tuning tuning) throws Exception {
        this.tuning = tuning;
        this.dataSource = Pools.hikari(url, "db-scheduler");
        try (Connection c = dataSource.getConnection(); Statement st = c.createStatement()) {
            st.execute(DDL);
        }
        this.task = Tasks.oneTime("bench-noop", Long.class)
                .execute((instance, context) -> probe.started(instance.getData(), System.nanoTime()));
        this.client = SchedulerClient.Builder.create(dataSource, task).build();
    }

    @Override
    public String name() {
        String v = Scheduler.class.getPackage().getImplementationVersion();
        return "db-scheduler " + (v == null ? "16.7.1" : v) + (tuning == Tuning.TUNED ? ", tuned" : ", defaults");
    }

    @Override
    public Duration pollInterval() {
        return tuning == Tuning.TUNED ? Duration.ofMillis(100) : SchedulerBuilder.DEFAULT_POLLING_INTERVAL;
    }

    private SchedulerClient schedulerClient() {
        return scheduler != null ? scheduler : client;
    }

    @Override
    public void enqueue(long seq) {
        schedulerClient().schedule(task.instance("j" + seq, seq), Instant.now());
    }

    @Override
    public void enqueueBatch(List<Long> seqs) {
        List<TaskInstance<?>> instances = seqs.stream().<TaskInstance<?>>map(s -> task.instance("j" + s, s)).toList();
        schedulerClient().scheduleBatch(instances, Instant.now());
    }

    @Override
    public void startWorkers(int workers) {
        SchedulerBuilder builder = Scheduler.create(dataSource, task).threads(workers);
        if (tuning == Tuning.TUNED) {
            builder = builder.pollUsingLockAndFetch(0.5, 1.0).pollingInterval(pollInterval())
                    .enableImmediateExecution();
        }
        scheduler = builder.build();
        scheduler.start();
    }

    @Override
    public void stopWorkers() {
        if (scheduler != null) {
            scheduler.stop();
            scheduler = null;
        }
    }

    @Override
    public long unfinished() throws Exception {
        try (Connection c = dataSource.getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM scheduled_tasks")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Override
    public void clear() throws Exception {
        try (Connection c = dataSource.getConnection(); Statement st = c.createStatement()) {
            st.execute("TRUNCATE scheduled_tasks");
        }
    }

    @Override
    public void close() {
        stopWorkers();
        dataSource.close();
    }
}
