package io.roomote.bench;

import io.roomote.spi.JobContext;
import io.roomote.spi.JobType;

/** {@code bench.noop}: does nothing but tell the probe when it started, so only the queue's cost is measured. */
public final class NoopJobType implements JobType<NoopPayload, Void> {

    public static final String ID = "bench.noop";

    private final StartProbe probe;

    public NoopJobType(StartProbe probe) {
        this.probe = probe;
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public Class<NoopPayload> payloadType() {
        return NoopPayload.class;
    }

    @Override
    public Void run(NoopPayload payload, JobContext context) {
        probe.started(payload.seq(), System.nanoTime());
        return null;
    }
}
