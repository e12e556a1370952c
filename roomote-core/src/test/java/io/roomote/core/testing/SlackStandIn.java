package io.roomote.core.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A STAND-IN for Slack's Web API methods {@code chat.postMessage} and {@code auth.test} (not Slack): takes the
 * form-encoded request Roomote's SlackSender sends (as Slack's own clients do) and answers with Slack's documented
 * shapes —
 * {@code {"ok":true,"ts":…}}, {@code {"ok":false,"error":…}}, HTTP 429 with Retry-After, or (when {@link #down})
 * HTTP 503 to everything. Records every accepted message and counts the calls of each method.
 */
public final class SlackStandIn implements AutoCloseable {

    /** One message as Slack would have stored it. */
    public record Message(String channel, String text, String threadTs, String ts, String authorization) {
    }

    private final HttpServer server;
    private final List<Message> messages = new CopyOnWriteArrayList<>();
    private final AtomicInteger rateLimitNext = new AtomicInteger();
    private final AtomicInteger counter = new AtomicInteger();
    private final AtomicInteger authTestCalls = new AtomicInteger();
    private final AtomicInteger postMessageCalls = new AtomicInteger();
    private volatile String errorCode;
    private volatile boolean down;

    public SlackStandIn() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/api/chat.postMessage", this::postMessage);
        server.createContext("/api/auth.test", this::authTest);
        server.start();
    }

    /** The value for SLACK_API_URL. */
    public String apiUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/api/";
    }

    /** The next {@code n} calls answer 429 with {@code Retry-After: 1}. */
    public void rateLimitNext(int n) {
        rateLimitNext.set(n);
    }

    /** Every call answers {@code {"ok":false,"error":code}} (null: succeed). */
    public void failWith(String code) {
        errorCode = code;
    }

    /** Every call answers HTTP 503, as Slack (or a proxy before it) does in an outage. */
    public void down(boolean down) {
        this.down = down;
    }

    public List<Message> messages() {
        return List.copyOf(messages);
    }

    public int authTestCalls() {
        return authTestCalls.get();
    }

    public int postMessageCalls() {
        return postMessageCalls.get();
    }

    private void authTest(HttpExchange ex) throws IOException {
        ex.getRequestBody().readAllBytes();
        authTestCalls.incrementAndGet();
        if (down) {
            send(ex, 503, "{\"ok\":false,\"error\":\"service_unavailable\"}");
            return;
        }
        send(ex, 200, "{\"ok\":true,\"url\":\"https://roomote-test.slack.com/\",\"team\":\"Roomote Test\","
                + "\"user\":\"roomote\",\"team_id\":\"T0ROOMOTE\",\"user_id\":\"U0ROOMOTE\",\"bot_id\":\"B0ROOMOTE\"}");
    }

    private void postMessage(HttpExchange ex) throws IOException {
        String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        postMessageCalls.incrementAndGet();
        if (down) {
            send(ex, 503, "{\"ok\":false,\"error\":\"service_unavailable\"}");
            return;
        }
        if (rateLimitNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            ex.getResponseHeaders().set("Retry-After", "1");
            send(ex, 429, "{\"ok\":false,\"error\":\"ratelimited\"}");
            return;
        }
        if (errorCode != null) {
            send(ex, 200, "{\"ok\":false,\"error\":\"" + errorCode + "\"}");
            return;
        }
        Map<String, String> form = parse(body);
        String ts = "1700000000." + String.format("%06d", counter.incrementAndGet());
        messages.add(new Message(form.get("channel"), form.get("text"), form.get("thread_ts"), ts,
                ex.getRequestHeaders().getFirst("Authorization")));
        send(ex, 200, "{\"ok\":true,\"channel\":\"C0ROOMOTE\",\"ts\":\"" + ts + "\",\"message\":{\"type\":\"message\",\"ts\":\"" + ts + "\"}}");
    }

    private static Map<String, String> parse(String body) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String pair : body.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                out.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                        URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    private static void send(HttpExchange ex, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
        ex.close();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
