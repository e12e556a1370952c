package io.roomote.bench.soak;

import io.roomote.bench.soak.job.SoakJobType;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The soak's verdict, read from the database after the jobs ended: {@code cloud_jobs} (status, the result the
 * job returned: its token and whether its end was refused), {@code cloud_job_runs} (when each run started) and
 * the jobs' own {@code soak_effects}.
 */
final class SoakChecks {

    private final String url;
    private final SoakSettings settings;

    SoakChecks(String url, SoakSettings settings) {
        this.url = url;
        this.settings = settings;
    }

    SoakFigures check(List<SoakRun.Death> deaths, Duration postgresOutage, Duration total) throws SQLException {
        try (Connection c = DriverManager.getConnection(url)) {
            String type = SoakJobType.ID;
            // Lost: never enqueued, not completed, or completed without a committed side effect of its token.
            long lost = settings.jobs() - one(c, "SELECT count(*) FROM cloud_jobs WHERE type = ?", type)
                    + one(c, "SELECT count(*) FROM cloud_jobs j WHERE type = ? AND (status <> 'completed'"
                    + " OR NOT EXISTS (SELECT 1 FROM soak_effects e WHERE e.job_id = j.id"
                    + " AND e.token = (j.result->>'token')::bigint AND e.ended_at IS NOT NULL))", type);
            // Committed side effects of one job whose times overlap (pairs).
            long overlaps = one(c, "SELECT count(*) FROM soak_effects a JOIN soak_effects b ON a.job_id = b.job_id"
                    + " AND a.id < b.id WHERE a.ended_at IS NOT NULL AND b.ended_at IS NOT NULL"
                    + " AND a.started_at < b.ended_at AND b.started_at < a.ended_at");
            // An outcome from a token older than the job's newest, or from an attempt whose fenced end was refused.
            long stale = one(c, "SELECT count(*) FROM cloud_jobs j WHERE type = ? AND result IS NOT NULL"
                    + " AND ((j.result->>'refused')::boolean"
                    + " OR (j.result->>'token')::bigint < (SELECT max(token) FROM soak_effects e WHERE e.job_id = j.id))", type);
            long refused = one(c, "SELECT count(*) FROM soak_effects WHERE refused_at IS NOT NULL");
            long cutOff = one(c, "SELECT count(*) FROM soak_effects WHERE ended_at IS NULL AND refused_at IS NULL");
            long maxAttempts = one(c, "SELECT coalesce(max(attempts), 0) FROM cloud_jobs WHERE type = ?", type);

            long held = 0;
            long stuck = 0;
            int faultsThatHit = 0;
            Duration longestRecovery = Duration.ZERO;
            Duration longestPastExpiry = Duration.ZERO;
            for (SoakRun.Death death : deaths) {
                if (!death.held().isEmpty()) {
                    faultsThatHit++;
                }
                for (SoakRun.Held h : death.held()) {
                    held++;
                    Instant back = runningAgain(c, h);
                    if (back == null) {
                        stuck++;
                        continue;
                    }
                    Duration recovery = Duration.between(death.at(), back);
                    Duration pastExpiry = Duration.between(h.leaseExpiresAt(), back);
                    if (recovery.compareTo(longestRecovery) > 0) {
                        longestRecovery = recovery;
                    }
                    if (pastExpiry.compareTo(longestPastExpiry) > 0) {
                        longestPastExpiry = pastExpiry;
                    }
                    if (pastExpiry.compareTo(settings.lease()) > 0) {
                        stuck++;
                    }
                }
            }
            return new SoakFigures(settings, lost, overlaps, stale, stuck, longestRecovery, longestPastExpiry, total,
                    held, faultsThatHit, deaths.size(), refused, cutOff, maxAttempts, postgresOutage);
        }
    }

    /**
     * When a job a dead runner held ran again: the start of its next run, or, for a stopped runner that
     * finished the job itself after SIGCONT (nobody had taken it back), the end of that run. Null: never.
     */
    private static Instant runningAgain(Connection c, SoakRun.Held h) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT min(started_at) FROM cloud_job_runs WHERE job_id = ? AND run > ?")) {
            ps.setLong(1, h.jobId());
            ps.setInt(2, h.run());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                Timestamp next = rs.getTimestamp(1);
                if (next != null) {
                    return next.toInstant();
                }
            }
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT finished_at FROM cloud_job_runs"
                + " WHERE job_id = ? AND run = ? AND status = 'completed'")) {
            ps.setLong(1, h.jobId());
            ps.setInt(2, h.run());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getTimestamp(1).toInstant() : null;
            }
        }
    }

    private static long one(Connection c, String sql, String... params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setString(i + 1, params[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
