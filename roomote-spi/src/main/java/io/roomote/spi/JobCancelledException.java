package io.roomote.spi;

/** Thrown by a job that stopped because its {@link Cancellation} fired. */
public class JobCancelledException extends Exception {
    private static final long serialVersionUID = 1L;

    private final Cancellation.Reason reason;

    public JobCancelledException(Cancellation.Reason reason) {
        super("job stopped: " + reason.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' '));
        this.reason = reason;
    }

    public Cancellation.Reason reason() {
        return reason;
    }
}
