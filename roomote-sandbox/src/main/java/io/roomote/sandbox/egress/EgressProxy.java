package io.roomote.sandbox.egress;

import io.roomote.sandbox.bridge.PrivateSocket;
import io.roomote.spi.JobLogger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The agent's only way to the internet: an HTTP/1.1 proxy on a unix-domain socket (mode 0600) that the sandbox's
 * socat bridge leads to. {@code CONNECT host:port} opens a tunnel; an absolute-form request ({@code GET http://…})
 * is forwarded in origin form with this hop's headers removed. Every destination must pass the
 * {@link EgressPolicy}; the proxy connects to exactly the addresses the policy checked.
 *
 * <p>Hostile clients are expected: the head is limited in size and must arrive within a deadline, concurrent
 * connections are capped (503 beyond), and nothing the client sent but host and port reaches a log — in
 * particular never an (Proxy-)Authorization value.
 */
public final class EgressProxy implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EgressProxy.class);

    /**
     * @param maxConnections concurrent connections served; more get a 503
     * @param maxHeadBytes   size limit of a request head; larger is a 400
     * @param headTimeout    time a connection has to send its head and be answered or tunnelled (slowloris)
     * @param connectTimeout time to connect upstream
     */
    public record Limits(int maxConnections, int maxHeadBytes, Duration headTimeout, Duration connectTimeout) {
        public Limits {
            if (maxConnections < 1 || maxHeadBytes < 64) {
                throw new IllegalArgumentException("maxConnections >= 1 and maxHeadBytes >= 64 expected");
            }
            if (headTimeout.isNegative() || headTimeout.isZero() || connectTimeout.isNegative()
                    || connectTimeout.isZero()) {
                throw new IllegalArgumentException("headTimeout and connectTimeout must be positive");
            }
        }

        /** 64 connections, 64 KiB heads, 30 s for the head, 10 s to connect. */
        public static Limits defaults() {
            return new Limits(64, 64 * 1024, Duration.ofSeconds(30), Duration.ofSeconds(10));
        }
    }

    private final Path socket;
    private final EgressPolicy policy;
    private final JobLogger log;
    private final Limits limits;
    private final LogThrottle throttle;
    private final ServerSocketChannel server;
    private final Semaphore slots;
    private final ExecutorService workers;
    private final ScheduledExecutorService deadlines;
    private final Set<Closeable> open = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicLong allowed = new AtomicLong();
    private final AtomicLong denied = new AtomicLong();

    private EgressProxy(Path socket, EgressPolicy policy, JobLogger log, Limits limits, Clock clock,
                        ServerSocketChannel server) {
        this.socket = socket;
        this.policy = policy;
        this.log = log;
        this.limits = limits;
        this.throttle = new LogThrottle(clock, Duration.ofSeconds(1));
        this.server = server;
        this.slots = new Semaphore(limits.maxConnections());
        // Two threads per connection at most (one per direction); the semaphore caps connections, so the queue
        // only ever holds a task for the moment a finishing thread needs to become free.
        ThreadPoolExecutor pool = new ThreadPoolExecutor(2 * limits.maxConnections(), 2 * limits.maxConnections(),
                30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), daemons("roomote-egress"));
        pool.allowCoreThreadTimeOut(true);
        this.workers = pool;
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, daemons("roomote-egress-deadline"));
        timer.setRemoveOnCancelPolicy(true);
        this.deadlines = timer;
    }

    /** Listens on {@code socket} with {@link Limits#defaults()}. */
    public static EgressProxy start(Path socket, EgressPolicy policy, JobLogger log) throws IOException {
        return start(socket, policy, log, Limits.defaults(), Clock.systemUTC());
    }

    /**
     * Listens on {@code socket} (created with mode 0600, a stale socket file there replaced) until {@link #close()}.
     * {@code clock} paces the job-log lines.
     */
    public static EgressProxy start(Path socket, EgressPolicy policy, JobLogger log, Limits limits, Clock clock)
            throws IOException {
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(log, "log");
        ServerSocketChannel server = PrivateSocket.bind(socket, 128);
        EgressProxy proxy = new EgressProxy(socket, policy, log, limits, clock, server);
        Thread acceptor = new Thread(proxy::acceptLoop, "roomote-egress-accept");
        acceptor.setDaemon(true);
        acceptor.start();
        return proxy;
    }

    public Path socket() {
        return socket;
    }

    /** Requests let through (tunnels opened or requests forwarded, including those whose upstream then failed). */
    public long allowedCount() {
        return allowed.get();
    }

    /** Requests refused by the policy (403). */
    public long deniedCount() {
        return denied.get();
    }

    /** Stops listening, ends every open connection and tunnel, and deletes the socket file. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        Closing.quietly(server);
        for (Closeable c : open) {
            Closing.quietly(c);
        }
        workers.shutdownNow();
        deadlines.shutdownNow();
        try {
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            LOG.debug("cannot delete egress socket {}: {}", socket, e.toString());
        }
    }

    private void acceptLoop() {
        while (!closed.get()) {
            SocketChannel client;
            try {
                client = server.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (closed.get()) {
                    return;
                }
                LOG.warn("egress proxy accept failed: {}", e.toString());
                continue;
            }
            if (!slots.tryAcquire()) {
                refuseBusy(client);
                continue;
            }
            track(client);
            try {
                workers.execute(() -> {
                    try {
                        serve(client);
                    } finally {
                        untrack(client);
                        slots.release();
                    }
                });
            } catch (RejectedExecutionException e) {
                untrack(client); // closing down
                Closing.quietly(client);
                slots.release();
            }
        }
    }

    /** Beyond the cap: answer without a thread (non-blocking, the answer fits any socket buffer) and hang up. */
    private void refuseBusy(SocketChannel client) {
        try (client) {
            client.configureBlocking(false);
            client.write(ByteBuffer.wrap(response(503, "Service Unavailable",
                    "Roomote egress proxy: too many connections (" + limits.maxConnections() + "); retry later")));
        } catch (IOException e) {
            // the client is gone: nothing to tell it
        }
    }

    private void serve(SocketChannel client) {
        Socket upstream = null;
        ScheduledFuture<?> deadline = schedule(client);
        try {
            Optional<HeadReader.Head> read = HeadReader.read(client, limits.maxHeadBytes());
            if (read.isEmpty()) {
                return;
            }
            RequestHead request = RequestHead.parse(read.get().head());
            String target = request.authority();
            EgressPolicy.Decision decision = policy.decide(request.host(), request.port());
            if (!decision.allowed()) {
                denied.incrementAndGet();
                if (throttle.admit("denied " + request.method() + " " + target)) {
                    log.warn("egress denied: " + request.method() + " " + target + " (" + decision.reason() + ")");
                }
                answer(client, 403, "Forbidden", "Roomote egress proxy: " + target + " is not allowed ("
                        + decision.reason() + "); allowed: " + policy.describe());
                return;
            }
            allowed.incrementAndGet();
            if (throttle.admit("allowed " + request.method() + " " + target)) {
                log.info("egress: " + request.method() + " " + target);
            }
            try {
                upstream = connect(decision, request.port());
            } catch (IOException e) {
                boolean timeout = e instanceof SocketTimeoutException;
                if (throttle.admit("failed " + target)) {
                    log.warn("egress: cannot connect to " + target + " (" + (timeout ? "timed out" : e.getMessage()) + ")");
                }
                answer(client, timeout ? 504 : 502, timeout ? "Gateway Timeout" : "Bad Gateway",
                        "Roomote egress proxy: cannot connect to " + target);
                return;
            }
            track(upstream);
            if (closed.get()) {
                return;
            }
            OutputStream toUpstream = upstream.getOutputStream();
            if (request.isConnect()) {
                Tunnel.writeFully(client, ByteBuffer.wrap(
                        "HTTP/1.1 200 Connection established\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
            } else {
                toUpstream.write(request.forwardHead());
            }
            ByteBuffer rest = read.get().rest();
            toUpstream.write(rest.array(), rest.position(), rest.remaining());
            toUpstream.flush();
            // From here on the connection is the agent's; the deadline only guarded the head.
            if (deadline != null && !deadline.cancel(false)) {
                return; // the deadline fired at this very moment and closed the client
            }
            Tunnel.run(client, upstream, workers);
        } catch (BadRequest e) {
            answerQuietly(client, 400, "Bad Request", "Roomote egress proxy: " + e.getMessage());
        } catch (IOException e) {
            LOG.debug("egress connection ended: {}", e.toString());
        } catch (RuntimeException e) {
            // never let a client take the proxy down; the message holds no client data but host and port
            LOG.warn("egress proxy failed serving a connection: {}", e.toString());
            answerQuietly(client, 500, "Internal Server Error", "Roomote egress proxy: internal error");
        } finally {
            if (deadline != null) {
                deadline.cancel(false);
            }
            Closing.quietly(client);
            if (upstream != null) {
                untrack(upstream);
                Closing.quietly(upstream);
            }
        }
    }

    private ScheduledFuture<?> schedule(SocketChannel client) {
        try {
            return deadlines.schedule(() -> Closing.quietly(client), limits.headTimeout().toMillis(),
                    TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            Closing.quietly(client); // shutting down
            return null;
        }
    }

    private Socket connect(EgressPolicy.Decision decision, int port) throws IOException {
        IOException last = null;
        for (InetAddress address : decision.addresses()) {
            Socket s = new Socket();
            try {
                s.setTcpNoDelay(true);
                s.connect(new InetSocketAddress(address, port), (int) limits.connectTimeout().toMillis());
                return s;
            } catch (IOException e) {
                Closing.quietly(s);
                last = e;
            }
        }
        throw last != null ? last : new IOException("no address to connect to");
    }

    private void answer(SocketChannel client, int code, String reason, String body) throws IOException {
        Tunnel.writeFully(client, ByteBuffer.wrap(response(code, reason, body)));
    }

    private void answerQuietly(SocketChannel client, int code, String reason, String body) {
        try {
            answer(client, code, reason, body);
        } catch (IOException e) {
            // the client is gone
        }
    }

    private static byte[] response(int code, String reason, String body) {
        byte[] b = (body + "\n").getBytes(StandardCharsets.UTF_8);
        String head = "HTTP/1.1 " + code + " " + reason + "\r\n"
                + "Content-Type: text/plain; charset=utf-8\r\n"
                + "Content-Length: " + b.length + "\r\n"
                + "Connection: close\r\n\r\n";
        byte[] h = head.getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[h.length + b.length];
        System.arraycopy(h, 0, all, 0, h.length);
        System.arraycopy(b, 0, all, h.length, b.length);
        return all;
    }

    private void track(Closeable c) {
        open.add(c);
        if (closed.get()) {
            Closing.quietly(c); // close() may have run between accept and here
        }
    }

    private void untrack(Closeable c) {
        open.remove(c);
    }

    private static ThreadFactory daemons(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
