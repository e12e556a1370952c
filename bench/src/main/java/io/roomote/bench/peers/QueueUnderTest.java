package io.roomote.bench.peers;

import java.util.List;

/**
 * One queue system as the peer comparison drives it: no-op jobs whose handler reports its sequence number to the
 * bench's {@code StartProbe}, on its own database of the bench's durable PostgreSQL, with a connection pool of
 * {@link #POOL_SIZE}. Workers run in this JVM.
 */
public interface QueueUnderTest extends AutoCloseable {

    /** Connections of every system's pool: Roomote's {@code Database} and the peers' HikariCP alike. */
    int POOL_SIZE = 20;

    /** As in the report, with version and configuration: "db-scheduler 16.7.1, tuned". */
    String name();

    /**
     * How often its workers look for jobs without being told (Roomote: the safety-net poll behind
     * {@code LISTEN/NOTIFY}). Pickup samples start at a random moment within it, so a polling system's pickup
     * is not locked to the phase of its poll.
     */
    java.time.Duration pollInterval();

    /** One job through the system's ordinary single-job API; returns once it is committed. */
    void enqueue(long seq) throws Exception;

    /** Many jobs through the system's batch API; returns once all are committed. */
    void enqueueBatch(List<Long> seqs) throws Exception;

    /** Starts {@code workers} workers in this JVM; jobs enqueued before are picked up now. */
    void startWorkers(int workers) throws Exception;

    void stopWorkers() throws Exception;

    /** Jobs not yet recorded as finished (enqueued, claimed or running). */
    long unfinished() throws Exception;

    /** Deletes every job, so the next run starts from an empty table. */
    void clear() throws Exception;
}
