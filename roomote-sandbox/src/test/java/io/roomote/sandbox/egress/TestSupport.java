package io.roomote.sandbox.egress;

import io.roomote.spi.JobLogger;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/** Real sockets for the proxy tests: a job log that records, a TCP echo server and a raw unix-socket client. */
final class TestSupport {

    private TestSupport() {
    }

    /** Keeps every job-log line as {@code LEVEL text}. */
    static final class RecordingLog implements JobLogger {
        final List<String> lines = new CopyOnWriteArrayList<>();

        @Override
        public void log(Level level, String line) {
            lines.add(level + " " + line);
        }
    }

    /** A clock the test moves by hand. */
    static final class ManualClock extends Clock {
        private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-01-01T00:00:00Z"));

        void advance(Duration d) {
            now.updateAndGet(t -> t.plus(d));
        }

        @Override
        public Instant instant() {
            return now.get();
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException();
        }
    }

    /** TCP echo server on 127.0.0.1; counts connections accepted and connections that ended. */
    static final class EchoServer implements Closeable {
        final ServerSocket server;
        final AtomicInteger accepted = new AtomicInteger();
        final AtomicInteger ended = new AtomicInteger();
        private final List<Socket> sockets = new CopyOnWriteArrayList<>();

        EchoServer() throws IOException {
            server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
            Thread t = new Thread(this::acceptLoop, "echo-accept");
            t.setDaemon(true);
            t.start();
        }

        int port() {
            return server.getLocalPort();
        }

        private void acceptLoop() {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    accepted.incrementAndGet();
                    sockets.add(s);
                    Thread t = new Thread(() -> echo(s), "echo");
                    t.setDaemon(true);
                    t.start();
                } catch (IOException e) {
                    return;
                }
            }
        }

        private void echo(Socket s) {
            try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                byte[] buf = new byte[4096];
                int n;
                while ((n = in.read(buf)) >= 0) {
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // closed under us: counts as ended too
            } finally {
                ended.incrementAndGet();
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket s : sockets) {
                s.close();
            }
        }
    }

    /** A client speaking raw HTTP to the proxy over its unix socket. */
    static final class Client implements Closeable {
        final SocketChannel channel;

        Client(Path socket) throws IOException {
            channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            channel.connect(UnixDomainSocketAddress.of(socket));
        }

        Client send(String text) throws IOException {
            ByteBuffer b = ByteBuffer.wrap(text.getBytes(StandardCharsets.ISO_8859_1));
            while (b.hasRemaining()) {
                channel.write(b);
            }
            return this;
        }

        /** The response head up to its blank line, or what came before the connection ended. */
        String readHead() throws IOException {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteBuffer one = ByteBuffer.allocate(1);
            while (true) {
                one.clear();
                if (channel.read(one) < 0) {
                    break;
                }
                out.write(one.get(0));
                String s = out.toString(StandardCharsets.ISO_8859_1);
                if (s.endsWith("\r\n\r\n")) {
                    break;
                }
            }
            return out.toString(StandardCharsets.ISO_8859_1);
        }

        String readExactly(int n) throws IOException {
            ByteBuffer b = ByteBuffer.allocate(n);
            while (b.hasRemaining()) {
                if (channel.read(b) < 0) {
                    throw new IOException("ended after " + b.position() + " of " + n + " bytes");
                }
            }
            return new String(b.array(), StandardCharsets.ISO_8859_1);
        }

        /** Everything until the proxy closes the connection. */
        String readToEnd() throws IOException {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteBuffer b = ByteBuffer.allocate(4096);
            while (true) {
                b.clear();
                int n;
                try {
                    n = channel.read(b);
                } catch (IOException e) {
                    break; // reset by the closing side
                }
                if (n < 0) {
                    break;
                }
                out.write(b.array(), 0, n);
            }
            return out.toString(StandardCharsets.ISO_8859_1);
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }
}
