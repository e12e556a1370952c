package io.roomote.spi;

/** The job's own log, kept with the job and shown by the API and dashboard. */
public interface JobLogger {

    enum Level { DEBUG, INFO, WARN, ERROR }

    void log(Level level, String line);

    default void info(String line) {
        log(Level.INFO, line);
    }

    default void warn(String line) {
        log(Level.WARN, line);
    }

    default void error(String line) {
        log(Level.ERROR, line);
    }
}
