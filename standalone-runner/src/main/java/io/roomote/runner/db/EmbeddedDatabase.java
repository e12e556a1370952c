package io.roomote.runner.db;

import io.roomote.core.store.DatabaseUrl;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * A PostgreSQL server started from the binaries on the class path, its data kept in
 * {@code $ROOMOTE_HOME/postgres} so that a restart keeps every job. Unlike zonky's test default it is made
 * durable: {@code fsync} and {@code synchronous_commit} are on, so a committed job survives a power cut.
 */
public final class EmbeddedDatabase implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedDatabase.class);
    static final String DATABASE = "roomote";

    private final EmbeddedPostgres postgres;

    private EmbeddedDatabase(EmbeddedPostgres postgres) {
        this.postgres = postgres;
    }

    public static EmbeddedDatabase start(Path home, int port) {
        Path dataDir = home.resolve("postgres");
        try {
            Files.createDirectories(home);
            boolean fresh = !Files.exists(dataDir.resolve("PG_VERSION"));
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                    .setDataDirectory(dataDir)
                    .setCleanDataDirectory(false)
                    // zonky starts postgres with -F (fsync off); these come after it and win.
                    .setServerConfig("fsync", "on")
                    .setServerConfig("synchronous_commit", "on")
                    .setServerConfig("full_page_writes", "on")
                    .setServerConfig("max_connections", "200");
            if (port > 0) {
                builder.setPort(port);
            }
            EmbeddedPostgres pg = builder.start();
            EmbeddedDatabase db = new EmbeddedDatabase(pg);
            db.createDatabaseIfMissing();
            log.info("{} embedded PostgreSQL on port {} with data in {}", fresh ? "Started a new" : "Started the",
                    pg.getPort(), dataDir);
            return db;
        } catch (IOException e) {
            String hint = Files.exists(dataDir.resolve("postmaster.pid"))
                    ? " Is another Roomote using " + home + "? Stop it, or set ROOMOTE_HOME to another folder." : "";
            throw new IllegalStateException("could not start the embedded PostgreSQL in " + dataDir + ": "
                    + e.getMessage() + "." + hint, e);
        }
    }

    private void createDatabaseIfMissing() {
        try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + DATABASE + "'")) {
                if (rs.next()) {
                    return;
                }
            }
            st.execute("CREATE DATABASE " + DATABASE);
        } catch (SQLException e) {
            throw new IllegalStateException("could not create database " + DATABASE + ": " + e.getMessage(), e);
        }
    }

    public DatabaseUrl url() {
        return DatabaseUrl.parse("jdbc:postgresql://localhost:" + postgres.getPort() + "/" + DATABASE + "?user=postgres");
    }

    public int port() {
        return postgres.getPort();
    }

    @Override
    public void close() {
        try {
            postgres.close();
        } catch (IOException e) {
            log.warn("embedded PostgreSQL did not stop cleanly: {}", e.getMessage());
        }
    }
}
