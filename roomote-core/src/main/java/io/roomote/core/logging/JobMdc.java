package io.roomote.core.logging;

import org.slf4j.MDC;

import java.util.Map;

/**
 * The job's identity in SLF4J's MDC ({@code jobId}, {@code jobType}, {@code attempt}, {@code runner}), set by
 * the worker around one attempt and carried to the job's own thread, so that every process log line about the
 * job names it (as fields in JSON logs). Cleared after the attempt: worker threads are pooled.
 */
public final class JobMdc {

    public static final String JOB_ID = "jobId";
    public static final String JOB_TYPE = "jobType";
    public static final String ATTEMPT = "attempt";
    public static final String RUNNER = "runner";

    private JobMdc() {
    }

    public static void put(long jobId, String type, int attempt, String runner) {
        MDC.put(JOB_ID, Long.toString(jobId));
        MDC.put(JOB_TYPE, type);
        MDC.put(ATTEMPT, Integer.toString(attempt));
        MDC.put(RUNNER, runner);
    }

    /** What to carry to another thread; null when nothing is set. */
    public static Map<String, String> capture() {
        return MDC.getCopyOfContextMap();
    }

    public static void restore(Map<String, String> captured) {
        if (captured == null) {
            MDC.clear();
        } else {
            MDC.setContextMap(captured);
        }
    }

    public static void clear() {
        MDC.remove(JOB_ID);
        MDC.remove(JOB_TYPE);
        MDC.remove(ATTEMPT);
        MDC.remove(RUNNER);
    }
}
