package io.roomote.core.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;

import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The outcome of Roomote's own calls to Slack and GitHub, as they happen: counted
 * ({@code roomote.integration.calls}) and remembered, so that the health check reports whether each was
 * reachable lately without calling it.
 */
public final class ExternalCalls {

    /** What is known of one service. {@code lastOkAt}/{@code lastFailureAt} are null before the first such call. */
    public record Status(Instant lastOkAt, Instant lastFailureAt, long failures) {
        /** {@code ok}, {@code failing} (the latest call failed) or {@code unknown} (no call yet). */
        public String state() {
            if (lastFailureAt == null && lastOkAt == null) {
                return "unknown";
            }
            return lastFailureAt != null && (lastOkAt == null || lastFailureAt.isAfter(lastOkAt)) ? "failing" : "ok";
        }
    }

    private final MeterRegistry registry;
    private final Clock clock;
    private final Map<String, Status> statuses = new ConcurrentHashMap<>();

    public ExternalCalls(MeterRegistry registry, Clock clock) {
        this.registry = registry;
        this.clock = clock;
    }

    public static ExternalCalls none() {
        return new ExternalCalls(new CompositeMeterRegistry(), Clock.systemUTC());
    }

    /** Announces a service that is configured, so that it is reported ({@code unknown}) before its first call. */
    public void expect(String service) {
        statuses.putIfAbsent(service, new Status(null, null, 0));
        counter(service, "ok");
        counter(service, "failed");
    }

    public void succeeded(String service) {
        Instant now = clock.instant();
        statuses.merge(service, new Status(now, null, 0), (old, n) -> new Status(now, old.lastFailureAt(), old.failures()));
        counter(service, "ok").increment();
    }

    public void failed(String service) {
        Instant now = clock.instant();
        statuses.merge(service, new Status(null, now, 1), (old, n) -> new Status(old.lastOkAt(), now, old.failures() + 1));
        counter(service, "failed").increment();
    }

    /** Every service heard of, by name. */
    public Map<String, Status> statuses() {
        return new TreeMap<>(statuses);
    }

    private Counter counter(String service, String outcome) {
        return Counter.builder("roomote.integration.calls").description("Calls Roomote made to Slack and GitHub, by outcome")
                .tag("service", service).tag("outcome", outcome).register(registry);
    }
}
