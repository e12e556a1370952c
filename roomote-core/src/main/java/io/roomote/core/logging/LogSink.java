package io.roomote.core.logging;

import io.roomote.spi.JobLogger;

/** Where job log lines go: the database, a Jenkins build console, a test's list. */
public interface LogSink {

    void write(long jobId, int attempt, JobLogger.Level level, String line);

    /** Returns once every line written so far is stored. */
    default void flush() {
    }
}
