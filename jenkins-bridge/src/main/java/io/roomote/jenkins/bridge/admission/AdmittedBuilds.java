package io.roomote.jenkins.bridge.admission;

import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * The queue items the concurrency cap has let through and that have not started yet. Jenkins' queue
 * maintenance can move several waiting items to buildable in one pass while {@code Queue.getPendingItems()}
 * is a snapshot that pass does not refresh (core's {@code Queue.maintain}: no {@code updateSnapshot()} after
 * the waiting list's items are made buildable), so counting the snapshot lets a burst through. The plugin's
 * dispatcher counts, instead, the Roomote builds running on executors plus the items admitted here; the
 * plugin's {@code QueueListener} releases an item when it leaves the queue (started, which the executors then
 * count, or cancelled) or when it enters the blocked state. All calls happen under the Queue's lock in
 * Jenkins; this class is synchronized anyway.
 */
public final class AdmittedBuilds {

    private final Set<Long> admitted = new HashSet<>();

    /**
     * Admits {@code itemId} when the cap allows: {@code running} Roomote builds on executors plus the items
     * already admitted (other than this one) stay under {@code cap} (0 or less: no cap). An item already
     * admitted stays admitted. Returns why the item must wait, or empty when it may start.
     */
    public synchronized Optional<String> admit(long itemId, int running, int cap) {
        if (admitted.contains(itemId)) {
            return Optional.empty();
        }
        Optional<String> reason = ConcurrencyGate.blockReason(running + admitted.size(), cap);
        if (reason.isEmpty()) {
            admitted.add(itemId);
        }
        return reason;
    }

    /** The item left the queue or was blocked: it no longer holds a slot here. */
    public synchronized void release(long itemId) {
        admitted.remove(itemId);
    }

    public synchronized int size() {
        return admitted.size();
    }
}
