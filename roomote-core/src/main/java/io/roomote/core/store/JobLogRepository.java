package io.roomote.core.store;

import io.roomote.core.jobs.JobLogLine;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;

/** The append-only {@code cloud_job_logs} table. */
public final class JobLogRepository {

    /** A line to store. */
    public record Entry(long jobId, int attempt, String level, String line, java.time.Instant at) {
    }

    private final Database database;

    public JobLogRepository(Database database) {
        this.database = database;
    }

    /** The insert of a batch of lines; its five array parameters are set by {@link #bind}. */
    static final String INSERT = "INSERT INTO cloud_job_logs (job_id, attempt, level, line, logged_at)"
            + " SELECT * FROM unnest(?::bigint[], ?::int[], ?::text[], ?::text[], ?::timestamptz[])";

    /** Stores lines in one transaction, in order. */
    public void append(List<Entry> entries) {
        if (entries.isEmpty()) {
            return;
        }
        try (Connection c = database.connection(); PreparedStatement ps = c.prepareStatement(INSERT)) {
            bind(c, ps, 1, entries);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new StoreException("could not store " + entries.size() + " log line(s)", e);
        }
    }

    /** Sets {@link #INSERT}'s five parameters from {@code first} on; returns the next parameter's index. */
    static int bind(Connection c, PreparedStatement ps, int first, List<Entry> entries) throws SQLException {
        int n = entries.size();
        Object[] jobIds = new Object[n];
        Object[] attempts = new Object[n];
        Object[] levels = new Object[n];
        Object[] lines = new Object[n];
        Object[] times = new Object[n];
        for (int i = 0; i < n; i++) {
            Entry e = entries.get(i);
            jobIds[i] = e.jobId();
            attempts[i] = e.attempt();
            levels[i] = e.level();
            // PostgreSQL text cannot hold NUL; agents do print it.
            lines[i] = e.line().replace('\0', '\uFFFD');
            times[i] = Timestamp.from(e.at());
        }
        ps.setArray(first, c.createArrayOf("bigint", jobIds));
        ps.setArray(first + 1, c.createArrayOf("int4", attempts));
        ps.setArray(first + 2, c.createArrayOf("text", levels));
        ps.setArray(first + 3, c.createArrayOf("text", lines));
        ps.setArray(first + 4, c.createArrayOf("timestamptz", times));
        return first + 5;
    }

    /** Lines of a job after cursor {@code afterSeq} (0 for the start), oldest first. */
    public List<JobLogLine> read(long jobId, long afterSeq, int limit) {
        String sql = "SELECT id, job_id, attempt, level, line, logged_at FROM cloud_job_logs"
                + " WHERE job_id = ? AND id > ? ORDER BY id LIMIT ?";
        try (Connection c = database.connection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setLong(1, jobId);
            ps.setLong(2, afterSeq);
            ps.setInt(3, limit);
            return lines(ps);
        } catch (SQLException e) {
            throw new StoreException("could not read the log of job " + jobId, e);
        }
    }

    /** The last {@code limit} lines of a job, oldest first. */
    public List<JobLogLine> tail(long jobId, int limit) {
        String sql = "SELECT * FROM (SELECT id, job_id, attempt, level, line, logged_at FROM cloud_job_logs"
                + " WHERE job_id = ? ORDER BY id DESC LIMIT ?) t ORDER BY id";
        try (Connection c = database.connection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setLong(1, jobId);
            ps.setInt(2, limit);
            return lines(ps);
        } catch (SQLException e) {
            throw new StoreException("could not read the log of job " + jobId, e);
        }
    }

    /** How many lines a job's log has. */
    public long count(long jobId) {
        try (Connection c = database.connection();
             PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM cloud_job_logs WHERE job_id = ?")) {
            ps.setLong(1, jobId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw new StoreException("could not count the log of job " + jobId, e);
        }
    }

    private static List<JobLogLine> lines(PreparedStatement ps) throws SQLException {
        List<JobLogLine> lines = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                lines.add(new JobLogLine(rs.getLong(1), rs.getLong(2), rs.getInt(3), rs.getString(4),
                        rs.getString(5), rs.getTimestamp(6).toInstant()));
            }
        }
        return lines;
    }
}
