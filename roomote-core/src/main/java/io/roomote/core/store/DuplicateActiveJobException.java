package io.roomote.core.store;

/** Another pending or processing job already holds this job's dedupe key. */
public class DuplicateActiveJobException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public DuplicateActiveJobException(long id) {
        super("job " + id + " cannot run again now: another active job has the same dedupe key");
    }
}
