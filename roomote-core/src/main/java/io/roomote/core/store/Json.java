package io.roomote.core.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import org.postgresql.util.PGobject;

import java.sql.SQLException;

/** The JSON mapper Roomote uses everywhere, and jsonb conversion for JDBC. */
public final class Json {

    private Json() {
    }

    public static ObjectMapper newMapper() {
        return new ObjectMapper()
                .registerModule(new JavaTimeModule())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    }

    static PGobject jsonb(ObjectMapper mapper, JsonNode node) throws SQLException {
        if (node == null || node.isMissingNode()) {
            return null;
        }
        PGobject obj = new PGobject();
        obj.setType("jsonb");
        try {
            obj.setValue(mapper.writeValueAsString(node));
        } catch (JsonProcessingException e) {
            throw new SQLException("cannot serialise JSON", e);
        }
        return obj;
    }

    /** The JSON text of {@code node}, as {@link #jsonb} stores it; null for no value. */
    static String text(ObjectMapper mapper, JsonNode node) {
        if (node == null || node.isMissingNode()) {
            return null;
        }
        try {
            return mapper.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new StoreException("cannot serialise JSON", e);
        }
    }

    static JsonNode read(ObjectMapper mapper, String text) throws SQLException {
        if (text == null) {
            return null;
        }
        try {
            return mapper.readTree(text);
        } catch (JsonProcessingException e) {
            throw new SQLException("stored JSON is unreadable", e);
        }
    }
}
