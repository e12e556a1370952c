package io.roomote.core.queue;

import io.roomote.core.store.Database;
import io.roomote.core.util.Threads;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Holds one dedicated connection that {@code LISTEN}s on Roomote's channels and hands each notification to
 * its subscribers. Reconnects with backoff when the connection drops; polling covers the gap.
 */
public final class NotificationListener implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(NotificationListener.class);

    private final Database database;
    private final Map<String, List<Consumer<String>>> subscribers = new ConcurrentHashMap<>();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile boolean connected;
    private volatile Connection connection;
    private final java.util.concurrent.CountDownLatch firstConnect = new java.util.concurrent.CountDownLatch(1);

    public NotificationListener(Database database, List<String> channels) {
        this.database = database;
        for (String channel : channels) {
            subscribers.put(channel, new CopyOnWriteArrayList<>());
        }
        this.thread = new Thread(this::loop, "roomote-listen");
        this.thread.setDaemon(true);
    }

    /** Calls {@code handler} with the payload of every notification on {@code channel}. */
    public void subscribe(String channel, Consumer<String> handler) {
        List<Consumer<String>> list = subscribers.get(channel);
        if (list == null) {
            throw new IllegalArgumentException("not listening on channel " + channel);
        }
        list.add(handler);
    }

    /**
     * Starts listening and waits up to {@code patience} for the first {@code LISTEN}, so that a runner reports
     * itself healthy once it has started; past that it goes on connecting in the background (polling covers it).
     */
    public void start(java.time.Duration patience) {
        thread.start();
        try {
            firstConnect.await(patience.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public void start() {
        start(java.time.Duration.ZERO);
    }

    /** Whether the LISTEN connection is up right now. */
    public boolean isConnected() {
        return connected;
    }

    /** Reconnecting after the n-th lost connection in a row: 250 ms doubling to 30 s. */
    private static final io.roomote.core.util.Backoff RECONNECT =
            new io.roomote.core.util.Backoff(java.time.Duration.ofMillis(250), java.time.Duration.ofSeconds(30));

    private void loop() {
        int failures = 0;
        while (running) {
            try (Connection c = database.dedicatedConnection()) {
                connection = c;
                try (Statement st = c.createStatement()) {
                    for (String channel : subscribers.keySet()) {
                        st.execute("LISTEN " + channel);
                    }
                }
                connected = true;
                firstConnect.countDown();
                failures = 0;
                PGConnection pg = c.unwrap(PGConnection.class);
                while (running) {
                    PGNotification[] notes = pg.getNotifications(1_000);
                    if (notes == null) {
                        continue;
                    }
                    for (PGNotification n : notes) {
                        dispatch(n.getName(), n.getParameter());
                    }
                }
            } catch (SQLException e) {
                failures++;
                if (running) {
                    log.warn("LISTEN connection lost ({}); reconnecting in {} ms, polling meanwhile", e.getMessage(),
                            RECONNECT.after(failures).toMillis());
                }
            } finally {
                connected = false;
                connection = null;
            }
            if (running) {
                Threads.sleepQuietly(RECONNECT.after(Math.max(failures, 1)).toMillis());
            }
        }
    }

    private void dispatch(String channel, String payload) {
        for (Consumer<String> handler : subscribers.getOrDefault(channel, List.of())) {
            try {
                handler.accept(payload);
            } catch (RuntimeException e) {
                log.warn("a handler of channel {} failed: {}", channel, e.toString());
            }
        }
    }

    @Override
    public void close() {
        running = false;
        Connection c = connection;
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // closing anyway
            }
        }
        thread.interrupt();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
