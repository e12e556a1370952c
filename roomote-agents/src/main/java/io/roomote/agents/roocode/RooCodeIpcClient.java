package io.roomote.agents.roocode;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.Closeable;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A client of Roo Code's IPC server over its Unix-domain socket: connect, wait for the {@code Ack} that
 * carries this client's id, then send {@code TaskCommand}s stamped with that id and receive the
 * {@code TaskEvent}s the extension broadcasts. One reader thread decodes frames and hands events to the
 * {@link Listener}; commands are written whole, by a writer thread, so a peer that stops reading cannot
 * block the caller for longer than the send timeout.
 */
final class RooCodeIpcClient implements Closeable {

    /** Receives what the server sends, on the reader thread. */
    interface Listener {
        /** A {@code TaskEvent}: {@code data} is {@code {eventName, payload, ...}}. */
        void onEvent(JsonNode data);

        /** The connection ended: {@code byUs} when {@link #close()} was called, else the peer went away. */
        void onClosed(boolean byUs, String reason);
    }

    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(5);

    private final ObjectMapper mapper;
    private final SocketChannel channel;
    private final Listener listener;
    private final CompletableFuture<String> ack = new CompletableFuture<>();
    private final AtomicBoolean closing = new AtomicBoolean();
    private final ExecutorService writer;
    private final Thread reader;

    private RooCodeIpcClient(ObjectMapper mapper, SocketChannel channel, Listener listener, String name) {
        this.mapper = mapper;
        this.channel = channel;
        this.listener = listener;
        this.writer = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, name + "-writer");
            t.setDaemon(true);
            return t;
        });
        this.reader = new Thread(this::readLoop, name + "-reader");
        this.reader.setDaemon(true);
    }

    /**
     * Connects to {@code socket} and waits up to {@code ackTimeout} for the server's Ack.
     *
     * @throws IOException      when the socket refuses the connection
     * @throws TimeoutException when no Ack came in time (the connection is closed again)
     */
    static RooCodeIpcClient connect(ObjectMapper mapper, Path socket, Duration ackTimeout, Listener listener, String threadName)
            throws IOException, TimeoutException, InterruptedException {
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            channel.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        RooCodeIpcClient client = new RooCodeIpcClient(mapper, channel, listener, threadName);
        client.reader.start();
        try {
            client.ack.get(ackTimeout.toMillis(), TimeUnit.MILLISECONDS);
            return client;
        } catch (ExecutionException e) {
            client.close();
            throw new IOException("the connection ended before the Ack: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException | InterruptedException e) {
            client.close();
            throw e;
        }
    }

    /** The id the server gave this client in its Ack. */
    String clientId() {
        return ack.getNow(null);
    }

    /**
     * Sends a {@code TaskCommand}. {@code data} may be null for commands without data; it is then left out
     * (the server's schema rejects {@code null} in optional fields).
     */
    void send(String commandName, JsonNode data) throws IOException {
        Objects.requireNonNull(commandName, "commandName");
        String clientId = Objects.requireNonNull(clientId(), "no Ack yet");
        ObjectNode command = mapper.createObjectNode();
        command.put("commandName", commandName);
        if (data != null && !data.isNull() && !data.isMissingNode()) {
            command.set("data", data);
        }
        ObjectNode message = mapper.createObjectNode();
        message.put("type", "TaskCommand");
        message.put("origin", "client");
        message.put("clientId", clientId);
        message.set("data", command);
        write(IpcFraming.encode(mapper, message));
    }

    private void write(byte[] frame) throws IOException {
        if (closing.get() || !channel.isOpen()) {
            throw new ClosedChannelException();
        }
        CompletableFuture<Void> done;
        try {
            done = CompletableFuture.runAsync(() -> {
                try {
                    ByteBuffer buffer = ByteBuffer.wrap(frame);
                    while (buffer.hasRemaining()) {
                        channel.write(buffer);
                    }
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }, writer);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            throw new ClosedChannelException(); // closed meanwhile
        }
        try {
            done.get(SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() instanceof java.io.UncheckedIOException u ? u.getCause() : e.getCause();
            throw cause instanceof IOException io ? io : new IOException(cause);
        } catch (TimeoutException e) {
            close();
            throw new IOException("Roo Code did not read a command within " + SEND_TIMEOUT.toSeconds() + " s; connection closed");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while sending a command");
        }
    }

    private void readLoop() {
        IpcFraming framing = new IpcFraming();
        ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
        String reason = "end of stream";
        try {
            while (true) {
                buffer.clear();
                int n = channel.read(buffer);
                if (n < 0) {
                    break;
                }
                for (String frame : framing.feed(buffer.array(), 0, n)) {
                    IpcFraming.decode(mapper, frame).ifPresent(this::dispatch);
                }
            }
        } catch (IOException e) {
            reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        } catch (RuntimeException e) {
            reason = "failed to handle a message: " + e;
        } finally {
            boolean byUs = closing.get();
            ack.completeExceptionally(new IOException(byUs ? "closed" : reason));
            try {
                channel.close();
            } catch (IOException ignored) {
                // already closing
            }
            listener.onClosed(byUs, byUs ? "closed by Roomote" : reason);
        }
    }

    private void dispatch(JsonNode message) {
        String type = message.path("type").asText("");
        switch (type) {
            case "Ack" -> {
                JsonNode clientId = message.path("data").path("clientId");
                if (clientId.isTextual() && !clientId.asText().isEmpty()) {
                    ack.complete(clientId.asText());
                }
            }
            case "TaskEvent" -> {
                JsonNode data = message.get("data");
                if (data != null && data.isObject() && data.path("eventName").isTextual()) {
                    listener.onEvent(data);
                }
            }
            default -> {
                // Commands echoed by another client's relay, or types from a newer version: not for us.
            }
        }
    }

    /** Disconnects (there is no goodbye message in the protocol). Safe to call more than once. */
    @Override
    public void close() {
        if (closing.compareAndSet(false, true)) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // nothing more to do
            }
            writer.shutdownNow();
        }
    }

    /** Waits for the reader thread to finish after {@link #close()} or end of stream. */
    void awaitReader(Duration max) throws InterruptedException {
        reader.join(Math.max(1, max.toMillis()));
    }
}
