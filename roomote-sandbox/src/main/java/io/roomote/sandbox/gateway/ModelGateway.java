package io.roomote.sandbox.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.roomote.spi.Configuration;
import io.roomote.spi.JobLogger;
import io.roomote.spi.ModelCallLog;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Lets an untrusted agent call model providers without holding a real key: it listens on 127.0.0.1, takes a
 * job's {@link JobLease#token() token} in place of the key, forwards to the provider with the real key,
 * streams the answer back as it arrives, reads the usage from it, enforces the job's budget and records every
 * call. One gateway serves all jobs of a runner.
 */
public final class ModelGateway implements AutoCloseable {

    /** Requests (and so concurrent calls, streaming ones last minutes) served at once; more wait in a queue. */
    static final int THREADS = 64;
    static final int QUEUE = 1024;

    private final HttpServer server;
    private final ExecutorService serverThreads;
    private final ExecutorService clientThreads;
    private final Map<String, GatewayRoute> routes;
    private final Set<JobLease> leases = ConcurrentHashMap.newKeySet();
    private final SecureRandom random = new SecureRandom();

    private ModelGateway(HttpServer server, ExecutorService serverThreads, ExecutorService clientThreads,
                         Map<String, GatewayRoute> routes) {
        this.server = server;
        this.serverThreads = serverThreads;
        this.clientThreads = clientThreads;
        this.routes = routes;
    }

    public static ModelGateway start(List<GatewayRoute> routes, Clock clock) {
        return start(routes, ModelPrices.none(), clock);
    }

    /** Binds 127.0.0.1 on a free port; {@code prices} cost the calls whose provider reports no cost. */
    public static ModelGateway start(List<GatewayRoute> routes, ModelPrices prices, Clock clock) {
        Objects.requireNonNull(prices, "prices");
        Objects.requireNonNull(clock, "clock");
        Map<String, GatewayRoute> byName = new LinkedHashMap<>();
        for (GatewayRoute r : routes) {
            if (byName.put(r.name(), r) != null) {
                throw new IllegalArgumentException("two model gateway routes are named " + r.name());
            }
        }
        ThreadPoolExecutor serverThreads = new ThreadPoolExecutor(THREADS, THREADS, 60, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(QUEUE), daemon("roomote-gateway-"));
        serverThreads.allowCoreThreadTimeOut(true);
        ExecutorService clientThreads = Executors.newCachedThreadPool(daemon("roomote-gateway-client-"));
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
        } catch (IOException e) {
            serverThreads.shutdownNow();
            clientThreads.shutdownNow();
            throw new UncheckedIOException("could not open the model gateway's port on 127.0.0.1: " + e.getMessage(), e);
        }
        HttpClient client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(15))
                .followRedirects(HttpClient.Redirect.NEVER)
                .executor(clientThreads)
                .build();
        Map<String, GatewayRoute> frozen = Map.copyOf(byName);
        ModelGateway gateway = new ModelGateway(server, serverThreads, clientThreads, frozen);
        server.createContext("/", new GatewayHandler(frozen, gateway::leaseFor, client, prices, clock, new ObjectMapper()));
        server.setExecutor(serverThreads);
        server.start();
        return gateway;
    }

    /** {@link GatewayRoute#fromConfig}, {@link ModelPrices#fromConfig}. */
    public static ModelGateway start(Configuration config, Clock clock) {
        return start(GatewayRoute.fromConfig(config), ModelPrices.fromConfig(config), clock);
    }

    /** The port on 127.0.0.1. */
    public int port() {
        return server.getAddress().getPort();
    }

    /** The route names, e.g. {@code [openrouter, anthropic]}. */
    public Set<String> routeNames() {
        return routes.keySet();
    }

    /**
     * A new token for {@code jobId}; its calls are charged to {@code budget}, recorded in {@code calls} and
     * described in {@code log}. Close the lease when the agent has ended.
     */
    public JobLease open(long jobId, Budget budget, ModelCallLog calls, JobLogger log) {
        Objects.requireNonNull(budget, "budget");
        Objects.requireNonNull(calls, "calls");
        Objects.requireNonNull(log, "log");
        byte[] secret = new byte[32];
        random.nextBytes(secret);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        JobLease lease = new JobLease(jobId, budget, calls, log, token, port(), routes.keySet(), leases::remove);
        leases.add(lease);
        return lease;
    }

    /** The open lease whose token was presented; every lease is compared, each in constant time. */
    private Optional<JobLease> leaseFor(String presented) {
        byte[] digest = digest(presented);
        JobLease found = null;
        for (JobLease lease : leases) {
            if (lease.matches(digest)) {
                found = lease;
            }
        }
        return Optional.ofNullable(found);
    }

    static byte[] digest(String token) {
        try {
            // Equal-length digests make MessageDigest.isEqual's time independent of how much of a guess was right.
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
    }

    @Override
    public void close() {
        List.copyOf(leases).forEach(JobLease::close);
        server.stop(0);
        serverThreads.shutdownNow();
        clientThreads.shutdownNow();
    }

    private static ThreadFactory daemon(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
