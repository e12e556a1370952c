package io.roomote.sandbox.bridge;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The host end of a {@link io.roomote.sandbox.Bridge}: listens on a unix socket in the job's bridge folder and
 * pipes each connection, both ways, to a TCP service on the host (the model gateway, the egress proxy). Inside
 * the sandbox, socat connects the agent's {@code 127.0.0.1:port} to this socket.
 *
 * <p>The socket file gets mode 0600 (the bridge folder is 0700 already), so only the runner's user, which the
 * sandbox runs as, may connect. A half-close is passed on (the service sees EOF once the agent finished
 * sending, and can still answer). {@link #close()} stops listening, cuts open connections and deletes the
 * socket file. A unix socket path is limited to 107 bytes: keep the bridge folder short.
 */
public final class UnixSocketForwarder implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(UnixSocketForwarder.class);
    private static final int CONNECT_TIMEOUT_MILLIS = 10_000;

    private final Path socket;
    private final InetSocketAddress target;
    private final ServerSocketChannel server;
    private final Set<SocketChannel> open = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;
    private final AtomicInteger connections = new AtomicInteger();
    private volatile boolean closed;

    private UnixSocketForwarder(Path socket, InetSocketAddress target, ServerSocketChannel server) {
        this.socket = socket;
        this.target = target;
        this.server = server;
        this.acceptor = new Thread(this::acceptLoop, "bridge-accept-" + socket.getFileName());
        this.acceptor.setDaemon(true);
    }

    /**
     * Listens on {@code socket} (a stale socket file left there is replaced; any other file is an error) and
     * forwards to {@code target}.
     */
    public static UnixSocketForwarder start(Path socket, InetSocketAddress target) throws IOException {
        Path path = socket.toAbsolutePath();
        ServerSocketChannel server = PrivateSocket.bind(path, 0);
        UnixSocketForwarder forwarder = new UnixSocketForwarder(path, target, server);
        forwarder.acceptor.start();
        return forwarder;
    }

    public Path socket() {
        return socket;
    }

    public InetSocketAddress target() {
        return target;
    }

    private void acceptLoop() {
        while (!closed) {
            SocketChannel client;
            try {
                client = server.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (!closed) {
                    LOG.warn("bridge {}: accept failed: {}", socket.getFileName(), e.getMessage());
                }
                return;
            }
            Thread t = new Thread(() -> connect(client), "bridge-" + socket.getFileName() + "-" + connections.incrementAndGet());
            t.setDaemon(true);
            t.start();
        }
    }

    private void connect(SocketChannel client) {
        open.add(client);
        SocketChannel upstream = null;
        try {
            upstream = SocketChannel.open();
            open.add(upstream);
            upstream.socket().connect(target, CONNECT_TIMEOUT_MILLIS);
        } catch (IOException e) {
            LOG.warn("bridge {}: cannot reach {}: {}", socket.getFileName(), target, e.getMessage());
            release(client, upstream);
            return;
        }
        if (closed) {
            release(client, upstream);
            return;
        }
        SocketChannel up = upstream;
        Thread back = new Thread(() -> pipe(up, client), Thread.currentThread().getName() + "-back");
        back.setDaemon(true);
        back.start();
        pipe(client, up);
        try {
            back.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        release(client, up);
    }

    private void release(SocketChannel client, SocketChannel upstream) {
        closeQuietly(client);
        closeQuietly(upstream);
        open.remove(client);
        if (upstream != null) {
            open.remove(upstream);
        }
    }

    /** Copies until EOF, then half-closes {@code to}; on an error closes both so the other direction ends too. */
    private void pipe(SocketChannel from, SocketChannel to) {
        ByteBuffer buffer = ByteBuffer.allocate(16 * 1024);
        try {
            while (from.read(buffer) >= 0) {
                buffer.flip();
                while (buffer.hasRemaining()) {
                    to.write(buffer);
                }
                buffer.clear();
            }
            to.shutdownOutput();
        } catch (IOException e) {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        closeQuietly(server);
        try {
            acceptor.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        open.forEach(UnixSocketForwarder::closeQuietly);
        open.clear();
        try {
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            throw new UncheckedIOException("could not delete the bridge socket " + socket, e);
        }
    }

    private static void closeQuietly(java.nio.channels.Channel c) {
        if (c != null) {
            try {
                c.close();
            } catch (IOException ignored) {
                // closing is all we wanted
            }
        }
    }
}
