package io.roomote.runner.health;

import io.roomote.core.Roomote;
import io.roomote.core.store.DatabaseProbe;
import io.roomote.core.metrics.ExternalCalls;
import io.roomote.runner.db.EmbeddedDatabase;
import io.roomote.sandbox.SandboxMode;
import io.roomote.sandbox.SandboxSettings;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The answer of {@code GET /api/health}, built from what is already known (the background database check,
 * the worker pool, the embedded database's supervisor, the outcome of the latest Slack and GitHub calls), so
 * that it never waits on anything. Only the database and the queue fail health; the rest are warnings. It is
 * public: states, counts and times only, never hosts, names or messages.
 */
public final class HealthReport implements AutoCloseable {

    /** HTTP status and body. */
    public record Answer(int status, Map<String, Object> body) {
    }

    private final Roomote roomote;
    private final DatabaseProbe probe;
    private final Optional<EmbeddedDatabase> embedded;
    private final ExternalCalls calls;
    private final Clock clock;
    private final Optional<SandboxSettings> sandbox;
    private java.util.function.Supplier<Optional<io.roomote.controller.ControllerState>> controller = Optional::empty;

    public HealthReport(Roomote roomote, DatabaseProbe probe, Optional<EmbeddedDatabase> embedded, ExternalCalls calls,
                        Clock clock) {
        this(roomote, probe, embedded, calls, clock, Optional.empty());
    }

    /** With {@code sandbox}: how agents are contained, a warning when they are not. */
    public HealthReport(Roomote roomote, DatabaseProbe probe, Optional<EmbeddedDatabase> embedded, ExternalCalls calls,
                        Clock clock, Optional<SandboxSettings> sandbox) {
        this.sandbox = sandbox;
        this.roomote = roomote;
        this.probe = probe;
        this.embedded = embedded;
        this.calls = calls;
        this.clock = clock;
    }

    /** Adds the controller's state (the {@code controller} role): counts and times, never names or messages. */
    public HealthReport withController(java.util.function.Supplier<Optional<io.roomote.controller.ControllerState>> state) {
        this.controller = state;
        return this;
    }

    /** A report on {@code roomote}'s database alone (checked every 5 s, 1 s timeout), for embedders and tests. */
    public static HealthReport of(Roomote roomote) {
        return new HealthReport(roomote, new DatabaseProbe(roomote.database(), Duration.ofSeconds(5), Duration.ofSeconds(1),
                Clock.systemUTC()).start(), Optional.empty(), ExternalCalls.none(), Clock.systemUTC());
    }

    public Answer answer() {
        Instant now = clock.instant();
        DatabaseProbe.Result check = probe.latest();
        boolean stale = probe.stale(check, now);
        boolean database = check.up() && !stale;
        boolean queue = database && roomote.queueHealthy();
        List<String> warnings = new ArrayList<>();

        Map<String, Object> services = new LinkedHashMap<>();
        services.put("database", database);
        services.put("queue", queue);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", database && queue ? "ok" : "error");
        body.put("services", services);

        Map<String, Object> db = new LinkedHashMap<>();
        db.put("up", database);
        db.put("checkedAt", check.checkedAt().toString());
        db.put("ageMs", Math.max(0, Duration.between(check.checkedAt(), now).toMillis()));
        db.put("tookMs", check.took().toMillis());
        db.put("intervalMs", probe.interval().toMillis());
        if (!check.up()) {
            db.put("problem", check.problem());
        } else if (stale) {
            db.put("problem", "no check result for " + Duration.between(check.checkedAt(), now).toSeconds() + " s");
        }
        db.put("mode", embedded.isPresent() ? "embedded" : "external");
        embedded.ifPresent(e -> {
            db.put("embeddedState", e.state().label());
            db.put("embeddedRestarts", e.restarts());
            if (e.state() != EmbeddedDatabase.State.RUNNING) {
                warnings.add("embedded database is " + e.state().label());
            }
        });
        body.put("database", db);

        roomote.workers().ifPresent(w -> {
            Map<String, Object> workers = new LinkedHashMap<>();
            workers.put("busy", w.busy());
            workers.put("capacity", w.capacity());
            workers.put("id", w.owner());
            workers.put("accepting", w.isAccepting());
            workers.put("lastClaimAt", w.lastClaimAt().map(Instant::toString).orElse(null));
            body.put("workers", workers);
        });

        controller.get().ifPresent(c -> {
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("launcher", c.launcher());
            one.put("maxWorkers", c.maxWorkers());
            one.put("alive", c.alive());
            one.put("starting", c.starting());
            one.put("pending", c.pending());
            one.put("launched", c.launched());
            one.put("failedStarts", c.failedStarts());
            one.put("lastFailureAt", c.lastFailureAt() == null ? null : c.lastFailureAt().toString());
            one.put("backoffUntil", c.backoffUntil() == null ? null : c.backoffUntil().toString());
            one.put("checkedAt", c.checkedAt() == null ? null : c.checkedAt().toString());
            body.put("controller", one);
            if (c.backoffUntil() != null) {
                // The reason is in the controller's log and on the dashboard: health is public and says no messages.
                warnings.add("controller: workers failed to start (" + c.failedStarts() + " so far); the next try is at "
                        + c.backoffUntil());
            }
        });

        Map<String, Object> jobs = new LinkedHashMap<>();
        // From the last successful check: during an outage it is the figure from before, said by its time.
        jobs.put("oldestPendingAgeSeconds", check.oldestPendingAt() == null ? null
                : Math.max(0, Duration.between(check.oldestPendingAt(), now).toSeconds()));
        body.put("queue", jobs);

        Map<String, Object> integrations = new LinkedHashMap<>();
        calls.statuses().forEach((service, s) -> {
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("state", s.state());
            one.put("lastOkAt", s.lastOkAt() == null ? null : s.lastOkAt().toString());
            one.put("lastFailureAt", s.lastFailureAt() == null ? null : s.lastFailureAt().toString());
            one.put("failures", s.failures());
            integrations.put(service, one);
            if (s.state().equals("failing")) {
                warnings.add(service + ": the latest call failed");
            }
        });
        body.put("integrations", integrations);
        sandbox.ifPresent(sb -> {
            Map<String, Object> one = new LinkedHashMap<>();
            boolean usable = sb.startupProblem().isEmpty();
            one.put("mode", usable ? sb.mode().map(SandboxMode::value).orElse("unavailable") : "unavailable");
            one.put("contained", usable && sb.mode().filter(m -> m != SandboxMode.NONE).isPresent());
            one.put("explicit", sb.explicit());
            body.put("sandbox", one);
            if (!usable) {
                warnings.add("no sandbox is available for the agent: jobs that run an agent are refused");
            } else if (sb.mode().equals(java.util.Optional.of(SandboxMode.NONE))) {
                warnings.add("the agent is not sandboxed (ROOMOTE_SANDBOX=none): it can read this runner's secrets");
            }
        });
        body.put("warnings", warnings);
        return new Answer(database && queue ? 200 : 500, body);
    }

    @Override
    public void close() {
        probe.close();
    }
}
