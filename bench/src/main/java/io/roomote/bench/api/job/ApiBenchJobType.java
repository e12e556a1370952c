package io.roomote.bench.api.job;

import io.roomote.spi.JobContext;
import io.roomote.spi.JobType;

/**
 * {@code bench.api}: the cheap job type the API benchmark posts, loaded by the runner as a plugin jar (the bench
 * writes the jar). It derives no dedupe key, and every request of the bench carries a payload of its own
 * ({@code run}, {@code thread}, {@code seq}), so no request is merged into an earlier job: each one is an insert.
 * Its run does nothing; the benchmark's runner has no workers anyway (role {@code api}).
 */
public final class ApiBenchJobType implements JobType<ApiBenchJobType.Payload, Void> {

    public static final String ID = "bench.api";

    /** @param run the wrk run's tag; @param thread wrk's thread number; @param seq the thread's request number */
    public record Payload(String run, int thread, long seq) {
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public Class<Payload> payloadType() {
        return Payload.class;
    }

    @Override
    public Void run(Payload payload, JobContext context) {
        return null;
    }
}
