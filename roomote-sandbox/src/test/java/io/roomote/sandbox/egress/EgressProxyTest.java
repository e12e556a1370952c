package io.roomote.sandbox.egress;

import com.sun.net.httpserver.HttpServer;
import io.roomote.sandbox.egress.TestSupport.Client;
import io.roomote.sandbox.egress.TestSupport.EchoServer;
import io.roomote.sandbox.egress.TestSupport.ManualClock;
import io.roomote.sandbox.egress.TestSupport.RecordingLog;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The proxy over real sockets: a real unix-domain listener, raw HTTP clients, a real TCP echo server and a real
 * JDK HttpServer upstream on 127.0.0.1 (allowed by IP literal, the explicit opt-in). Only name resolution is a
 * stand-in (a map), where a test needs a name to resolve to a chosen address.
 */
@Timeout(30)
class EgressProxyTest {

    private static final String SECRET = "c2VjcmV0LXByb3h5LWNyZWRlbnRpYWw"; // a proxy credential that must never leak

    @TempDir
    Path dir;

    private final RecordingLog log = new RecordingLog();
    private EchoServer echo;
    private EgressProxy proxy;

    @BeforeEach
    void startEcho() throws IOException {
        echo = new EchoServer();
    }

    @AfterEach
    void stop() throws IOException {
        if (proxy != null) {
            proxy.close();
        }
        echo.close();
        assertThat(String.join("\n", log.lines)).doesNotContain(SECRET);
    }

    private EgressProxy start(EgressPolicy policy) throws IOException {
        return start(policy, EgressProxy.Limits.defaults());
    }

    private EgressProxy start(EgressPolicy policy, EgressProxy.Limits limits) throws IOException {
        proxy = EgressProxy.start(dir.resolve("egress.sock"), policy, log, limits, Clock.systemUTC());
        return proxy;
    }

    private EgressPolicy echoAllowed() {
        return EgressPolicy.parse("127.0.0.1:" + echo.port());
    }

    private Client client() throws IOException {
        return new Client(proxy.socket());
    }

    private static String connect(String authority) {
        return "CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\nProxy-Authorization: Basic "
                + SECRET + "\r\n\r\n";
    }

    @Test
    void connectToAnAllowedDestinationTunnelsBytesBothWays() throws IOException {
        start(echoAllowed());
        try (Client c = client()) {
            // bytes sent eagerly right behind the head (as TLS clients do) must not be lost
            c.send(connect("127.0.0.1:" + echo.port()) + "early");

            assertThat(c.readHead()).startsWith("HTTP/1.1 200 Connection established\r\n");
            assertThat(c.readExactly(5)).isEqualTo("early");
            c.send("ping, then pong");
            assertThat(c.readExactly(15)).isEqualTo("ping, then pong");
        }
        assertThat(echo.accepted).hasValue(1);
        assertThat(proxy.allowedCount()).isEqualTo(1);
        assertThat(proxy.deniedCount()).isZero();
        assertThat(log.lines).containsExactly("INFO egress: CONNECT 127.0.0.1:" + echo.port());
    }

    @Test
    void connectToAnUnlistedHostIsRefusedWith403AndOneWarning() throws IOException {
        start(echoAllowed());
        try (Client c = client()) {
            String response = c.send(connect("attacker.example:443")).readToEnd();

            assertThat(response).startsWith("HTTP/1.1 403 Forbidden\r\n");
            assertThat(response).contains("Roomote egress proxy: attacker.example:443 is not allowed"
                    + " (not in the allow-list); allowed: 127.0.0.1:" + echo.port());
            assertThat(response).doesNotContain(SECRET);
        }
        assertThat(log.lines).containsExactly("WARN egress denied: CONNECT attacker.example:443 (not in the allow-list)");
        assertThat(proxy.deniedCount()).isEqualTo(1);
        assertThat(proxy.allowedCount()).isZero();
        assertThat(echo.accepted).hasValue(0);
    }

    @Test
    void repeatedRequestsToOneDestinationAreLoggedOncePerSecondButAllCounted() throws IOException {
        ManualClock clock = new ManualClock();
        proxy = EgressProxy.start(dir.resolve("egress.sock"), echoAllowed(), log, EgressProxy.Limits.defaults(), clock);
        String allowed = "127.0.0.1:" + echo.port();
        for (int i = 0; i < 3; i++) {
            try (Client c = client()) {
                assertThat(c.send(connect(allowed)).readHead()).startsWith("HTTP/1.1 200 ");
            }
            try (Client c = client()) {
                assertThat(c.send(connect("flood.example:443")).readToEnd()).startsWith("HTTP/1.1 403 ");
            }
        }
        assertThat(log.lines).containsExactly("INFO egress: CONNECT " + allowed,
                "WARN egress denied: CONNECT flood.example:443 (not in the allow-list)");

        clock.advance(Duration.ofSeconds(1));
        try (Client c = client()) {
            assertThat(c.send(connect(allowed)).readHead()).startsWith("HTTP/1.1 200 ");
        }

        assertThat(log.lines).hasSize(3).last().isEqualTo("INFO egress: CONNECT " + allowed);
        assertThat(proxy.allowedCount()).isEqualTo(4);
        assertThat(proxy.deniedCount()).isEqualTo(3);
    }

    @Test
    void theHostsOwnServicesAreRefusedWhenOnlyPublicNamesAreAllowed() throws IOException {
        // db.example.com is made to resolve to the host's loopback, where the echo server stands for a database
        EgressPolicy policy = EgressPolicy.parse("*.example.com,*.example.com:" + echo.port())
                .withResolver(host -> List.of(InetAddress.getByName("127.0.0.1")));
        start(policy);

        try (Client c = client()) {
            assertThat(c.send(connect("localhost:" + echo.port())).readToEnd()).startsWith("HTTP/1.1 403 ");
        }
        try (Client c = client()) {
            String response = c.send(connect("db.example.com:" + echo.port())).readToEnd();
            assertThat(response).startsWith("HTTP/1.1 403 ").contains("resolves to 127.0.0.1, a loopback address");
        }
        try (Client c = client()) {
            assertThat(c.send(connect("127.0.0.1:" + echo.port())).readToEnd()).startsWith("HTTP/1.1 403 ");
        }
        assertThat(echo.accepted).hasValue(0);
        assertThat(proxy.deniedCount()).isEqualTo(3);
        assertThat(log.lines).contains("WARN egress denied: CONNECT db.example.com:" + echo.port()
                + " (resolves to 127.0.0.1, a loopback address; list that IP explicitly to allow it)");
    }

    @Test
    void theProxyConnectsToTheAddressThePolicyCheckedNotToALaterAnswer() throws IOException {
        // A rebinding DNS stand-in: a public (documentation, unroutable) address first, the host's loopback after.
        AtomicInteger lookups = new AtomicInteger();
        EgressPolicy policy = EgressPolicy.parse("rebind.example.com:" + echo.port()).withResolver(host ->
                List.of(InetAddress.getByName(lookups.getAndIncrement() == 0 ? "203.0.113.10" : "127.0.0.1")));
        start(policy, new EgressProxy.Limits(8, 64 * 1024, Duration.ofSeconds(30), Duration.ofMillis(500)));

        try (Client c = client()) {
            // 203.0.113.10 cannot be reached from here: the connect fails or times out, it never reaches loopback
            assertThat(c.send(connect("rebind.example.com:" + echo.port())).readHead())
                    .matches("HTTP/1.1 50[24] (?s).*");
        }
        assertThat(echo.accepted).hasValue(0);
        assertThat(lookups).hasValue(1);
    }

    @Test
    void absoluteFormRequestsAreForwardedInOriginFormWithoutProxyHeaders() throws IOException {
        Map<String, String> seen = new ConcurrentHashMap<>();
        AtomicReference<String> body = new AtomicReference<>();
        HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
        http.createContext("/", exchange -> {
            seen.put("method", exchange.getRequestMethod());
            seen.put("uri", exchange.getRequestURI().toString());
            exchange.getRequestHeaders().forEach((k, v) -> seen.put(k.toLowerCase(), String.join(",", v)));
            body.set(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            byte[] answer = "hello from upstream".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        http.start();
        try {
            int port = http.getAddress().getPort();
            start(EgressPolicy.parse("127.0.0.1:" + port));
            String response;
            try (Client c = client()) {
                response = c.send("POST http://127.0.0.1:" + port + "/api/items?q=1 HTTP/1.1\r\n"
                        + "Host: 127.0.0.1:" + port + "\r\n"
                        + "Proxy-Authorization: Basic " + SECRET + "\r\n"
                        + "Proxy-Connection: keep-alive\r\n"
                        + "Connection: keep-alive, X-Hop\r\n"
                        + "X-Hop: only-for-the-proxy\r\n"
                        + "Authorization: Bearer end-to-end\r\n"
                        + "Content-Type: text/plain\r\n"
                        + "Content-Length: 11\r\n"
                        + "\r\n"
                        + "hello world").readToEnd();
            }

            assertThat(response).startsWith("HTTP/1.1 200 ").endsWith("hello from upstream");
            assertThat(seen).containsEntry("method", "POST")
                    .containsEntry("uri", "/api/items?q=1")
                    .containsEntry("host", "127.0.0.1:" + port)
                    .containsEntry("authorization", "Bearer end-to-end")
                    .containsEntry("connection", "close")
                    .doesNotContainKeys("proxy-authorization", "proxy-connection", "x-hop");
            assertThat(body).hasValue("hello world");
            assertThat(log.lines).containsExactly("INFO egress: POST 127.0.0.1:" + port);
            assertThat(String.join("\n", log.lines)).doesNotContain("end-to-end");
        } finally {
            http.stop(0);
        }
    }

    @Test
    void aDeniedAbsoluteFormRequestNamesItsMethod() throws IOException {
        start(echoAllowed());
        try (Client c = client()) {
            String response = c.send("GET http://user:" + SECRET + "@metadata.internal/latest HTTP/1.1\r\n"
                    + "Host: metadata.internal\r\n\r\n").readToEnd();
            assertThat(response).startsWith("HTTP/1.1 403 ").doesNotContain(SECRET);
        }
        assertThat(log.lines).containsExactly("WARN egress denied: GET metadata.internal:80 (not in the allow-list)");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "NONSENSE\r\n\r\n",
            "GET /relative HTTP/1.1\r\nHost: example.com\r\n\r\n",
            "GET https://example.com/ HTTP/1.1\r\n\r\n",
            "CONNECT example.com HTTP/1.1\r\n\r\n",
            "CONNECT example.com:99999 HTTP/1.1\r\n\r\n",
            "CONNECT exa mple.com:443 HTTP/1.1\r\n\r\n",
            "CONNECT example.com:443 HTTP/2.0\r\n\r\n",
            "CONNECT example.com:443 HTTP/1.1\r\nno colon here\r\n\r\n",
            "CONNECT example.com:443 HTTP/1.1\r\nX-A: 1\r\n folded\r\n\r\n",
            "GET http://exa%6dple.com/ HTTP/1.1\r\n\r\n",
            "\u0000\u0001\u0002\r\n\r\n"})
    void malformedRequestsGet400AndTheProxyKeepsServing(String request) throws IOException {
        start(echoAllowed());
        try (Client c = client()) {
            assertThat(c.send(request).readToEnd()).startsWith("HTTP/1.1 400 Bad Request\r\n");
        }
        try (Client c = client()) {
            assertThat(c.send(connect("127.0.0.1:" + echo.port())).readHead()).startsWith("HTTP/1.1 200 ");
        }
        assertThat(log.lines).noneMatch(l -> l.startsWith("WARN") || l.startsWith("ERROR"));
    }

    @Test
    void anOversizedHeadGets400() throws IOException {
        start(echoAllowed(), new EgressProxy.Limits(8, 1024, Duration.ofSeconds(30), Duration.ofSeconds(10)));
        try (Client c = client()) {
            String response = c.send("CONNECT 127.0.0.1:" + echo.port() + " HTTP/1.1\r\nX-Big: "
                    + "a".repeat(2000) + "\r\n\r\n").readToEnd();
            assertThat(response).startsWith("HTTP/1.1 400 ").contains("larger than 1024 bytes");
        }
        assertThat(echo.accepted).hasValue(0);
    }

    @Test
    void aSlowClientDoesNotBlockOthers() throws IOException {
        start(echoAllowed());
        try (Client slow = client()) {
            slow.send("CONNECT 127.0.0.1:"); // and never more
            try (Client c = client()) {
                assertThat(c.send(connect("127.0.0.1:" + echo.port())).readHead()).startsWith("HTTP/1.1 200 ");
                assertThat(c.send("still here").readExactly(10)).isEqualTo("still here");
            }
        }
    }

    @Test
    void aClientThatDoesNotFinishItsHeadInTimeIsDisconnected() throws Exception {
        start(echoAllowed(), new EgressProxy.Limits(8, 64 * 1024, Duration.ofMillis(300), Duration.ofSeconds(10)));
        try (Client slow = client()) {
            slow.send("CONNECT 127.0.0.1:");
            // readToEnd returns only once the proxy hangs up (the class timeout fails the test otherwise)
            assertThat(slow.readToEnd()).isEmpty();
        }
        // the deadline guards the head only: an open tunnel outlives it
        try (Client c = client()) {
            assertThat(c.send(connect("127.0.0.1:" + echo.port())).readHead()).startsWith("HTTP/1.1 200 ");
            Thread.sleep(600); // let the head deadline pass: there is no event to wait for, only time
            assertThat(c.send("later").readExactly(5)).isEqualTo("later");
        }
    }

    @Test
    void connectionsBeyondTheCapGet503() throws IOException {
        start(echoAllowed(), new EgressProxy.Limits(1, 64 * 1024, Duration.ofSeconds(30), Duration.ofSeconds(10)));
        try (Client first = client()) {
            first.send("CONNECT 127.0.0.1:");
            try (Client second = client()) {
                assertThat(second.readToEnd()).startsWith("HTTP/1.1 503 Service Unavailable\r\n")
                        .contains("too many connections (1)");
            }
        }
        // the slot comes back once the first connection is gone
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            try (Client c = client()) {
                assertThat(c.send(connect("127.0.0.1:" + echo.port())).readHead()).startsWith("HTTP/1.1 200 ");
            }
        });
    }

    @Test
    void anUnreachableUpstreamGets502() throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            closedPort = s.getLocalPort();
        }
        start(EgressPolicy.parse("127.0.0.1:" + closedPort));
        try (Client c = client()) {
            assertThat(c.send(connect("127.0.0.1:" + closedPort)).readToEnd()).startsWith("HTTP/1.1 502 Bad Gateway");
        }
    }

    @Test
    void closeEndsOpenTunnelsAndRemovesTheSocket() throws IOException {
        start(echoAllowed());
        Path socket = proxy.socket();
        try (Client c = client()) {
            assertThat(c.send(connect("127.0.0.1:" + echo.port())).readHead()).startsWith("HTTP/1.1 200 ");
            assertThat(c.send("x").readExactly(1)).isEqualTo("x");

            proxy.close();

            assertThat(c.readToEnd()).isEmpty();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(echo.ended).hasValue(1));
        }
        assertThat(socket).doesNotExist();
    }

    @Test
    void theSocketIsOnlyForItsOwner() throws IOException {
        start(echoAllowed());
        assertThat(Files.getPosixFilePermissions(proxy.socket()))
                .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    }

    @Test
    void aStaleSocketFileIsReplaced() throws IOException {
        // what a crashed run leaves behind: a socket file nobody listens on
        Path socket = dir.resolve("egress.sock");
        try (ServerSocketChannel stale = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            stale.bind(UnixDomainSocketAddress.of(socket));
        }
        assertThat(socket).exists();

        start(echoAllowed());

        try (Client c = client()) {
            assertThat(c.send(connect("127.0.0.1:" + echo.port())).readHead()).startsWith("HTTP/1.1 200 ");
        }
    }

    @Test
    void aRegularFileInTheWayIsNotDeleted() throws IOException {
        Path socket = Files.writeString(dir.resolve("egress.sock"), "not a socket");

        assertThatThrownBy(() -> start(echoAllowed())).isInstanceOf(IOException.class)
                .hasMessageContaining("not a socket");
        assertThat(socket).hasContent("not a socket");
    }
}
