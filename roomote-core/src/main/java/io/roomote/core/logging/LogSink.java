package io.roomote.core.logging;

import io.roomote.core.store.JobLogRepository;
import io.roomote.spi.JobLogger;

import java.util.List;

/** Where job log lines go: the database, a Jenkins build console, a test's list. */
public interface LogSink {

    void write(long jobId, int attempt, JobLogger.Level level, String line);

    /** Returns once every line written so far is stored. */
    default void flush() {
    }

    /**
     * Takes the lines of one attempt that are not stored yet, so that the caller stores them in its own commit
     * (a finished job's last lines go with its outcome); lines of the attempt already on their way are stored
     * first. A sink that does not buffer for the database stores what it has and returns nothing.
     */
    default List<JobLogRepository.Entry> detach(long jobId, int attempt) {
        flush();
        return List.of();
    }

    /** Lines taken by {@link #detach} that the caller could not store after all: stored the usual way. */
    default void restore(List<JobLogRepository.Entry> lines) {
    }
}
