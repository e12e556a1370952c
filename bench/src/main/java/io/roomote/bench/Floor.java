package io.roomote.bench;

import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * What the platform itself costs, with no Roomote code: one durable commit, the delivery of a {@code NOTIFY}
 * to a connection blocked in {@code LISTEN} (as Roomote's listener is), and the start of a new thread and the
 * creation of a directory on a machine that was idle just before (as each job attempt does today). They put
 * the queue's own figures in proportion.
 */
final class Floor {

    private final String jdbcUrl;

    Floor(String jdbcUrl) {
        this.jdbcUrl = jdbcUrl;
    }

    /** Latencies of {@code n} single-row autocommit inserts from one connection, {@code gapMs} apart. */
    long[] commits(int n, long gapMs) throws SQLException, InterruptedException {
        long[] samples = new long[n];
        try (Connection c = DriverManager.getConnection(jdbcUrl)) {
            try (Statement st = c.createStatement()) {
                st.execute("CREATE TABLE IF NOT EXISTS bench_commit (id bigint, at timestamptz DEFAULT now())");
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO bench_commit (id) VALUES (?)")) {
                for (int i = 0; i < n; i++) {
                    long t0 = System.nanoTime();
                    ps.setLong(1, i);
                    ps.executeUpdate();
                    samples[i] = System.nanoTime() - t0;
                    if (gapMs > 0) {
                        Thread.sleep(gapMs);
                    }
                }
            }
        }
        return samples;
    }

    /** Notify latencies: [0] commit of {@code pg_notify} returned → listener got it; [1] call → listener got it. */
    long[][] notifies(int n, long spacingMs) throws Exception {
        ConcurrentHashMap<String, CompletableFuture<Long>> waiting = new ConcurrentHashMap<>();
        long[] beyondCommit = new long[n];
        long[] total = new long[n];
        try (Connection listen = DriverManager.getConnection(jdbcUrl);
             Connection send = DriverManager.getConnection(jdbcUrl);
             PreparedStatement notify = send.prepareStatement("SELECT pg_notify('bench_floor', ?)")) {
            try (Statement st = listen.createStatement()) {
                st.execute("LISTEN bench_floor");
            }
            Thread listener = new Thread(() -> receive(listen, waiting), "bench-floor-listen");
            listener.setDaemon(true);
            listener.start();
            try {
                for (int i = 0; i < n; i++) {
                    CompletableFuture<Long> received = waiting.computeIfAbsent(Integer.toString(i), k -> new CompletableFuture<>());
                    long t0 = System.nanoTime();
                    notify.setString(1, Integer.toString(i));
                    notify.executeQuery().close();
                    long committed = System.nanoTime();
                    long at = received.get(10, TimeUnit.SECONDS);
                    beyondCommit[i] = at - committed;
                    total[i] = at - t0;
                    Thread.sleep(spacingMs);
                }
            } finally {
                listener.interrupt();
            }
        }
        return new long[][]{beyondCommit, total};
    }

    /** Blocks in the driver like Roomote's listener does, so the wake-up path is the same. */
    private static void receive(Connection listen, ConcurrentHashMap<String, CompletableFuture<Long>> waiting) {
        try {
            PGConnection pg = listen.unwrap(PGConnection.class);
            while (!Thread.currentThread().isInterrupted()) {
                PGNotification[] notes = pg.getNotifications(1_000);
                long at = System.nanoTime();
                if (notes != null) {
                    for (PGNotification note : notes) {
                        waiting.computeIfAbsent(note.getParameter(), k -> new CompletableFuture<>()).complete(at);
                    }
                }
            }
        } catch (SQLException e) {
            // closed at the end of the measurement
        }
    }

    /** Times from {@code start()} of a new platform thread until it runs, each after {@code gapMs} idle. */
    static long[] threadStarts(int n, long gapMs) throws Exception {
        long[] samples = new long[n];
        for (int i = 0; i < n; i++) {
            CompletableFuture<Long> ran = new CompletableFuture<>();
            Thread t = new Thread(() -> ran.complete(System.nanoTime()), "bench-floor-thread");
            t.setDaemon(true);
            long t0 = System.nanoTime();
            t.start();
            samples[i] = ran.get() - t0;
            t.join();
            Thread.sleep(gapMs);
        }
        return samples;
    }

    /** Times of {@link Files#createTempDirectory} under {@code root}, each after {@code gapMs} idle. */
    static long[] tempDirectories(Path root, int n, long gapMs) throws Exception {
        long[] samples = new long[n];
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            Path dir = Files.createTempDirectory(root, "floor-");
            samples[i] = System.nanoTime() - t0;
            Files.delete(dir);
            Thread.sleep(gapMs);
        }
        return samples;
    }
}
