package io.roomote.core.store;

import io.roomote.spi.ModelCall;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** The model calls of jobs, {@code cloud_job_model_calls}: appended while a job runs, deleted with the job. */
public final class ModelCallRepository {

    /** Longest provider name kept; longer ones are cut (with an ellipsis). */
    public static final int MAX_PROVIDER = 100;
    /** Longest model name kept. */
    public static final int MAX_MODEL = 200;
    /** Longest error kept (as cloud_job_runs.error). */
    public static final int MAX_ERROR = 2000;

    /**
     * A stored call.
     *
     * @param id  its place in the job's calls (grows with each call; the cursor of {@link #list(long, long, int)})
     * @param run the job's run it was made in, as the log's sections number them
     */
    public record StoredModelCall(long id, long jobId, int run, ModelCall call) {
    }

    /**
     * The sums over a job's calls. Tokens a provider did not report count as 0.
     *
     * @param costUsd null when no call had a known cost
     */
    public record Totals(long calls, long tokensIn, long tokensOut, Double costUsd) {
        public static final Totals NONE = new Totals(0, 0, 0, null);
    }

    private static final String COLUMNS = "id, job_id, run, at, provider, model, tokens_in, tokens_out, cost_usd, status,"
            + " duration_ms, error";

    private final Database database;

    public ModelCallRepository(Database database) {
        this.database = database;
    }

    /**
     * Stores one call of attempt {@code attempt} of a job, labelled with the run that attempt belongs to (the newest
     * run with that attempt that had started when the call was made, as the log's lines are). Throws
     * {@link StoreException} when the database fails or the job does not exist.
     */
    public void record(long jobId, int attempt, ModelCall call) {
        String sql = "WITH v(job_id, attempt, at) AS (VALUES (?::bigint, ?::int, ?::timestamptz))"
                + " INSERT INTO cloud_job_model_calls (job_id, run, at, provider, model, tokens_in, tokens_out, cost_usd,"
                + " status, duration_ms, error)"
                + " SELECT v.job_id, coalesce("
                + "   (SELECT r.run FROM cloud_job_runs r WHERE r.job_id = v.job_id AND r.attempt = v.attempt"
                + "     AND r.started_at <= v.at + interval '1 second' ORDER BY r.run DESC LIMIT 1),"
                + "   (SELECT r.run FROM cloud_job_runs r WHERE r.job_id = v.job_id AND r.attempt = v.attempt"
                + "     ORDER BY r.run DESC LIMIT 1),"
                + "   v.attempt), v.at, ?, ?, ?, ?, ?, ?, ?, ? FROM v";
        try (Connection c = database.connection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setLong(1, jobId);
            ps.setInt(2, attempt);
            ps.setTimestamp(3, Timestamp.from(call.at() == null ? Instant.now() : call.at()));
            ps.setString(4, bounded(call.provider(), MAX_PROVIDER));
            ps.setString(5, bounded(call.model(), MAX_MODEL));
            setLong(ps, 6, call.tokensIn());
            setLong(ps, 7, call.tokensOut());
            Double cost = call.costUsd();
            if (cost == null || !Double.isFinite(cost)) {
                ps.setNull(8, Types.NUMERIC);
            } else {
                ps.setBigDecimal(8, BigDecimal.valueOf(cost));
            }
            ps.setInt(9, call.status());
            ps.setLong(10, call.durationMs());
            ps.setString(11, bounded(call.error(), MAX_ERROR));
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new StoreException("could not store a model call of job " + jobId, e);
        }
    }

    /** The first {@code limit} calls of a job, oldest first. */
    public List<StoredModelCall> list(long jobId, int limit) {
        return list(jobId, 0, limit);
    }

    /** Calls of a job after cursor {@code afterId} (0 for the start), oldest first. */
    public List<StoredModelCall> list(long jobId, long afterId, int limit) {
        return query("SELECT " + COLUMNS + " FROM cloud_job_model_calls WHERE job_id = ? AND id > ? ORDER BY id LIMIT ?",
                jobId, afterId, limit);
    }

    /** The last {@code limit} calls of a job, oldest first: what a page shows of a job that made many. */
    public List<StoredModelCall> tail(long jobId, int limit) {
        List<StoredModelCall> calls = query("SELECT " + COLUMNS + " FROM cloud_job_model_calls WHERE job_id = ? AND id > ?"
                + " ORDER BY id DESC LIMIT ?", jobId, 0, limit);
        Collections.reverse(calls);
        return calls;
    }

    /** The number of calls of a job and their sums. */
    public Totals totals(long jobId) {
        String sql = "SELECT count(*), coalesce(sum(tokens_in), 0), coalesce(sum(tokens_out), 0), sum(cost_usd)"
                + " FROM cloud_job_model_calls WHERE job_id = ?";
        try (Connection c = database.connection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setLong(1, jobId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                BigDecimal cost = rs.getBigDecimal(4);
                return new Totals(rs.getLong(1), rs.getLong(2), rs.getLong(3), cost == null ? null : cost.doubleValue());
            }
        } catch (SQLException e) {
            throw new StoreException("could not sum the model calls of job " + jobId, e);
        }
    }

    private List<StoredModelCall> query(String sql, long jobId, long afterId, int limit) {
        try (Connection c = database.connection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setLong(1, jobId);
            ps.setLong(2, afterId);
            ps.setInt(3, limit);
            List<StoredModelCall> calls = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    BigDecimal cost = rs.getBigDecimal(9);
                    ModelCall call = new ModelCall(rs.getTimestamp(4).toInstant(), rs.getString(5), rs.getString(6),
                            nullableLong(rs, 7), nullableLong(rs, 8), cost == null ? null : cost.doubleValue(),
                            rs.getInt(10), rs.getLong(11), rs.getString(12));
                    calls.add(new StoredModelCall(rs.getLong(1), rs.getLong(2), rs.getInt(3), call));
                }
            }
            return calls;
        } catch (SQLException e) {
            throw new StoreException("could not read the model calls of job " + jobId, e);
        }
    }

    /**
     * {@code s} as PostgreSQL text can hold it (NUL and lone surrogates replaced by U+FFFD), cut to {@code max}
     * characters with an ellipsis, never between the halves of a surrogate pair. The values come from model
     * providers' answers, which Roomote does not control.
     */
    static String bounded(String s, int max) {
        if (s == null) {
            return null;
        }
        StringBuilder b = new StringBuilder(Math.min(s.length(), max));
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean pair = Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
            int width = pair ? 2 : 1;
            if (b.length() + width > max - 1 && !fitsRest(s, i, max - b.length())) {
                return b.append('…').toString();
            }
            if (pair) {
                b.append(c).append(s.charAt(++i));
            } else {
                b.append(c == 0 || Character.isSurrogate(c) ? '\uFFFD' : c);
            }
        }
        return b.toString();
    }

    /** True when the rest of {@code s} from {@code from} is at most {@code room} characters: no ellipsis needed. */
    private static boolean fitsRest(String s, int from, int room) {
        return s.length() - from <= room;
    }

    private static void setLong(PreparedStatement ps, int index, Long value) throws SQLException {
        if (value == null) {
            ps.setNull(index, Types.BIGINT);
        } else {
            ps.setLong(index, value);
        }
    }

    private static Long nullableLong(ResultSet rs, int index) throws SQLException {
        long v = rs.getLong(index);
        return rs.wasNull() ? null : v;
    }
}
