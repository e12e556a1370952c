package io.roomote.core.jobs;

import java.util.Locale;

/** A job's state; stored lower-case in {@code cloud_jobs.status}. */
public enum JobStatus {
    PENDING, PROCESSING, COMPLETED, FAILED, CANCELLED;

    public String dbValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    public boolean isTerminal() {
        return this == COMPLETED || this == FAILED || this == CANCELLED;
    }

    public static JobStatus fromDb(String value) {
        return valueOf(value.toUpperCase(Locale.ROOT));
    }

    /** Parses user input, saying what is allowed when it is wrong. */
    public static JobStatus parse(String value) {
        for (JobStatus s : values()) {
            if (s.dbValue().equalsIgnoreCase(value)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown status '" + value
                + "'; use one of pending, processing, completed, failed, cancelled");
    }
}
