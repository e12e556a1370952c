package io.roomote.core.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.roomote.core.jobs.JobStatus;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The jobs about one pull request, for the dashboard: the job that opened it (its result's {@code prNumber}) and
 * the review rounds on it (labels {@code repo} and {@code pr}). Repositories compare case-insensitively, as on
 * GitHub, through the {@code repo} label's index (V10), like the lists' {@code repo=} filter.
 */
public final class PullRequestJobs {

    /** What the dashboard shows of such a job. */
    public record PullRequestJob(long id, String type, JobStatus status, Instant createdAt, Instant completedAt,
                                 JsonNode payload, JsonNode result) {
    }

    private final Database database;
    private final ObjectMapper mapper;

    public PullRequestJobs(Database database, ObjectMapper mapper) {
        this.database = database;
        this.mapper = mapper;
    }

    /** Jobs of {@code type} labelled with pull request {@code pr} of {@code repo}, oldest first, at most {@code limit}. */
    public List<PullRequestJob> rounds(String type, String repo, int pr, int limit) {
        return query("SELECT * FROM cloud_jobs WHERE (labels ->> 'repo') IS NOT NULL AND lower(labels ->> 'repo') = lower(?)"
                + " AND type = ? AND labels @> jsonb_build_object('pr', ?::text) ORDER BY id LIMIT ?", repo, type,
                String.valueOf(pr), limit);
    }

    /** The newest job of {@code type} whose result says it opened pull request {@code pr} of {@code repo}. */
    public Optional<PullRequestJob> openedBy(String type, String repo, int pr) {
        return query("SELECT * FROM cloud_jobs WHERE (labels ->> 'repo') IS NOT NULL AND lower(labels ->> 'repo') = lower(?)"
                + " AND type = ? AND result ->> 'prNumber' = ? ORDER BY id DESC LIMIT ?", repo, type, String.valueOf(pr), 1)
                .stream().findFirst();
    }

    /** Job {@code id} when it is of {@code type}. */
    public Optional<PullRequestJob> find(String type, long id) {
        return query("SELECT * FROM cloud_jobs WHERE id = ? AND type = ?", id, type, null, null).stream().findFirst();
    }

    private List<PullRequestJob> query(String sql, Object a, Object b, Object c, Object d) {
        try (Connection conn = database.connection(); PreparedStatement ps = conn.prepareStatement(sql)) {
            Object[] args = {a, b, c, d};
            int i = 0;
            for (Object arg : args) {
                if (arg != null) {
                    ps.setObject(++i, arg);
                }
            }
            List<PullRequestJob> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new PullRequestJob(rs.getLong("id"), rs.getString("type"), JobStatus.fromDb(rs.getString("status")),
                            instant(rs.getTimestamp("created_at")), instant(rs.getTimestamp("completed_at")),
                            Json.read(mapper, rs.getString("payload")), Json.read(mapper, rs.getString("result"))));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new StoreException("could not read the jobs of a pull request", e);
        }
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }
}
