package io.roomote.sandbox.bridge;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** All real: a java.nio unix socket on one side, a plain TCP server on 127.0.0.1 on the other. */
class UnixSocketForwarderTest {

    @TempDir
    Path dir;

    private ServerSocket tcp;
    private Thread serverThread;

    @AfterEach
    void stopServer() throws Exception {
        if (tcp != null) {
            tcp.close();
        }
        if (serverThread != null) {
            serverThread.join(5_000);
        }
    }

    /**
     * A TCP service that reads until EOF, then answers with the SHA-256 of what it read and closes: it only
     * answers once the half-close arrived, so the test also proves the half-close is passed on.
     */
    private InetSocketAddress digestServer() throws IOException {
        tcp = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        serverThread = new Thread(() -> {
            while (!tcp.isClosed()) {
                try (Socket s = tcp.accept()) {
                    byte[] all = s.getInputStream().readAllBytes();
                    OutputStream out = s.getOutputStream();
                    out.write(("got " + all.length + " bytes " + hex(MessageDigest.getInstance("SHA-256").digest(all)) + "\n")
                            .getBytes(StandardCharsets.UTF_8));
                    // A large answer as well, so that data flows both ways in bulk.
                    out.write(new byte[300_000]);
                } catch (Exception e) {
                    // closed by the test
                }
            }
        });
        serverThread.setDaemon(true);
        serverThread.start();
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), tcp.getLocalPort());
    }

    @Test
    void pipesBothWaysAndPassesOnTheHalfClose() throws Exception {
        InetSocketAddress target = digestServer();
        Path socket = dir.resolve("gateway.sock");
        byte[] payload = new byte[1_000_000];
        new Random(42).nextBytes(payload);

        try (UnixSocketForwarder forwarder = UnixSocketForwarder.start(socket, target);
             SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            assertThat(forwarder.socket()).isEqualTo(socket);
            CompletableFuture<byte[]> answer = CompletableFuture.supplyAsync(() -> readAll(client));
            ByteBuffer b = ByteBuffer.wrap(payload);
            while (b.hasRemaining()) {
                client.write(b);
            }
            client.shutdownOutput();
            byte[] got = answer.get(20, TimeUnit.SECONDS);
            String head = new String(got, 0, indexOf(got, (byte) '\n'), StandardCharsets.UTF_8);
            assertThat(head).isEqualTo("got 1000000 bytes " + hex(MessageDigest.getInstance("SHA-256").digest(payload)));
            assertThat(got.length - head.length() - 1).isEqualTo(300_000);
        }
    }

    @Test
    void theSocketIsOwnerOnlyAndDeletedOnClose() throws Exception {
        Path socket = dir.resolve("proxy.sock");
        UnixSocketForwarder forwarder = UnixSocketForwarder.start(socket, digestServer());
        assertThat(Files.getPosixFilePermissions(socket)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        forwarder.close();
        assertThat(socket).doesNotExist();
        assertThatThrownBy(() -> SocketChannel.open(UnixDomainSocketAddress.of(socket))).isInstanceOf(IOException.class);
    }

    @Test
    void closeCutsOpenConnections() throws Exception {
        // A service that never answers nor closes: only the forwarder's close can end the client's read.
        tcp = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        CompletableFuture<Socket> accepted = CompletableFuture.supplyAsync(() -> {
            try {
                return tcp.accept();
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        Path socket = dir.resolve("idle.sock");
        UnixSocketForwarder forwarder = UnixSocketForwarder.start(socket, (InetSocketAddress) tcp.getLocalSocketAddress());
        try (SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(socket));
             Socket upstream = accepted.get(10, TimeUnit.SECONDS)) {
            CompletableFuture<byte[]> read = CompletableFuture.supplyAsync(() -> readAll(client));
            assertThat(read).isNotDone();
            forwarder.close();
            assertThat(read.get(10, TimeUnit.SECONDS)).isEmpty();
            // The service's side is cut too.
            upstream.setSoTimeout(10_000);
            assertThat(upstream.getInputStream().read()).isEqualTo(-1);
        }
    }

    @Test
    void anUnreachableTargetEndsTheClientsConnection() throws Exception {
        int freePort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            freePort = s.getLocalPort();
        }
        Path socket = dir.resolve("nowhere.sock");
        try (UnixSocketForwarder forwarder = UnixSocketForwarder.start(socket, new InetSocketAddress(InetAddress.getLoopbackAddress(), freePort));
             SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            assertThat(CompletableFuture.supplyAsync(() -> readAll(client)).get(15, TimeUnit.SECONDS)).isEmpty();
        }
    }

    @Test
    void replacesAStaleSocketButNotAnOrdinaryFile() throws Exception {
        Path stale = dir.resolve("stale.sock");
        // A socket file whose listener is gone, as a killed runner leaves it.
        try (var ch = java.nio.channels.ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.bind(UnixDomainSocketAddress.of(stale));
        }
        assertThat(stale).exists();
        InetSocketAddress target = digestServer();
        try (UnixSocketForwarder forwarder = UnixSocketForwarder.start(stale, target);
             SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(stale))) {
            client.shutdownOutput();
            assertThat(new String(readAll(client), StandardCharsets.UTF_8)).startsWith("got 0 bytes ");
        }

        Path file = Files.writeString(dir.resolve("notes.sock"), "keep me");
        assertThatThrownBy(() -> UnixSocketForwarder.start(file, target))
                .isInstanceOf(IOException.class).hasMessageContaining("not a socket");
        assertThat(file).hasContent("keep me");
    }

    @Test
    void servesManyConnectionsAtOnce() throws Exception {
        InetSocketAddress target = digestServer();
        Path socket = dir.resolve("many.sock");
        try (UnixSocketForwarder forwarder = UnixSocketForwarder.start(socket, target)) {
            var answers = java.util.stream.IntStream.range(0, 8).mapToObj(i -> CompletableFuture.supplyAsync(() -> {
                try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
                    c.write(ByteBuffer.wrap(("client " + i).getBytes(StandardCharsets.UTF_8)));
                    c.shutdownOutput();
                    return new String(readAll(c), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            })).toList();
            for (int i = 0; i < answers.size(); i++) {
                assertThat(answers.get(i).get(20, TimeUnit.SECONDS)).startsWith("got " + ("client " + i).length() + " bytes ");
            }
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> !Files.exists(socket));
    }

    private static byte[] readAll(SocketChannel c) {
        try (InputStream in = Channels.newInputStream(c)) {
            return in.readAllBytes();
        } catch (IOException e) {
            return new byte[0];
        }
    }

    private static int indexOf(byte[] bytes, byte b) {
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == b) {
                return i;
            }
        }
        return bytes.length;
    }

    private static String hex(byte[] b) {
        return java.util.HexFormat.of().formatHex(b);
    }
}
