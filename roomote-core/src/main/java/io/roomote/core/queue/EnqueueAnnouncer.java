package io.roomote.core.queue;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Wakes idle runners after concurrent enqueues (a lone one notifies in its own transaction, see
 * {@link JobQueue#enqueue}), in a statement of its own after the enqueue has committed, and one at a time per
 * process: enqueues that commit while an announcement is under way are covered by the next one, which
 * names each of their types once. Why not {@code NOTIFY} inside the enqueue's transaction: PostgreSQL serialises
 * the commits of notifying transactions (a database-wide lock at commit), so every concurrent enqueue would wait
 * for the others' commits; here only announcements wait, and never an enqueue for another's announcement.
 * The thread that finds no announcement under way sends it itself (no hand-off to another thread on the
 * pickup path); what piles up meanwhile goes out from a drainer thread, so no enqueue waits on others' behalf
 * (under a steady flood, a caller that looped until nothing was left would never return). If the process dies
 * between an enqueue's commit and its announcement, runners find the job at their next poll
 * ({@code POLL_INTERVAL_MS}).
 */
final class EnqueueAnnouncer {

    private static final Logger log = LoggerFactory.getLogger(EnqueueAnnouncer.class);

    private final Consumer<List<String>> notify;
    private final Set<String> waiting = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean sending = new AtomicBoolean();
    /** Sends what piles up behind a caller's own announcement, so no caller loops on others' behalf. */
    private final ThreadPoolExecutor drainer = new ThreadPoolExecutor(0, 1, 1, TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(), r -> {
                Thread t = new Thread(r, "roomote-enqueue-announcer");
                t.setDaemon(true);
                return t;
            });

    /** @param notify sends one wake-up naming each of the types (e.g. one {@code pg_notify} per type) */
    EnqueueAnnouncer(Consumer<List<String>> notify) {
        this.notify = notify;
    }

    /**
     * Announces a job of {@code type}: now, on this thread, when no announcement is under way; else the one under
     * way's sender sees it afterwards and hands it, with whatever else came meanwhile, to the drainer thread.
     */
    void announce(String type) {
        waiting.add(type);
        // Added before trying, and checked again after each release: a type added while another thread sends is
        // either in that thread's round, or seen by it afterwards.
        if (sending.compareAndSet(false, true)) {
            try {
                sendWaiting();
            } finally {
                sending.set(false);
            }
            if (!waiting.isEmpty()) {
                drainer.execute(this::drain);
            }
        }
    }

    private void drain() {
        while (!waiting.isEmpty() && sending.compareAndSet(false, true)) {
            try {
                sendWaiting();
            } finally {
                sending.set(false);
            }
        }
    }

    private void sendWaiting() {
        List<String> types = new ArrayList<>(waiting.size());
        for (String t : waiting) {
            if (waiting.remove(t)) {
                types.add(t);
            }
        }
        if (types.isEmpty()) {
            return;
        }
        try {
            notify.accept(types);
        } catch (RuntimeException e) {
            log.debug("could not wake idle runners; they find the job at their next poll: {}", e.getMessage());
        }
    }
}
