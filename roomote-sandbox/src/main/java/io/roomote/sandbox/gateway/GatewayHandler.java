package io.roomote.sandbox.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.roomote.spi.ModelCall;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.zip.GZIPInputStream;

/** Serves one agent request: authenticate, check the budget, forward, stream back, meter, record. */
final class GatewayHandler implements HttpHandler {

    private static final Logger LOG = LoggerFactory.getLogger(GatewayHandler.class);

    static final int MAX_REQUEST_BYTES = 32 * 1024 * 1024;
    private static final Duration UNTIL_HEADERS = Duration.ofMinutes(10);

    /** Auth headers an agent may send: all are removed, the route's real key is added. */
    private static final Set<String> AUTH = Set.of("authorization", "x-api-key", "api-key", "x-goog-api-key",
            "proxy-authorization", "cookie");
    /** Hop-by-hop (RFC 9110 §7.6.1) and those java.net.http sets itself or refuses (its restricted set). */
    private static final Set<String> NOT_FORWARDED = Set.of("connection", "keep-alive", "transfer-encoding", "upgrade",
            "te", "trailer", "trailers", "host", "content-length", "expect", "date", "via", "warning", "from",
            "accept-encoding", "http2-settings");
    private static final Set<String> NOT_RETURNED = Set.of("connection", "keep-alive", "transfer-encoding", "upgrade",
            "te", "trailer", "trailers", "content-length", "date", "set-cookie");

    private final Map<String, GatewayRoute> routes;
    private final Function<String, Optional<JobLease>> leases;
    private final HttpClient client;
    private final ModelPrices prices;
    private final Clock clock;
    private final ObjectMapper json;

    GatewayHandler(Map<String, GatewayRoute> routes, Function<String, Optional<JobLease>> leases, HttpClient client,
                   ModelPrices prices, Clock clock, ObjectMapper json) {
        this.routes = routes;
        this.leases = leases;
        this.client = client;
        this.prices = prices;
        this.clock = clock;
        this.json = json;
    }

    @Override
    public void handle(HttpExchange exchange) {
        try {
            serve(exchange);
        } catch (IOException e) {
            LOG.debug("model gateway: the agent's connection failed: {}", e.toString());
        } catch (RuntimeException e) {
            LOG.warn("model gateway: a request failed", e);
        } finally {
            exchange.close();
        }
    }

    /** What is known about a call so far, for its record. */
    private final class Call {
        final Instant at = clock.instant();
        final long startMs = clock.millis();
        final JobLease lease;
        final String provider;
        GatewayRoute route;
        String requestModel;

        Call(JobLease lease, String provider) {
            this.lease = lease;
            this.provider = provider;
        }

        void refuse(HttpExchange exchange, int status, String type, String message) throws IOException {
            record(status, null, null, null, null, message);
            respondError(exchange, status, type, message);
        }

        void record(int status, String model, Long in, Long out, Double cost, String error) {
            lease.record(new ModelCall(at, provider, model != null ? model : requestModel, in, out, cost, status,
                    Math.max(0, clock.millis() - startMs), error == null ? null : redact(error)));
        }

        String redact(String text) {
            String t = text.replace(lease.token(), "***");
            if (route != null) {
                t = t.replace(route.apiKey(), "***");
            }
            return oneLine(t);
        }
    }

    private void serve(HttpExchange exchange) throws IOException {
        Optional<JobLease> lease = authenticate(exchange.getRequestHeaders());
        if (lease.isEmpty()) {
            respondError(exchange, 401, "authentication_error",
                    "Roomote model gateway: missing or unknown job token; use the API key Roomote gave this job");
            return;
        }
        String path = exchange.getRequestURI().getRawPath();
        String tail = path.startsWith("/") ? path.substring(1) : path;
        int slash = tail.indexOf('/');
        String name = slash < 0 ? tail : tail.substring(0, slash);
        String rest = slash < 0 ? "" : tail.substring(slash + 1);
        Call call = new Call(lease.get(), clip(name)); // the agent chose the name: keep the record and job log tidy
        call.route = routes.get(name);
        byte[] body;
        try (InputStream in = exchange.getRequestBody()) {
            body = in.readNBytes(MAX_REQUEST_BYTES + 1);
        }
        call.requestModel = modelOf(body);
        if (body.length > MAX_REQUEST_BYTES) {
            call.refuse(exchange, 413, "request_too_large", "Roomote model gateway: the request body is over "
                    + (MAX_REQUEST_BYTES / (1024 * 1024)) + " MiB");
            return;
        }
        if (call.route == null) {
            call.refuse(exchange, 404, "not_found", "Roomote model gateway: no route '" + name + "'; use one of "
                    + routes.keySet() + " as the first path segment of the base URL");
            return;
        }
        if (hasDotSegment(rest)) {
            call.refuse(exchange, 400, "invalid_request_error", "Roomote model gateway: the path has a '.' or '..' segment or a malformed %-escape");
            return;
        }
        Optional<String> refusal = call.lease.refusal();
        if (refusal.isPresent()) {
            call.refuse(exchange, 402, "budget_exceeded", refusal.get());
            return;
        }
        forward(exchange, call, rest, body);
    }

    private void forward(HttpExchange exchange, Call call, String rest, byte[] body) throws IOException {
        GatewayRoute route = call.route;
        String method = exchange.getRequestMethod();
        HttpRequest.Builder request = HttpRequest.newBuilder(route.target(rest, exchange.getRequestURI().getRawQuery()))
                .timeout(UNTIL_HEADERS)
                .method(method, body.length == 0 && !method.equals("POST") && !method.equals("PUT")
                        ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        exchange.getRequestHeaders().forEach((name, values) -> {
            String lower = name.toLowerCase(Locale.ROOT);
            if (AUTH.contains(lower) || NOT_FORWARDED.contains(lower) || lower.startsWith("proxy-")) {
                return;
            }
            for (String value : values) {
                try {
                    request.header(name, value);
                } catch (IllegalArgumentException restricted) {
                    // java.net.http refuses this header (its own restricted set); the request works without it.
                }
            }
        });
        // Identity, so that the usage in the answer can be read as it passes.
        request.header("Accept-Encoding", "identity");
        if (route.auth() == AuthStyle.X_API_KEY) {
            request.header("x-api-key", route.apiKey());
        } else {
            request.header("Authorization", "Bearer " + route.apiKey());
        }

        HttpResponse<InputStream> response;
        try {
            response = client.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            call.refuse(exchange, 502, "upstream_unreachable", "Roomote model gateway: could not reach "
                    + route.upstream().getHost() + " (" + route.name() + "): " + describe(e));
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            call.refuse(exchange, 502, "upstream_unreachable", "Roomote model gateway: stopped while waiting for "
                    + route.upstream().getHost());
            return;
        }
        relay(exchange, call, response);
    }

    private void relay(HttpExchange exchange, Call call, HttpResponse<InputStream> response) throws IOException {
        int status = response.statusCode();
        InputStream upstream = response.body();
        boolean gzip = response.headers().firstValue("content-encoding")
                .map(v -> v.strip().equalsIgnoreCase("gzip")).orElse(false);
        Headers out = exchange.getResponseHeaders();
        response.headers().map().forEach((name, values) -> {
            String lower = name.toLowerCase(Locale.ROOT);
            if (name.startsWith(":") || NOT_RETURNED.contains(lower) || lower.startsWith("proxy-")
                    || (gzip && lower.equals("content-encoding"))) {
                return;
            }
            values.forEach(v -> out.add(name, v));
        });
        UsageMeter meter = new UsageMeter(json, response.headers().firstValue("content-type").orElse(null));
        String failure = null;
        boolean bodyless = status == 204 || status == 304 || exchange.getRequestMethod().equals("HEAD");
        try {
            exchange.sendResponseHeaders(status, bodyless ? -1 : 0);
        } catch (IOException e) {
            upstream.close();
            finish(call, status, meter, "the agent closed the connection");
            return;
        }
        OutputStream agent = exchange.getResponseBody();
        // A provider that answers gzip in spite of Accept-Encoding: identity is decoded here, so it can be metered.
        try (InputStream in = gzip ? new GZIPInputStream(upstream, 8192) : upstream) {
            byte[] buffer = new byte[8192];
            int n;
            while (true) {
                try {
                    n = in.read(buffer);
                } catch (IOException e) {
                    failure = "the provider's answer broke off: " + describe(e);
                    break;
                }
                if (n < 0) {
                    break;
                }
                if (n == 0) {
                    continue;
                }
                try {
                    agent.write(buffer, 0, n);
                    agent.flush(); // one chunk per read: a streamed answer reaches the agent as it is produced
                } catch (IOException e) {
                    failure = "the agent closed the connection";
                    break;
                }
                meter.accept(buffer, 0, n);
            }
        } catch (IOException e) {
            upstream.close();
            failure = "the provider's answer could not be decoded: " + describe(e); // gzip header unreadable
        }
        // Charged and recorded before the answer's last chunk, so an agent's next call already sees the budget.
        finish(call, status, meter, failure);
        agent.close();
    }

    private void finish(Call call, int status, UsageMeter meter, String failure) {
        UsageMeter.Reading reading = meter.finish();
        String model = reading.model() != null ? reading.model() : call.requestModel;
        Double cost = reading.costUsd() != null ? reading.costUsd()
                : prices.cost(model, reading.tokensIn(), reading.tokensOut()).orElse(null);
        String error = failure;
        if (error == null && status >= 400) {
            error = "the provider answered " + status + (reading.error() == null ? "" : ": " + reading.error());
        }
        call.lease.charge(call.provider, model, reading.tokensIn(), reading.tokensOut(), cost,
                status < 400 && failure == null);
        call.record(status, model, reading.tokensIn(), reading.tokensOut(), cost, error);
    }

    private Optional<JobLease> authenticate(Headers headers) {
        List<String> presented = new ArrayList<>();
        for (String value : headers.getOrDefault("Authorization", List.of())) {
            String v = value.strip();
            if (v.regionMatches(true, 0, "Bearer ", 0, 7)) {
                presented.add(v.substring(7).strip());
            }
        }
        for (String value : headers.getOrDefault("X-api-key", List.of())) {
            presented.add(value.strip());
        }
        for (String token : presented) {
            Optional<JobLease> lease = leases.apply(token);
            if (lease.isPresent()) {
                return lease;
            }
        }
        return Optional.empty();
    }

    private String modelOf(byte[] body) {
        if (body.length == 0 || body.length > MAX_REQUEST_BYTES) {
            return null;
        }
        try {
            JsonNode root = json.readTree(body);
            return root != null && root.path("model").isTextual() ? clip(root.get("model").asText()) : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** A '.' or '..' segment (which could climb out of the upstream's base path) or a malformed escape. */
    private static boolean hasDotSegment(String rawRest) {
        for (String segment : rawRest.split("/", -1)) {
            String s;
            try {
                s = URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException badEscape) {
                return true;
            }
            if (s.equals(".") || s.equals("..")) {
                return true;
            }
        }
        return false;
    }

    private void respondError(HttpExchange exchange, int status, String type, String message) throws IOException {
        ObjectNode root = json.createObjectNode();
        ObjectNode error = root.putObject("error");
        error.put("type", type);
        error.put("message", message);
        byte[] bytes = json.writeValueAsBytes(root);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static String describe(Exception e) {
        String message = e.getMessage();
        return e.getClass().getSimpleName() + (message == null || message.isBlank() ? "" : " " + message);
    }

    private static String clip(String text) {
        return text.length() > 100 ? text.substring(0, 100) + "..." : text;
    }

    static String oneLine(String text) {
        String t = text.replaceAll("\\s+", " ").strip();
        return t.length() > 300 ? t.substring(0, 297) + "..." : t;
    }
}
