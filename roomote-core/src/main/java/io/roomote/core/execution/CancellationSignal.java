package io.roomote.core.execution;

import io.roomote.spi.Cancellation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

/** A one-shot cancellation signal; the first reason to fire wins. */
public final class CancellationSignal implements Cancellation {

    private static final Logger log = LoggerFactory.getLogger(CancellationSignal.class);

    private final AtomicReference<Reason> reason = new AtomicReference<>();
    private final List<Runnable> callbacks = new CopyOnWriteArrayList<>();

    /** Fires the signal; false when it had already fired. Callbacks run on the calling thread. */
    public boolean fire(Reason why) {
        if (!reason.compareAndSet(null, why)) {
            return false;
        }
        for (Runnable callback : callbacks) {
            runQuietly(callback);
        }
        return true;
    }

    @Override
    public boolean isCancelled() {
        return reason.get() != null;
    }

    @Override
    public Optional<Reason> reason() {
        return Optional.ofNullable(reason.get());
    }

    @Override
    public void onCancel(Runnable action) {
        callbacks.add(action);
        // Fired before we registered: run it now, once (remove() tells us whether fire() could still see it).
        if (reason.get() != null && callbacks.remove(action)) {
            runQuietly(action);
        }
    }

    private static void runQuietly(Runnable callback) {
        try {
            callback.run();
        } catch (RuntimeException e) {
            log.warn("a cancellation callback failed: {}", e.toString());
        }
    }
}
