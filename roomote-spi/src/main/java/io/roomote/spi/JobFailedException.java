package io.roomote.spi;

/**
 * A job failed for a reason its type understands. {@link #retryable()} says whether another attempt could
 * succeed (infrastructure trouble) or not (bad input, the agent gave up). A {@link #result()} may carry
 * what is known about the failed run (an outcome, a work-in-progress branch) and is stored with the job.
 */
public class JobFailedException extends Exception {
    private static final long serialVersionUID = 1L;

    private final boolean retryable;
    private final transient Object result;

    public JobFailedException(String message, boolean retryable, Object result, Throwable cause) {
        super(message, cause);
        this.retryable = retryable;
        this.result = result;
    }

    /** A failure that another attempt may fix, e.g. a network error. */
    public static JobFailedException retryable(String message, Throwable cause) {
        return new JobFailedException(message, true, null, cause);
    }

    /** A failure that will happen again, e.g. the input is unusable. */
    public static JobFailedException permanent(String message) {
        return new JobFailedException(message, false, null, null);
    }

    /** A final failure that still has a result worth keeping. */
    public static JobFailedException permanent(String message, Object result) {
        return new JobFailedException(message, false, result, null);
    }

    public boolean retryable() {
        return retryable;
    }

    /** What the failed run produced that is worth recording, or {@code null}. */
    public Object result() {
        return result;
    }
}
