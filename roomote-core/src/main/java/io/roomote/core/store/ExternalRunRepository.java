package io.roomote.core.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;

/**
 * Runs that happen outside Roomote's queue (a Jenkins build running the fix step) but are recorded in
 * {@code cloud_jobs}, so the dashboard and the API list them beside queued jobs. Such a row is inserted as
 * {@code processing} (attempt 1 of 1) with a lease that covers the run's deadline; no worker claims it (only
 * {@code pending} jobs are claimed), and it is settled through {@link JobRepository}'s fenced writes with the
 * returned token. If the outside runner dies, a reaper fails the row when the lease expires.
 */
public final class ExternalRunRepository {

    private static final String INSERT = "INSERT INTO cloud_jobs (type, status, payload, dedupe_key, max_attempts,"
            + " attempts, started_at, lease_owner, lease_token, lease_expires_at, heartbeat_at, labels)"
            + " VALUES (?, 'processing', ?, ?, 1, 1, now(), ?, nextval('cloud_jobs_lease_token_seq'),"
            + " now() + (? * interval '1 millisecond'), now(), ?::jsonb)"
            + " ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL AND status IN ('pending', 'processing')"
            + " DO NOTHING RETURNING id, lease_token";

    private final Database database;
    private final ObjectMapper mapper;

    public ExternalRunRepository(Database database, ObjectMapper mapper) {
        this.database = database;
        this.mapper = mapper;
    }

    /**
     * A recorded run: its job id, the fencing token of its lease, and the active job that already held the dedupe
     * key when it began (then the run is recorded without the key).
     */
    public record Begun(long jobId, long token, Optional<Long> heldBy) {
    }

    /**
     * Records a run as processing. It takes {@code dedupeKey} when no active job holds it, so a queued job for the
     * same work is answered {@code job_already_active} while the run goes on.
     *
     * @param owner    shown as the job's worker, e.g. {@code jenkins:https://ci.example.com/job/fix/12/}
     * @param leaseFor the run's deadline plus its grace: after that, a reaper may fail the row
     */
    public Begun begin(String type, JsonNode payload, String dedupeKey, String owner, Duration leaseFor) {
        return begin(type, payload, java.util.Map.of(), dedupeKey, owner, leaseFor);
    }

    /** As {@link #begin(String, JsonNode, String, String, Duration)}, with the labels its job type gives. */
    public Begun begin(String type, JsonNode payload, java.util.Map<String, String> labels, String dedupeKey,
                       String owner, Duration leaseFor) {
        String labelsJson = Json.text(mapper, mapper.valueToTree(labels));
        try (Connection c = database.connection()) {
            Optional<long[]> row = insert(c, type, payload, labelsJson, dedupeKey, owner, leaseFor);
            if (row.isPresent()) {
                return new Begun(row.get()[0], row.get()[1], Optional.empty());
            }
            Optional<Long> holder = activeHolder(c, dedupeKey);
            long[] again = insert(c, type, payload, labelsJson, null, owner, leaseFor)
                    .orElseThrow(() -> new StoreException("could not record the " + type + " run", null));
            return new Begun(again[0], again[1], holder);
        } catch (SQLException e) {
            throw new StoreException("could not record the " + type + " run", e);
        }
    }

    /** True once someone asked (through the API or the dashboard) to cancel the job. */
    public boolean cancelRequested(long jobId) {
        try (Connection c = database.connection();
             PreparedStatement ps = c.prepareStatement("SELECT cancel_requested FROM cloud_jobs WHERE id = ?")) {
            ps.setLong(1, jobId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        } catch (SQLException e) {
            throw new StoreException("could not read job " + jobId, e);
        }
    }

    private Optional<long[]> insert(Connection c, String type, JsonNode payload, String labelsJson, String dedupeKey,
                                    String owner, Duration leaseFor) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(INSERT)) {
            ps.setString(1, type);
            ps.setObject(2, Json.jsonb(mapper, payload));
            ps.setString(3, dedupeKey);
            ps.setString(4, owner);
            ps.setLong(5, leaseFor.toMillis());
            ps.setString(6, labelsJson);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(new long[] {rs.getLong(1), rs.getLong(2)}) : Optional.empty();
            }
        }
    }

    private static Optional<Long> activeHolder(Connection c, String dedupeKey) throws SQLException {
        if (dedupeKey == null) {
            return Optional.empty();
        }
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT id FROM cloud_jobs WHERE dedupe_key = ? AND status IN ('pending', 'processing')")) {
            ps.setString(1, dedupeKey);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getLong(1)) : Optional.empty();
            }
        }
    }
}
