package io.roomote.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.roomote.core.queue.EnqueueRequest;
import io.roomote.core.queue.JobQueue;

/** Puts one no-op job in the queue and says when: the way in differs per pickup variant. */
interface Enqueuer extends AutoCloseable {

    /**
     * @param calledAt   {@link System#nanoTime()} just before the enqueue call
     * @param returnedAt {@link System#nanoTime()} when it returned (the job is committed)
     */
    record Sent(long jobId, long calledAt, long returnedAt) {
    }

    Sent enqueue(long seq) throws Exception;

    @Override
    default void close() throws Exception {
    }

    static EnqueueRequest request(ObjectMapper mapper, long seq) {
        return new EnqueueRequest(NoopJobType.ID, mapper.createObjectNode().put("seq", seq), null, null);
    }

    /** Enqueues through a {@link JobQueue} of this JVM. */
    static Enqueuer inProcess(JobQueue queue, ObjectMapper mapper) {
        return seq -> {
            EnqueueRequest request = request(mapper, seq);
            long calledAt = System.nanoTime();
            long id = queue.enqueue(request).job().id();
            return new Sent(id, calledAt, System.nanoTime());
        };
    }
}
