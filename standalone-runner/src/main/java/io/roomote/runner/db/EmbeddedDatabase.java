package io.roomote.runner.db;

import io.roomote.core.store.DatabaseUrl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * A PostgreSQL server run from the binaries on the class path, its data kept in {@code $ROOMOTE_HOME/postgres}
 * so that a restart keeps every job.
 *
 * <p>Roomote runs the server itself rather than through zonky's {@code EmbeddedPostgres}, whose JVM shutdown
 * hook stopped the database in parallel with Roomote's graceful stop (running jobs could not be handed back,
 * their last log lines were lost) and whose process it could not watch. Here:
 * <ul>
 *   <li>the database is stopped last, by {@link #close()}, after the workers have handed their jobs back;</li>
 *   <li>a server left running by a Roomote that died (kill -9, power cut of the JVM) is found by its
 *       {@code postmaster.pid} and stopped at the next start, while a live Roomote on the same home (it holds
 *       {@link HomeLock}) is refused with one clear line;</li>
 *   <li>if the server dies under a running Roomote it is restarted on the same port and data; if that keeps
 *       failing, {@code onFailure} is told, and the runner stops with that reason;</li>
 *   <li>it is durable (fsync, synchronous commit), takes password logins only (scram-sha-256; the password in
 *       {@code $ROOMOTE_HOME/postgres-password}, mode 0600) and starts with a minimal environment, so none of
 *       Roomote's secrets are in its {@code /proc/PID/environ}.</li>
 * </ul>
 */
public final class EmbeddedDatabase implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedDatabase.class);
    static final String DATABASE = "roomote";
    static final String LOG_FILE = "postgres.log";
    private static final long LOG_ROTATE_BYTES = 10L * 1024 * 1024;
    private static final int RESTART_ATTEMPTS = 8;

    private final HomeLock lock;
    private final Postmaster postmaster;
    private final DatabasePassword password;
    private final int port;
    private final Consumer<String> onFailure;
    private final Object lifecycle = new Object();
    private ProcessHandle process;
    private boolean closed;
    private volatile State state = State.STARTING;
    private volatile int restarts;

    /** What the supervisor knows of the server, for the health check. */
    public enum State {
        STARTING, RUNNING, RESTARTING, FAILED, STOPPED;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private EmbeddedDatabase(HomeLock lock, Postmaster postmaster, DatabasePassword password, int port,
                             Consumer<String> onFailure) {
        this.lock = lock;
        this.postmaster = postmaster;
        this.password = password;
        this.port = port;
        this.onFailure = onFailure;
    }

    /** Starts it; a server that dies for good is only logged (for {@code roomote migrate} and tests). */
    public static EmbeddedDatabase start(Path home, int port) {
        return start(home, port, reason -> { });
    }

    /**
     * Starts it on {@code port} (0: a free one). {@code onFailure} hears, once, that the server died and could
     * not be restarted.
     */
    public static EmbeddedDatabase start(Path home, int port, Consumer<String> onFailure) {
        try {
            Files.createDirectories(home);
        } catch (IOException e) {
            throw new IllegalStateException("could not create ROOMOTE_HOME " + home + ": " + e.getMessage(), e);
        }
        HomeLock lock = HomeLock.acquire(home);
        EmbeddedDatabase db = null;
        try {
            Path dataDir = home.resolve("postgres");
            Postmaster postmaster = new Postmaster(PostgresBinaries.unpackInto(home.resolve("pgsql")), dataDir,
                    prepareLogFile(home));
            postmaster.stopLeftover();
            DatabasePassword password = DatabasePassword.readOrCreate(home);
            boolean fresh = !Files.exists(dataDir.resolve("PG_VERSION"));
            if (fresh) {
                postmaster.initdb(password);
            } else if (password.created() || !PgHba.isCurrent(dataDir)) {
                log.info("moving the embedded PostgreSQL in {} to password logins (password in {})", dataDir,
                        password.file());
                postmaster.setPassword(password);
            }
            PgHba.write(dataDir);
            // Left by zonky's EmbeddedPostgres, which older Roomotes used.
            Files.deleteIfExists(dataDir.resolve("epg-lock"));
            db = new EmbeddedDatabase(lock, postmaster, password, port > 0 ? port : freePort(), onFailure);
            db.launch();
            db.createDatabaseIfMissing();
            log.info("{} embedded PostgreSQL on port {} with data in {}", fresh ? "Started a new" : "Started the",
                    db.port, dataDir);
            return db;
        } catch (IOException | RuntimeException e) {
            if (db != null) {
                db.close();
            } else {
                lock.close();
            }
            throw e instanceof IllegalStateException ise ? ise
                    : new IllegalStateException("could not start the embedded PostgreSQL in " + home + ": " + e.getMessage(), e);
        }
    }

    private void launch() {
        synchronized (lifecycle) {
            process = postmaster.start(port, password);
            state = State.RUNNING;
            ProcessHandle watched = process;
            watched.onExit().thenRun(() -> exited(watched));
        }
    }

    private void exited(ProcessHandle p) {
        synchronized (lifecycle) {
            if (closed || process != p) {
                return;
            }
        }
        state = State.RESTARTING;
        log.error("the embedded PostgreSQL (pid {}) stopped unexpectedly; restarting it on port {} (its log: {})",
                p.pid(), port, postmaster.logFile());
        Thread restarter = new Thread(this::restart, "embedded-postgres-restart");
        restarter.setDaemon(true);
        restarter.start();
    }

    private void restart() {
        String last = "";
        long delayMillis = 250;
        for (int attempt = 1; attempt <= RESTART_ATTEMPTS; attempt++) {
            synchronized (lifecycle) {
                if (closed) {
                    return;
                }
                try {
                    // Its children may still hold the old shared memory for a moment; then the next try works.
                    postmaster.stopLeftover();
                    launch();
                    restarts++;
                    log.info("restarted the embedded PostgreSQL on port {} (pid {})", port, process.pid());
                    return;
                } catch (RuntimeException e) {
                    last = e.getMessage();
                    log.warn("restarting the embedded PostgreSQL failed (try {} of {}): {}", attempt, RESTART_ATTEMPTS, last);
                }
            }
            try {
                Thread.sleep(delayMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            delayMillis = Math.min(delayMillis * 2, Duration.ofSeconds(5).toMillis());
        }
        String reason = "the embedded PostgreSQL stopped and could not be restarted (" + last + "); see "
                + postmaster.logFile();
        state = State.FAILED;
        log.error(reason);
        onFailure.accept(reason);
    }

    private void createDatabaseIfMissing() {
        try (Connection c = postmaster.connect(port, "postgres", password); Statement st = c.createStatement()) {
            try (PreparedStatement q = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
                q.setString(1, DATABASE);
                try (ResultSet rs = q.executeQuery()) {
                    if (rs.next()) {
                        return;
                    }
                }
            }
            st.execute("CREATE DATABASE " + DATABASE);
        } catch (SQLException e) {
            throw new IllegalStateException("could not create database " + DATABASE + ": " + e.getMessage(), e);
        }
    }

    public DatabaseUrl url() {
        return new DatabaseUrl("jdbc:postgresql://127.0.0.1:" + port + "/" + DATABASE, Postmaster.USER, password.value());
    }

    public int port() {
        return port;
    }

    public State state() {
        return state;
    }

    /** How many times the supervisor restarted the server since Roomote started. */
    public int restarts() {
        return restarts;
    }

    /** The server's process id, while it runs. */
    public long pid() {
        synchronized (lifecycle) {
            return process.pid();
        }
    }

    /** Stops the server (waiting for it to be gone) and releases the home. Call it after every other user. */
    @Override
    public void close() {
        ProcessHandle p;
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            closed = true;
            state = State.STOPPED;
            p = process;
        }
        try {
            if (p != null) {
                postmaster.stop(p);
            }
            postmaster.stopLeftover();
            log.info("stopped the embedded PostgreSQL");
        } finally {
            lock.close();
        }
    }

    private static Path prepareLogFile(Path home) throws IOException {
        Path file = home.resolve(LOG_FILE);
        if (Files.exists(file) && Files.size(file) > LOG_ROTATE_BYTES) {
            Files.move(file, home.resolve(LOG_FILE + ".1"), StandardCopyOption.REPLACE_EXISTING);
        }
        if (!Files.exists(file)) {
            try {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException notPosix) {
                Files.createFile(file);
            }
        }
        return file;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
