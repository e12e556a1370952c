package io.roomote.sandbox.egress;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;

/**
 * Relays bytes both ways between the agent's connection and the upstream socket until the upstream closes, or
 * either side fails. The agent closing its sending side only half-closes the upstream, so a response still comes
 * back. Uses the calling thread for one direction and one pool thread for the other.
 */
final class Tunnel {

    private static final int BUFFER = 16 * 1024;

    private Tunnel() {
    }

    static void run(SocketChannel client, Socket upstream, ExecutorService pool) throws IOException {
        Future<?> down;
        try {
            down = pool.submit(() -> {
                try {
                    upstreamToClient(upstream, client);
                } finally {
                    // upstream done (or broken): the tunnel is over, which also ends the other direction
                    Closing.quietly(client);
                    Closing.quietly(upstream);
                }
                return null;
            });
        } catch (RejectedExecutionException e) {
            // the proxy is closing
            Closing.quietly(client);
            Closing.quietly(upstream);
            return;
        }
        try {
            clientToUpstream(client, upstream);
        } catch (IOException e) {
            Closing.quietly(client);
            Closing.quietly(upstream);
        }
        try {
            down.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            // the relay's failure is a closed connection, already cleaned up
        }
    }

    private static void clientToUpstream(SocketChannel client, Socket upstream) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(BUFFER);
        OutputStream out = upstream.getOutputStream();
        while (true) {
            buf.clear();
            int n = client.read(buf);
            if (n < 0) {
                upstream.shutdownOutput();
                return;
            }
            out.write(buf.array(), 0, n);
            out.flush();
        }
    }

    private static void upstreamToClient(Socket upstream, SocketChannel client) throws IOException {
        byte[] buf = new byte[BUFFER];
        InputStream in = upstream.getInputStream();
        while (true) {
            int n = in.read(buf);
            if (n < 0) {
                return;
            }
            writeFully(client, ByteBuffer.wrap(buf, 0, n));
        }
    }

    static void writeFully(SocketChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }
}
