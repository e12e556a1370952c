package io.roomote.spi;

/** Where a job's model calls are kept (with the job, shown by the API and the dashboard). */
public interface ModelCallLog {

    /** Records one call; must not throw (a failure to record is logged, never fails the call). */
    void record(ModelCall call);
}
