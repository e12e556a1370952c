package io.roomote.sandbox.gateway;

import io.roomote.spi.JobLogger;
import io.roomote.spi.ModelCall;
import io.roomote.spi.ModelCallLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * One job's access to the {@link ModelGateway}: a random token the agent presents instead of a provider key,
 * the job's budget and what it has spent. Closing the lease makes the token worthless.
 */
public final class JobLease implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(JobLease.class);

    private final long jobId;
    private final Budget budget;
    private final ModelCallLog calls;
    private final JobLogger log;
    private final String token;
    private final byte[] tokenDigest;
    private final int gatewayPort;
    private final Set<String> routes;
    private final Consumer<JobLease> onClose;

    private final List<Runnable> listeners = new ArrayList<>();
    private final Set<String> unpricedModelsWarned = new HashSet<>();
    private final Set<String> uncountedModelsWarned = new HashSet<>();
    private Usage spent = Usage.NONE;
    private boolean exceeded;
    private volatile boolean closed;

    JobLease(long jobId, Budget budget, ModelCallLog calls, JobLogger log, String token, int gatewayPort,
             Set<String> routes, Consumer<JobLease> onClose) {
        this.jobId = jobId;
        this.budget = budget;
        this.calls = calls;
        this.log = log;
        this.token = token;
        this.tokenDigest = ModelGateway.digest(token);
        this.gatewayPort = gatewayPort;
        this.routes = Set.copyOf(routes);
        this.onClose = onClose;
    }

    public long jobId() {
        return jobId;
    }

    public Budget budget() {
        return budget;
    }

    /** The secret the agent presents as its API key (Bearer or x-api-key); url-safe, 43 characters. */
    public String token() {
        return token;
    }

    /**
     * The base URL an agent's SDK is given for {@code route}, e.g. {@code http://127.0.0.1:8123/openrouter}; host
     * and port are where the agent reaches the gateway (inside a sandbox, a forwarded port).
     */
    public String baseUrl(String route, String host, int port) {
        if (!routes.contains(route)) {
            throw new IllegalArgumentException("the model gateway has no route '" + route + "'; it has " + routes);
        }
        String h = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
        return "http://" + h + ":" + port + "/" + route;
    }

    /** {@link #baseUrl(String, String, int)} for an agent on this host, reaching the gateway directly. */
    public String baseUrl(String route) {
        return baseUrl(route, "127.0.0.1", gatewayPort);
    }

    public synchronized Usage spent() {
        return spent;
    }

    public synchronized boolean budgetExceeded() {
        return exceeded;
    }

    /** Runs {@code action} once when the budget is used up; at once (on this thread) if it already is. */
    public void onBudgetExceeded(Runnable action) {
        synchronized (this) {
            if (!exceeded) {
                listeners.add(action);
                return;
            }
        }
        runQuietly(action);
    }

    public boolean isClosed() {
        return closed;
    }

    /** Revokes the token: the gateway refuses it from now on (calls already under way finish). */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            onClose.accept(this);
        }
    }

    boolean matches(byte[] presentedDigest) {
        return !closed && MessageDigest.isEqual(tokenDigest, presentedDigest);
    }

    /** Why a new call is refused (the budget is used up), or empty. */
    synchronized Optional<String> refusal() {
        if (!exceeded) {
            return Optional.empty();
        }
        return Optional.of("Roomote: this job's model budget is used up (" + budget.describe(spent)
                + "); the job is being stopped");
    }

    /** Adds a forwarded call's usage; fires the budget listeners once when a limit is reached. */
    void charge(String provider, String model, Long tokensIn, Long tokensOut, Double costUsd, boolean answered) {
        List<Runnable> fire = List.of();
        synchronized (this) {
            spent = spent.plus(tokensIn, tokensOut, costUsd, model);
            if (answered && costUsd == null && budget.maxCostUsd().isPresent()
                    && unpricedModelsWarned.add(provider + " " + model)) {
                log.warn("model budget: " + provider + " " + (model == null ? "(unknown model)" : model)
                        + " reports no cost and ROOMOTE_MODEL_PRICES has no price for it, so ROOMOTE_MAX_COST_USD"
                        + " cannot be enforced for its calls (a ROOMOTE_MAX_TOKENS limit still is)");
            }
            if (answered && tokensIn == null && tokensOut == null && budget.maxTokens().isPresent()
                    && uncountedModelsWarned.add(provider + " " + model)) {
                log.warn("model budget: " + provider + " " + (model == null ? "(unknown model)" : model)
                        + " answered without token counts, so ROOMOTE_MAX_TOKENS cannot count its calls (a streamed"
                        + " Chat Completion reports usage only with stream_options.include_usage)");
            }
            if (!exceeded && budget.reachedBy(spent)) {
                exceeded = true;
                fire = List.copyOf(listeners);
                listeners.clear();
                log.warn("model budget used up: " + budget.describe(spent)
                        + "; further model calls are refused and the job is being stopped");
            }
        }
        fire.forEach(JobLease::runQuietly);
    }

    /** Records one call with the job and writes its line to the job log; never throws. */
    void record(ModelCall call) {
        try {
            calls.record(call);
        } catch (RuntimeException e) {
            LOG.warn("job {}: could not record a model call: {}", jobId, e.toString());
        }
        try {
            log.info(describe(call));
        } catch (RuntimeException e) {
            LOG.warn("job {}: could not write a model call to the job log: {}", jobId, e.toString());
        }
    }

    /** {@code model call: openrouter gpt-x 200 · 1,234 in / 56 out · $0.0012 · 1.2 s}. */
    static String describe(ModelCall call) {
        StringBuilder s = new StringBuilder("model call: ").append(call.provider()).append(' ')
                .append(call.model() == null ? "(unknown model)" : call.model()).append(' ').append(call.status());
        if (call.tokensIn() != null || call.tokensOut() != null) {
            s.append(" · ").append(count(call.tokensIn())).append(" in / ").append(count(call.tokensOut())).append(" out");
        }
        if (call.costUsd() != null) {
            s.append(" · ").append(Budget.dollars(call.costUsd()));
        }
        s.append(" · ").append(String.format(Locale.ROOT, "%.1f s", call.durationMs() / 1000d));
        if (call.error() != null) {
            s.append(" · ").append(call.error());
        }
        return s.toString();
    }

    private static String count(Long n) {
        return n == null ? "?" : String.format(Locale.ROOT, "%,d", n);
    }

    private static void runQuietly(Runnable action) {
        try {
            action.run();
        } catch (RuntimeException e) {
            LOG.warn("a model budget listener failed", e);
        }
    }

    @Override
    public String toString() {
        return "JobLease[job=" + jobId + ", budget=" + budget + ", closed=" + closed + "]";
    }
}
