package io.roomote.core.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.roomote.core.events.JobEventListener;
import io.roomote.core.jobs.Job;

import java.time.Duration;

/**
 * The queue's counters and histograms (names and meanings in docs/metrics.md). Core sees only Micrometer's
 * API; the runner gives it a Prometheus registry. Agent tokens and cost are read from the finished job's
 * {@code result} by field name ({@code agent}, {@code model}, {@code tokensIn}, {@code tokensOut},
 * {@code costUsd}), so any job type that records them is counted without core knowing the type.
 */
public final class JobMetrics implements JobEventListener {

    /** How an attempt ended, as the {@code outcome} label says it. */
    public enum AttemptOutcome {
        COMPLETED, FAILED, RETRIED, TIMED_OUT, CANCELLED, RELEASED, LEASE_LOST;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final MeterRegistry registry;
    private final boolean enabled;

    public JobMetrics(MeterRegistry registry) {
        this(registry, true);
    }

    private JobMetrics(MeterRegistry registry, boolean enabled) {
        this.registry = registry;
        this.enabled = enabled;
    }

    /** Metrics that go nowhere: a registry without backends keeps no values. */
    public static JobMetrics none() {
        return new JobMetrics(new CompositeMeterRegistry(), false);
    }

    /** False for {@link #none()}: callers skip work done only for metrics (reading the finished job back). */
    public boolean enabled() {
        return enabled;
    }

    public MeterRegistry registry() {
        return registry;
    }

    public void enqueued(String type) {
        Counter.builder("roomote.jobs.enqueued").description("Jobs added to the queue (new rows, not de-duplicated ones)")
                .tag("type", type).register(registry).increment();
    }

    /** A job was claimed by this runner; its pickup latency is the wait from when it could run to its start. */
    public void claimed(Job job) {
        Counter.builder("roomote.jobs.claimed").description("Attempts started (claims) by this runner")
                .tag("type", job.type()).register(registry).increment();
        if (job.startedAt() != null && job.runAt() != null) {
            Duration wait = Duration.between(job.runAt(), job.startedAt());
            Timer.builder("roomote.job.pickup.latency")
                    .description("Time from when a job could run (run_at) to its claim")
                    .tag("type", job.type()).publishPercentileHistogram()
                    .register(registry).record(wait.isNegative() ? Duration.ZERO : wait);
        }
    }

    public Timer.Sample startAttempt() {
        return Timer.start(registry);
    }

    /** An attempt ended and its outcome was recorded by this runner; returns its run time in nanoseconds. */
    public long attemptEnded(Timer.Sample sample, String type, AttemptOutcome outcome) {
        return sample.stop(Timer.builder("roomote.job.duration").description("Run time of one attempt, by how it ended")
                .tag("type", type).tag("outcome", outcome.label()).publishPercentileHistogram().register(registry));
    }

    /** A lease of any runner expired and this runner took the job back: queued again or failed. */
    public void leaseReclaimed(String type, String result) {
        Counter.builder("roomote.lease.reclaims").description("Expired leases taken back, by what became of the job")
                .tag("type", type).tag("result", result).register(registry).increment();
    }

    @Override
    public void jobFinished(Job job) {
        String status = job.status().dbValue();
        Counter.builder("roomote.jobs.finished").description("Jobs that reached a terminal status")
                .tag("type", job.type()).tag("status", status).register(registry).increment();
        DistributionSummary.builder("roomote.job.attempts").description("Attempts a finished job used")
                .tag("type", job.type()).tag("status", status).register(registry).record(job.attempts());
        JsonNode result = job.result();
        if (result == null || !result.isObject()) {
            return;
        }
        String agent = text(result, "agent");
        String model = text(result, "model");
        count("roomote.agent.tokens", "Tokens the agent used", result.get("tokensIn"), agent, model, "in");
        count("roomote.agent.tokens", "Tokens the agent used", result.get("tokensOut"), agent, model, "out");
        JsonNode cost = result.get("costUsd");
        if (cost != null && cost.isNumber() && cost.asDouble() >= 0) {
            Counter.builder("roomote.agent.cost.usd").description("Cost of the agent's model calls as the agent reported it, in US dollars")
                    .tag("agent", agent).tag("model", model).register(registry).increment(cost.asDouble());
        }
    }

    private void count(String name, String description, JsonNode value, String agent, String model, String direction) {
        if (value != null && value.isNumber() && value.asDouble() >= 0) {
            Counter.builder(name).description(description).tag("agent", agent).tag("model", model)
                    .tag("direction", direction).register(registry).increment(value.asDouble());
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        // Bounded: a label value becomes a series; an odd result must not create unbounded ones.
        return v != null && v.isTextual() && !v.asText().isBlank() ? truncate(v.asText()) : "unknown";
    }

    private static String truncate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80);
    }
}
