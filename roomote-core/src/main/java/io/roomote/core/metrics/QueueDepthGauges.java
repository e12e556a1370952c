package io.roomote.core.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.roomote.core.jobs.JobStatus;
import io.roomote.core.store.JobRepository;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code roomote.queue.depth} (pending and processing jobs per type) and the oldest pending job's age, read
 * by one query every {@link #REFRESH} rather than once per scrape and series. Known types are always
 * reported, at 0 when none are queued.
 */
public final class QueueDepthGauges implements AutoCloseable {

    public static final Duration REFRESH = Duration.ofSeconds(10);
    private static final Logger log = LoggerFactory.getLogger(QueueDepthGauges.class);

    private final JobRepository jobs;
    private final Collection<String> types;
    private final Clock clock;
    private final MultiGauge depth;
    private volatile Instant oldestPendingAt;
    private boolean failing;
    /** Its own thread: a read waiting on an unreachable database must not hold up heartbeats and deadlines. */
    private final java.util.concurrent.ScheduledExecutorService reader =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(io.roomote.core.util.Threads.daemon("roomote-queue-depth"));

    public QueueDepthGauges(MeterRegistry registry, JobRepository jobs, Collection<String> types, Clock clock) {
        this.jobs = jobs;
        this.types = List.copyOf(types);
        this.clock = clock;
        this.depth = MultiGauge.builder("roomote.queue.depth").description("Jobs pending or processing, per status and type")
                .register(registry);
        Gauge.builder("roomote.queue.oldest.pending.age", this, QueueDepthGauges::oldestPendingAgeSeconds)
                .description("Age of the oldest pending job (0 when none is pending)").baseUnit("seconds")
                .register(registry);
    }

    /** Reads the queue now and every {@link #REFRESH}. */
    public QueueDepthGauges start() {
        reader.scheduleWithFixedDelay(this::refresh, 0, REFRESH.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        return this;
    }

    @Override
    public void close() {
        reader.shutdownNow();
    }

    /** Reads the queue once; a failed read keeps the last figures (and says so once per outage). */
    public void refresh() {
        try {
            JobRepository.QueueDepth read = jobs.queueDepth();
            Map<List<String>, Long> counts = new HashMap<>();
            for (String type : types) {
                counts.put(List.of(JobStatus.PENDING.dbValue(), type), 0L);
                counts.put(List.of(JobStatus.PROCESSING.dbValue(), type), 0L);
            }
            read.counts().forEach(c -> counts.put(List.of(c.status().dbValue(), c.type()), c.count()));
            List<MultiGauge.Row<?>> rows = new ArrayList<>();
            counts.forEach((key, value) -> rows.add(MultiGauge.Row.of(Tags.of("status", key.get(0), "type", key.get(1)), value)));
            depth.register(rows, true);
            oldestPendingAt = read.oldestPendingAt();
            if (failing) {
                failing = false;
                log.info("queue depth metrics read again");
            }
        } catch (RuntimeException e) {
            if (!failing) {
                failing = true;
                log.warn("could not read the queue depth for metrics: {}; keeping the last figures", e.getMessage());
            }
        }
    }

    private double oldestPendingAgeSeconds() {
        Instant oldest = oldestPendingAt;
        return oldest == null ? 0 : Math.max(0, Duration.between(oldest, clock.instant()).toMillis() / 1000.0);
    }
}
