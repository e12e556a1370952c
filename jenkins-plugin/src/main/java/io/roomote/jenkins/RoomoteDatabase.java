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
 * <p>The pool and the migration are set up with the thread's context class loader set to this plugin's: the
 * calling thread may be a Pipeline's (whose context loader is the CPS script's) or a Jetty thread, and Flyway's
 * {@code Flyway.configure()} finds {@code classpath:db/migration} through the context loader; the PostgreSQL
 * driver is loaded through this plugin's class loader (it comes from the postgresql-api library plugin) so that {@code DriverManager.getDriver} (which Hikari calls
 * without a driver class name) accepts it for Hikari's caller class.
 */
final class RoomoteDatabase {

    private static final Logger LOGGER = Logger.getLogger(RoomoteDatabase.class.getName());
    private static final String DRIVER = "org.postgresql.Driver";

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
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        ClassLoader plugin = RoomoteDatabase.class.getClassLoader();
        thread.setContextClassLoader(plugin);
        try {
            Class.forName(DRIVER, true, plugin);
            Database db = new Database(DatabaseUrl.parse(url), 3);
            try {
                db.migrate();
            } catch (RuntimeException e) {
                db.close();
                throw e;
            }
            return db;
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("the PostgreSQL driver is missing from the Roomote plugin: " + e.getMessage(), e);
        } finally {
            thread.setContextClassLoader(previous);
        }
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
