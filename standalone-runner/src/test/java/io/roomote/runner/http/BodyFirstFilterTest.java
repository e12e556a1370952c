package io.roomote.runner.http;

import io.javalin.Javalin;
import jakarta.servlet.DispatcherType;
import org.eclipse.jetty.servlet.FilterHolder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@link BodyFirstFilter} in front of a bare Javalin app on loopback that answers with the length of the body
 * it got: bodies reach the handler whole, and the filter's own refusals (too large, memory budget spent).
 */
class BodyFirstFilterTest {

    private static final int MAX_BODY = 1000;
    private static final long BUDGET = 2000;

    private final BodyFirstFilter filter = new BodyFirstFilter(MAX_BODY, BUDGET);
    private final List<Socket> sockets = new ArrayList<>();
    private Javalin app;

    private int start() {
        app = Javalin.create(config -> {
            config.showJavalinBanner = false;
            config.jetty.modifyServletContextHandler(context -> context.addFilter(new FilterHolder(filter), "/*",
                    EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC)));
        });
        app.post("/echo", ctx -> ctx.result(String.valueOf(ctx.bodyAsBytes().length)));
        HttpServers.start(app, "127.0.0.1", 0);
        return app.port();
    }

    @AfterEach
    void stop() throws IOException {
        for (Socket s : sockets) {
            s.close();
        }
        if (app != null) {
            app.stop();
        }
    }

    /** Sends the headers of a POST declaring {@code declared} bytes, and the first {@code sent} of them. */
    private Socket post(int port, int declared, int sent) throws IOException {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
        s.setSoTimeout(10_000);
        sockets.add(s);
        OutputStream out = s.getOutputStream();
        out.write(("POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " + declared + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.write(new byte[sent]);
        out.flush();
        return s;
    }

    /** The status line and headers of the answer, then its body as the last element. */
    private static List<String> answer(Socket s) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
        List<String> lines = new ArrayList<>();
        int length = 0;
        for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
            lines.add(line);
            if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(line.indexOf(':') + 1).trim());
            }
        }
        char[] body = new char[length];
        int read = 0;
        while (read < length) {
            int n = in.read(body, read, length - read);
            if (n < 0) {
                break;
            }
            read += n;
        }
        lines.add(new String(body, 0, read));
        return lines;
    }

    @Test
    void aBodyReachesTheHandlerWholeAndItsBytesAreReleasedAfterwards() throws Exception {
        int port = start();
        Socket s = post(port, 700, 300);
        await().atMost(Duration.ofSeconds(5)).until(() -> filter.held() == 300);

        s.getOutputStream().write(new byte[400]);
        s.getOutputStream().flush();
        List<String> answer = answer(s);

        assertThat(answer.get(0)).startsWith("HTTP/1.1 200");
        assertThat(answer.get(answer.size() - 1)).isEqualTo("700");
        await().atMost(Duration.ofSeconds(5)).until(() -> filter.held() == 0);
    }

    @Test
    void bodiesBeyondTheMemoryBudgetGet503AndTheOthersGoOn() throws Exception {
        int port = start();
        Socket first = post(port, 1000, 900);
        Socket second = post(port, 1000, 900);
        await().atMost(Duration.ofSeconds(5)).until(() -> filter.held() == 1800);

        List<String> refused = answer(post(port, 1000, 900));
        assertThat(refused.get(0)).startsWith("HTTP/1.1 503");
        assertThat(refused).contains("Retry-After: 5");
        assertThat(refused.get(refused.size() - 1)).contains("\"error\":\"server_busy\"");
        assertThat(filter.held()).isEqualTo(1800);

        first.getOutputStream().write(new byte[100]);
        first.getOutputStream().flush();
        assertThat(answer(first).get(0)).startsWith("HTTP/1.1 200");
        await().atMost(Duration.ofSeconds(5)).until(() -> filter.held() == 900);
        second.close();
    }

    @Test
    void aDeclaredBodyOverTheLimitIsRefusedWithoutReadingIt() throws Exception {
        int port = start();
        // Jetty dispatches a request with a body once its first bytes arrive.
        List<String> refused = answer(post(port, MAX_BODY + 1, 10));

        assertThat(refused.get(0)).startsWith("HTTP/1.1 413");
        assertThat(refused.get(refused.size() - 1)).contains("\"error\":\"payload_too_large\"");
        assertThat(filter.held()).isZero();
    }
}
