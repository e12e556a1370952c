package io.roomote.core.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Job types whose claiming is paused across all runners ({@code cloud_job_type_pauses}). The claim query of
 * {@link JobRepository} reads the table in the same statement, so a pause holds for every runner from its next
 * claim on, with no cache to go stale; running jobs finish as usual. Resuming wakes idle runners.
 */
public final class JobTypePauses {

    /** A paused type, since when, and who paused it (free text such as {@code dashboard} or {@code api}). */
    public record Paused(String type, Instant since, String by) {
    }

    private final Database database;

    public JobTypePauses(Database database) {
        this.database = database;
    }

    /** Pauses claiming of {@code type}; true when it was not paused before. */
    public boolean pause(String type, String by) {
        try (Connection c = database.connection();
             PreparedStatement ps = c.prepareStatement("INSERT INTO cloud_job_type_pauses (type, paused_by) VALUES (?, ?)"
                     + " ON CONFLICT (type) DO NOTHING")) {
            ps.setString(1, type);
            ps.setString(2, by);
            return ps.executeUpdate() == 1;
        } catch (SQLException e) {
            throw new StoreException("could not pause job type " + type, e);
        }
    }

    /** Resumes claiming of {@code type} and wakes idle runners; true when it was paused. */
    public boolean resume(String type) {
        String sql = "WITH d AS (DELETE FROM cloud_job_type_pauses WHERE type = ? RETURNING type)"
                + " SELECT pg_notify('" + JobRepository.JOBS_CHANNEL + "', d.type) FROM d";
        try (Connection c = database.connection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, type);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        } catch (SQLException e) {
            throw new StoreException("could not resume job type " + type, e);
        }
    }

    /** The paused types, by name. */
    public List<Paused> paused() {
        try (Connection c = database.connection();
             PreparedStatement ps = c.prepareStatement("SELECT type, paused_at, paused_by FROM cloud_job_type_pauses ORDER BY type");
             ResultSet rs = ps.executeQuery()) {
            List<Paused> out = new ArrayList<>();
            while (rs.next()) {
                out.add(new Paused(rs.getString(1), rs.getTimestamp(2).toInstant(), rs.getString(3)));
            }
            return out;
        } catch (SQLException e) {
            throw new StoreException("could not read the paused job types", e);
        }
    }
}
