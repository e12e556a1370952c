package io.roomote.bench.soak.job;

import io.roomote.spi.JobContext;
import io.roomote.spi.JobFailedException;
import io.roomote.spi.JobType;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;

/**
 * The crash soak's job type, loaded by the runners as a plugin jar (the soak writes the jar; see
 * {@code CrashSoak}). Its side effect is a row in {@code soak_effects} of the runners' own database, written the
 * way a job that respects fencing writes: the start reads the job's current lease token (the SPI does not hand
 * it to jobs) and records it; the end is committed only while that token still holds the lease, else the row
 * is marked refused. After a refused end the job still returns normally, so that the runner tries to record
 * the outcome with its stale token: the queue's fence, not the job, must stop that.
 *
 * <p>Only the SPI and JDBC (the runner's PostgreSQL driver) are used: nothing of the bench is visible to it.
 */
public final class SoakJobType implements JobType<SoakJobType.Payload, SoakJobType.Result> {

    public static final String ID = "bench.soak";
    /** JDBC URL of the database, with user and password in it. */
    public static final String URL_SETTING = "SOAK_JDBC_URL";

    /** @param seq the soak's own number; @param sleepMillis how long the job works between start and end */
    public record Payload(int seq, long sleepMillis) {
    }

    /**
     * @param token    the lease token the job read at its start
     * @param effectId its {@code soak_effects} row
     * @param refused  true when the fence refused the end (the lease had been taken back)
     */
    public record Result(int seq, long token, int attempt, long effectId, boolean refused) {
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public Class<Payload> payloadType() {
        return Payload.class;
    }

    @Override
    public Result run(Payload payload, JobContext context) throws Exception {
        String url = context.config().get(URL_SETTING)
                .orElseThrow(() -> JobFailedException.permanent(URL_SETTING + " is not set"));
        long token;
        long effectId;
        try (Connection c = DriverManager.getConnection(url)) {
            c.setAutoCommit(false);
            // FOR SHARE: the token cannot change (be reclaimed) between this read and the insert's commit.
            try (PreparedStatement ps = c.prepareStatement("SELECT lease_token FROM cloud_jobs"
                    + " WHERE id = ? AND attempts = ? AND status = 'processing' FOR SHARE")) {
                ps.setLong(1, context.jobId());
                ps.setInt(2, context.attempt());
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        throw JobFailedException.retryable("attempt " + context.attempt() + " no longer holds the lease", null);
                    }
                    token = rs.getLong(1);
                }
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO soak_effects (job_id, attempt, token, runner_pid,"
                    + " started_at) VALUES (?, ?, ?, ?, clock_timestamp()) RETURNING id")) {
                ps.setLong(1, context.jobId());
                ps.setInt(2, context.attempt());
                ps.setLong(3, token);
                ps.setLong(4, ProcessHandle.current().pid());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    effectId = rs.getLong(1);
                }
            }
            c.commit();
        } catch (SQLException e) {
            throw JobFailedException.retryable("could not record the start: " + e.getMessage(), e);
        }

        // Works (sleeps) until done or cancelled; a cancelled job still tries its fenced end, like one that
        // saves what it has.
        long until = System.nanoTime() + Duration.ofMillis(payload.sleepMillis()).toNanos();
        while (!context.cancellation().isCancelled()) {
            long left = until - System.nanoTime();
            if (left <= 0) {
                break;
            }
            Thread.sleep(Math.min(50, Math.max(1, left / 1_000_000)));
        }

        boolean refused = end(url, context, token, effectId);
        return new Result(payload.seq(), token, context.attempt(), effectId, refused);
    }

    /** The fenced end, retried through a database restart for up to the cancel grace; true when refused. */
    private static boolean end(String url, JobContext context, long token, long effectId) throws Exception {
        long deadline = System.nanoTime() + Math.max(context.cancelGrace().toNanos(), Duration.ofSeconds(15).toNanos());
        while (true) {
            try (Connection c = DriverManager.getConnection(url)) {
                c.setAutoCommit(false);
                boolean holds;
                try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM cloud_jobs"
                        + " WHERE id = ? AND lease_token = ? AND status = 'processing' FOR SHARE")) {
                    ps.setLong(1, context.jobId());
                    ps.setLong(2, token);
                    try (ResultSet rs = ps.executeQuery()) {
                        holds = rs.next();
                    }
                }
                try (PreparedStatement ps = c.prepareStatement("UPDATE soak_effects SET "
                        + (holds ? "ended_at" : "refused_at") + " = clock_timestamp() WHERE id = ?")) {
                    ps.setLong(1, effectId);
                    ps.executeUpdate();
                }
                c.commit();
                return !holds;
            } catch (SQLException e) {
                if (System.nanoTime() > deadline) {
                    throw JobFailedException.retryable("could not record the end: " + e.getMessage(), e);
                }
                Thread.sleep(250);
            }
        }
    }
}
