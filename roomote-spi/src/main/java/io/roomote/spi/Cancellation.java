package io.roomote.spi;

import java.util.Optional;

/**
 * A one-shot signal that a running job must stop. Job types poll {@link #isCancelled()} or register a
 * callback with {@link #onCancel(Runnable)} (to kill a child process, close a socket, …).
 */
public interface Cancellation {

    /** Why a job is asked to stop. */
    enum Reason {
        /** A user cancelled it. */
        CANCELLED,
        /** Its deadline passed. */
        TIMED_OUT,
        /** Its lease was taken back: another runner may now own it, so its outcome will not be recorded. */
        LEASE_LOST,
        /** The runner is shutting down; the job will be handed back to the queue. */
        SHUTDOWN
    }

    boolean isCancelled();

    /** Why, once cancelled. */
    Optional<Reason> reason();

    /** Runs {@code action} once when the signal fires, or at once if it already has. */
    void onCancel(Runnable action);

    /** Throws {@link JobCancelledException} if the signal has fired. */
    default void throwIfCancelled() throws JobCancelledException {
        Optional<Reason> reason = reason();
        if (reason.isPresent()) {
            throw new JobCancelledException(reason.get());
        }
    }
}
