package io.roomote.jobs.github.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.roomote.core.store.Database;
import io.roomote.core.store.StoreException;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;

/**
 * Webhook deliveries by their GitHub delivery id, so that a redelivery is answered as the first time and
 * creates nothing. A delivery is claimed before it is processed; a claim whose handling failed is released
 * (so GitHub's redelivery runs it again), and a claim left without an answer for a minute (the process died)
 * may be taken over by a redelivery.
 */
public final class DeliveryRepository {

    /** The stored answer of a delivery. */
    public record Answer(int status, JsonNode body) {
    }

    /** Result of a claim: either this caller processes it, or the earlier answer. */
    public record Claim(boolean mine, Optional<Answer> earlier) {
    }

    private final Database database;
    private final ObjectMapper mapper;

    public DeliveryRepository(Database database, ObjectMapper mapper) {
        this.database = database;
        this.mapper = mapper;
    }

    public Claim claim(String deliveryId, String event, String action) {
        String insert = "INSERT INTO github_deliveries (delivery_id, event, action) VALUES (?, ?, ?)"
                + " ON CONFLICT (delivery_id) DO UPDATE SET received_at = now()"
                + " WHERE github_deliveries.response IS NULL AND github_deliveries.received_at < now() - interval '1 minute'"
                + " RETURNING delivery_id";
        try (Connection c = database.connection()) {
            try (PreparedStatement ps = c.prepareStatement(insert)) {
                ps.setString(1, deliveryId);
                ps.setString(2, event);
                ps.setString(3, action);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        return new Claim(true, Optional.empty());
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT status, response FROM github_deliveries WHERE delivery_id = ?")) {
                ps.setString(1, deliveryId);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next() && rs.getString(2) != null) {
                        return new Claim(false, Optional.of(new Answer(rs.getInt(1), read(rs.getString(2)))));
                    }
                }
            }
            return new Claim(false, Optional.empty());
        } catch (SQLException e) {
            throw new StoreException("could not record webhook delivery " + deliveryId, e);
        }
    }

    public void answer(String deliveryId, int status, JsonNode body, Long jobId) {
        try (Connection c = database.connection();
             PreparedStatement ps = c.prepareStatement(
                     "UPDATE github_deliveries SET status = ?, response = ?::jsonb, job_id = ? WHERE delivery_id = ?")) {
            ps.setInt(1, status);
            ps.setString(2, mapper.writeValueAsString(body));
            if (jobId == null) {
                ps.setNull(3, java.sql.Types.BIGINT);
            } else {
                ps.setLong(3, jobId);
            }
            ps.setString(4, deliveryId);
            ps.executeUpdate();
        } catch (SQLException | com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new StoreException("could not record the answer to webhook delivery " + deliveryId, e);
        }
    }

    /**
     * Gives up an unanswered claim after its handling failed, so that a redelivery of the same id is handled
     * afresh instead of being told {@code delivery_in_progress} forever. An answered delivery is kept.
     */
    public void release(String deliveryId) {
        try (Connection c = database.connection();
             PreparedStatement ps = c.prepareStatement(
                     "DELETE FROM github_deliveries WHERE delivery_id = ? AND response IS NULL")) {
            ps.setString(1, deliveryId);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new StoreException("could not release webhook delivery " + deliveryId
                    + "; a redelivery will be handled after a minute", e);
        }
    }

    private JsonNode read(String json) throws SQLException {
        try {
            return mapper.readTree(json);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new SQLException("stored webhook answer is not JSON", e);
        }
    }
}
