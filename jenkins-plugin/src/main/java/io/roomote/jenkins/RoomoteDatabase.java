package io.roomote.jenkins;

import edu.umd.cs.findbugs.annotations.CheckForNull;
import io.roomote.core.store.Database;
import io.roomote.core.store.DatabaseUrl;

import java.util.Objects;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The optional Roomote database of the global configuration, opened on first use and reopened when the URL
 * changes. It has its own lock: the configuration's monitor is the one core's {@code Descriptor.save()}
 * ({@code public synchronized void save()}) takes, so opening a slow database under it would block
 * <i>Save</i> on Manage Jenkins » System. Callers that find the pool being opened wait for this lock only.
 * <p>The calling thread may be a Pipeline's (whose context loader is the CPS script's) or a Jetty thread: core's
 * {@link Database} names the PostgreSQL driver class to Hikari and gives Flyway its own class loader, so neither
 * depends on the thread's context class loader (roomote-core's {@code DatabaseClassLoaderTest}).
 */
final class RoomoteDatabase {

    private static final Logger LOGGER = Logger.getLogger(RoomoteDatabase.class.getName());

    private final Object lock = new Object();
    private Database database;
    private String openedFor;

    /** The database for {@code url} (null: none, and any open pool is closed). */
    Optional<Database> forUrl(@CheckForNull String url) {
        synchronized (lock) {
            if (url == null) {
                close();
                return Optional.empty();
            }
            if (database == null || !Objects.equals(url, openedFor)) {
                close();
                database = open(url);
                openedFor = url;
            }
            return Optional.of(database);
        }
    }

    private static Database open(String url) {
        Database db = new Database(DatabaseUrl.parse(url), 3);
        try {
            db.migrate();
        } catch (RuntimeException e) {
            db.close();
            throw e;
        }
        return db;
    }

    private void close() {
        if (database != null) {
            try {
                database.close();
            } catch (RuntimeException e) {
                LOGGER.log(Level.FINE, "closing the Roomote database", e);
            }
            database = null;
            openedFor = null;
        }
    }
}
