package io.roomote.core.testing;

import io.roomote.core.store.Database;
import io.roomote.core.store.DatabaseUrl;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real PostgreSQL (zonky's embedded binaries) shared by the tests of one JVM; every test gets a database
 * of its own, so tests never see each other's jobs. Test fixture only.
 */
public final class TestDatabases {

    private static final AtomicInteger COUNTER = new AtomicInteger();

    private TestDatabases() {
    }

    private static final class Holder {
        static final EmbeddedPostgres POSTGRES = startPostgres();

        private static EmbeddedPostgres startPostgres() {
            try {
                EmbeddedPostgres pg = EmbeddedPostgres.builder().start();
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    try {
                        pg.close();
                    } catch (IOException ignored) {
                        // exiting
                    }
                }));
                return pg;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start embedded PostgreSQL", e);
            }
        }
    }

    /** A JDBC URL of a new, empty database. */
    public static String freshJdbcUrl() {
        String name = "roomote_test_" + COUNTER.incrementAndGet();
        try (Connection c = Holder.POSTGRES.getPostgresDatabase().getConnection();
             Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return "jdbc:postgresql://localhost:" + Holder.POSTGRES.getPort() + "/" + name + "?user=postgres";
    }

    /** A migrated, empty database with its pool. */
    public static Database fresh() {
        Database db = new Database(DatabaseUrl.parse(freshJdbcUrl()), 20);
        db.migrate();
        return db;
    }
}
