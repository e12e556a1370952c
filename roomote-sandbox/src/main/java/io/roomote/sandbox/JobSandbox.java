package io.roomote.sandbox;

import io.roomote.sandbox.bridge.UnixSocketForwarder;
import io.roomote.sandbox.egress.EgressPolicy;
import io.roomote.sandbox.egress.EgressProxy;
import io.roomote.sandbox.gateway.Budget;
import io.roomote.sandbox.gateway.GatewayRoute;
import io.roomote.sandbox.gateway.JobLease;
import io.roomote.sandbox.gateway.ModelGateway;
import io.roomote.sandbox.gateway.ModelPrices;
import io.roomote.spi.JobLogger;
import io.roomote.spi.ModelCallLog;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Everything that contains one agent run, opened before the agent starts and closed after it: the sandbox and
 * its spec, the model gateway with this job's lease (its token is the only model credential the agent gets),
 * and — when contained — the egress proxy and the gateway's forwarder behind the unix sockets of the bridge
 * folder, which the sandbox reaches at fixed loopback ports.
 */
public final class JobSandbox implements AutoCloseable {

    /** Inside the sandbox, the model gateway is at {@code 127.0.0.1:18080} and the egress proxy at {@code :18081}. */
    public static final int GATEWAY_PORT = 18080;
    public static final int PROXY_PORT = 18081;
    /** The OpenAI-compatible endpoint (the gateway's {@code openrouter} route), for agents run by {@code command}. */
    public static final String MODEL_BASE_URL_VARIABLE = "ROOMOTE_MODEL_BASE_URL";
    static final String GATEWAY_SOCKET = "gateway.sock";
    static final String PROXY_SOCKET = "egress.sock";

    /**
     * @param hidden more host paths the agent must not see ({@code $ROOMOTE_HOME}); added to the settings' own
     * @param egress the hosts the agent may reach through the proxy
     */
    public record Request(SandboxSettings settings, long jobId, Path workspace, Path home, List<Path> hidden,
                          EgressPolicy egress, List<GatewayRoute> routes, ModelPrices prices, Budget budget,
                          ModelCallLog calls, JobLogger log, Clock clock) {
    }

    private final List<AutoCloseable> opened = new ArrayList<>();
    private final Sandbox sandbox;
    private final SandboxSpec spec;
    private final List<GatewayRoute> routes;
    private final ModelGateway gateway;
    private final JobLease lease;
    private final Path bridgeDir;

    private JobSandbox(Request r) throws IOException {
        this.sandbox = Sandboxes.create(r.settings());
        this.routes = List.copyOf(r.routes());
        try {
            this.gateway = remember(ModelGateway.start(routes, r.prices(), r.clock()));
            this.lease = remember(gateway.open(r.jobId(), r.budget(), r.calls(), r.log()));
            this.bridgeDir = Files.createTempDirectory(Path.of("/tmp"), "rmt-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            List<Bridge> bridges = new ArrayList<>();
            if (contained()) {
                remember(UnixSocketForwarder.start(bridgeDir.resolve(GATEWAY_SOCKET),
                        new InetSocketAddress("127.0.0.1", gateway.port())));
                bridges.add(new Bridge(GATEWAY_SOCKET, GATEWAY_PORT));
                remember(EgressProxy.start(bridgeDir.resolve(PROXY_SOCKET), r.egress(), r.log()));
                bridges.add(new Bridge(PROXY_SOCKET, PROXY_PORT));
            }
            List<Path> hidden = new ArrayList<>(r.settings().hiddenPaths());
            r.hidden().stream().filter(p -> !hidden.contains(p)).forEach(hidden::add);
            this.spec = new SandboxSpec(r.jobId(), r.workspace(), r.home(), bridgeDir, bridges,
                    r.settings().readPaths(), hidden);
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    public static JobSandbox open(Request request) throws IOException {
        return new JobSandbox(request);
    }

    private <T extends AutoCloseable> T remember(T resource) {
        opened.add(resource);
        return resource;
    }

    public Sandbox sandbox() {
        return sandbox;
    }

    public SandboxSpec spec() {
        return spec;
    }

    public JobLease lease() {
        return lease;
    }

    public boolean contained() {
        return sandbox.mode() != SandboxMode.NONE;
    }

    /** The gateway's address as the agent sees it: the bridge's port inside a sandbox, the real port without. */
    private String gatewayBase() {
        return "http://127.0.0.1:" + (contained() ? GATEWAY_PORT : gateway.port());
    }

    /** The OpenAI-compatible endpoint for agents that take one (the {@code openrouter} route), if configured. */
    public Optional<String> modelBaseUrl() {
        return routes.stream().filter(r -> r.name().equals("openrouter")).findFirst()
                .map(r -> gatewayBase() + "/" + r.name());
    }

    /**
     * What the agent's environment gets on top of its own: for every configured provider, the job's token in
     * place of the provider's key and the gateway as its base URL; inside a sandbox, the egress proxy.
     */
    public Map<String, String> agentEnvironment() {
        Map<String, String> env = new LinkedHashMap<>();
        for (GatewayRoute route : routes) {
            String url = gatewayBase() + "/" + route.name();
            switch (route.name()) {
                case "openrouter" -> {
                    env.put("OPENROUTER_API_KEY", lease.token());
                    env.put(MODEL_BASE_URL_VARIABLE, url);
                }
                case "openai" -> {
                    env.put("OPENAI_API_KEY", lease.token());
                    env.put("OPENAI_BASE_URL", url);
                }
                case "anthropic" -> {
                    env.put("ANTHROPIC_API_KEY", lease.token());
                    env.put("ANTHROPIC_BASE_URL", url);
                }
                default -> { }
            }
        }
        if (contained()) {
            String proxy = "http://127.0.0.1:" + PROXY_PORT;
            for (String name : List.of("HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy", "ALL_PROXY", "all_proxy")) {
                env.put(name, proxy);
            }
            env.put("NO_PROXY", "127.0.0.1,localhost");
            env.put("no_proxy", "127.0.0.1,localhost");
        }
        return env;
    }

    /** Closes the sockets, the lease (its token dies) and the gateway; removes the bridge folder. */
    @Override
    public void close() {
        for (int i = opened.size() - 1; i >= 0; i--) {
            try {
                opened.get(i).close();
            } catch (Exception e) {
                // closing the rest matters more
            }
        }
        opened.clear();
        if (bridgeDir != null) {
            try (Stream<Path> files = Files.walk(bridgeDir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                // a leftover empty folder in /tmp
            }
        }
    }
}
