package io.roomote.runner.api;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.roomote.core.testing.TestDatabases;
import io.roomote.jobs.github.webhook.WebhookSignature;
import io.roomote.runner.RoomoteService;
import io.roomote.runner.RunnerFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A generated corpus of hostile requests (fixed seed) against the real API server and PostgreSQL: {@code POST
 * /api/jobs}, get, list, cancel, retry, logs, delete, clean, and the GitHub webhook, signed and unsigned. Requests
 * carry NUL and lone surrogates, deep nesting, huge bodies, wrong types, trailing garbage, truncated and invalid
 * UTF-8 bodies, out-of-range numbers, wrong methods, wrong content types and cross-site browser headers.
 *
 * <p>What must hold: no answer is a 5xx; in each batch the rows of {@code cloud_jobs} and {@code github_deliveries}
 * change exactly as the 2xx answers say (created jobs, deleted jobs, newly recorded deliveries), so no refused
 * request wrote anything; every accepted job is checked against an oracle written here, independent of the server's
 * validation (its payload stored exactly as sent, GitHub's limits, storable text); and {@code /api/health} stays ok.
 * The figures (requests, answers per status, rows written) are printed at the end.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ApiFuzzTest {

    private static final long SEED = 0x5EED_2026_0009L;
    private static final int REQUESTS = 10_400;
    private static final int BATCH = 200;
    private static final String SECRET = "fuzz-webhook-secret";

    private static final Pattern OWNER = Pattern.compile("[A-Za-z0-9](?:-?[A-Za-z0-9]){0,38}");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._][A-Za-z0-9._-]{0,99}");
    private static final ObjectReader STRICT = RunnerFixture.MAPPER.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    /** Writes what the server must refuse, too: nesting beyond Jackson's default 1,000 levels. */
    private static final com.fasterxml.jackson.databind.ObjectMapper WRITER = io.roomote.core.store.Json.newMapper();

    static {
        WRITER.getFactory().setStreamWriteConstraints(
                com.fasterxml.jackson.core.StreamWriteConstraints.builder().maxNestingDepth(100_000).build());
    }

    @TempDir
    static Path home;

    private RunnerFixture runner;
    private final Random random = new Random(SEED);
    private final List<Long> knownJobs = new ArrayList<>();
    private final List<String> usedDeliveries = new ArrayList<>();
    private final Set<String> recordedDeliveries = new HashSet<>();
    private final Map<Integer, Integer> statuses = new TreeMap<>();
    private final Map<String, Integer> sentBy = new TreeMap<>();
    private int sent;
    private int refusedByClient;
    private long jobsCreated;
    private long jobsDeleted;
    private long deliveriesRecorded;

    @BeforeAll
    void start() {
        // API only, no workers: the rows change only through the requests sent here.
        runner = new RunnerFixture(home, Map.of("DATABASE_URL", TestDatabases.freshJdbcUrl(), "GH_WEBHOOK_SECRET", SECRET,
                        "GH_TOKEN", "ghp_standInToken0123456789abcdefghijklmn"),
                RoomoteService.Role.API);
    }

    @AfterAll
    void stop() {
        runner.close();
    }

    /** One generated request: what it is, and what to send. */
    private record Fuzz(String kind, String method, String path, Map<String, String> headers, byte[] body) {
    }

    @Test
    void hostileRequestsGetNo5xxWriteNothingAndLeaveTheServiceHealthy() throws Exception {
        long started = System.nanoTime();
        for (int batch = 0; sent < REQUESTS; batch++) {
            long jobsBefore = count("cloud_jobs");
            long deliveriesBefore = count("github_deliveries");
            long created = 0;
            long deleted = 0;
            long recorded = 0;
            for (int i = 0; i < BATCH && sent < REQUESTS; i++) {
                Fuzz f = next();
                HttpResponse<String> r;
                try {
                    r = send(f);
                } catch (IllegalArgumentException e) {
                    // java.net.http refused to send it (a header it considers invalid): nothing reached the server.
                    refusedByClient++;
                    continue;
                }
                sent++;
                sentBy.merge(f.kind(), 1, Integer::sum);
                statuses.merge(r.statusCode(), 1, Integer::sum);
                assertThat(r.statusCode()).as("%s %s %s → %s", f.method(), f.path(), preview(f.body()), r.body())
                        .isLessThan(500);
                if (r.statusCode() / 100 != 2) {
                    continue;
                }
                JsonNode answer = r.body().isEmpty() ? F.objectNode() : RunnerFixture.MAPPER.readTree(r.body());
                String message = answer.path("message").asText();
                boolean webhook = f.kind().startsWith("webhook");
                // A redelivery repeats the first answer (job_enqueued included) and writes nothing.
                boolean firstDelivery = webhook && recordedDeliveries.add(f.headers().get("X-GitHub-Delivery"));
                if (firstDelivery) {
                    recorded++;
                }
                if (webhook && !firstDelivery) {
                    continue;
                }
                if (message.equals("jobs_enqueued")) {
                    // POST /api/jobs/batch: one answer per item; already-active items created nothing.
                    for (JsonNode item : answer.get("jobs")) {
                        if (item.path("message").asText().equals("job_enqueued")) {
                            long id = item.get("jobId").asLong();
                            checkAcceptedJob(f, id);
                            knownJobs.add(id);
                            created++;
                        }
                    }
                } else if (message.equals("job_enqueued")) {
                    long id = answer.get("jobId").asLong();
                    checkAcceptedJob(f, id);
                    knownJobs.add(id);
                    created++;
                } else if (message.equals("job_deleted")) {
                    deleted++;
                } else if (message.equals("jobs_deleted")) {
                    deleted += answer.get("deleted").asLong();
                }
            }
            long jobsAfter = count("cloud_jobs");
            long deliveriesAfter = count("github_deliveries");
            assertThat(jobsAfter - jobsBefore).as("cloud_jobs rows written in batch %d beyond the 2xx answers", batch)
                    .isEqualTo(created - deleted);
            assertThat(deliveriesAfter - deliveriesBefore).as("github_deliveries rows written in batch %d", batch)
                    .isEqualTo(recorded);
            jobsCreated += created;
            jobsDeleted += deleted;
            deliveriesRecorded += recorded;
            RunnerFixture.Response health = runner.get("/api/health");
            assertThat(health.status()).as("health after batch %d", batch).isEqualTo(200);
        }
        assertAllStoredJobsValid();
        long seconds = Duration.ofNanos(System.nanoTime() - started).toSeconds();
        System.out.printf("FUZZ seed=%d requests=%d (not sendable by java.net.http, skipped: %d) in %d s%n",
                SEED, sent, refusedByClient, seconds);
        System.out.println("FUZZ requests per kind: " + sentBy);
        System.out.println("FUZZ answers per status: " + statuses);
        System.out.printf("FUZZ rows written: cloud_jobs +%d created / -%d deleted by 2xx answers, github_deliveries +%d"
                + " by 2xx answers; rows written by refused requests: 0; 5xx answers: 0%n", jobsCreated, jobsDeleted,
                deliveriesRecorded);
        assertThat(sent).isGreaterThanOrEqualTo(10_000);
        assertThat(statuses.keySet()).allMatch(s -> s < 500);
        assertThat(jobsCreated).as("some valid requests were accepted too").isPositive();
    }

    // ------------------------------------------------------------------ sending

    private HttpResponse<String> send(Fuzz f) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(runner.base() + f.path())).timeout(Duration.ofSeconds(30));
        f.headers().forEach(b::header);
        b.method(f.method(), f.body() == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(f.body()));
        try {
            return runner.http().send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            // The server may answer 413 before reading a huge body and close; retry once to see the answer.
            if (f.body() != null && f.body().length > (1 << 20)) {
                return runner.http().send(b.build(), HttpResponse.BodyHandlers.ofString());
            }
            throw e;
        }
    }

    private static String preview(byte[] body) {
        if (body == null) {
            return "";
        }
        String s = new String(body, 0, Math.min(body.length, 300), StandardCharsets.UTF_8);
        return s + (body.length > 300 ? "…(" + body.length + " bytes)" : "");
    }

    // ------------------------------------------------------------------ generation

    private Fuzz next() {
        int dice = random.nextInt(100);
        if (dice < 32) {
            return enqueue();
        }
        if (dice < 38) {
            return batch();
        }
        if (dice < 58) {
            return webhook();
        }
        if (dice < 68) {
            return list();
        }
        if (dice < 84) {
            return jobEndpoint();
        }
        if (dice < 92) {
            return clean();
        }
        return wrongMethod();
    }

    private <T> T pick(List<T> options) {
        return options.get(random.nextInt(options.size()));
    }

    private Map<String, String> jsonHeaders() {
        Map<String, String> h = new java.util.LinkedHashMap<>();
        int c = random.nextInt(20);
        if (c == 0) {
            // no Content-Type at all (a Blob body)
        } else if (c == 1) {
            h.put("Content-Type", pick(List.of("text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded",
                    "multipart/form-data; boundary=x", "application/jsonp", "application/json-patch+json", "application/xml")));
        } else if (c == 2) {
            h.put("Content-Type", "application/json; charset=utf-8");
        } else {
            h.put("Content-Type", "application/json");
        }
        int b = random.nextInt(25);
        if (b == 0) {
            h.put("Origin", pick(List.of("https://evil.example", "null", "http://localhost:1", "http://127.0.0.1.evil.example")));
            h.put("Sec-Fetch-Site", "cross-site");
        } else if (b == 1) {
            h.put("Sec-Fetch-Site", pick(List.of("cross-site", "same-site")));
        } else if (b == 2) {
            h.put("Origin", runner.base());
            h.put("Sec-Fetch-Site", "same-origin");
        }
        return h;
    }

    private ObjectNode validEnqueue() {
        ObjectNode body = F.objectNode();
        if (random.nextBoolean()) {
            body.put("type", "github.issue.fix");
            ObjectNode p = body.putObject("payload");
            p.put("repo", pick(List.of("acme/app", "acme/.github", "octo-org/web_site", "a/b", "A1/x-y.z")));
            p.put("issue", 1 + random.nextInt(1_000_000));
            if (random.nextBoolean()) {
                p.put("title", "Issue " + random.nextInt(1000) + " \uD83D\uDE00 ünïcödé");
                p.put("body", "Steps:\n1. open\n2. see");
                p.putArray("labels").add("bug").add("good first issue");
            }
            if (random.nextInt(4) == 0) {
                p.put("model", "anthropic/claude-sonnet-4");
            }
        } else {
            body.put("type", "example.hello");
            ObjectNode p = body.putObject("payload");
            p.put("name", "fuzz-" + random.nextInt(1_000_000));
            if (random.nextBoolean()) {
                p.put("seconds", random.nextInt(5));
            }
        }
        if (random.nextInt(4) == 0) {
            body.put("dedupeKey", "key-" + random.nextInt(1_000_000));
        }
        if (random.nextInt(4) == 0) {
            body.put("maxAttempts", 1 + random.nextInt(20));
        }
        return body;
    }

    private static final List<String> HOSTILE_STRINGS = List.of("a\u0000b", "\u0000", "\uD800", "x\uDC00", "\uDBFF\uDBFF",
            "", " ", "\u2028", "a/.", "a/-", "-a/b", "a/..", "../../etc", "a/b/c", "<script>alert(1)</script>",
            "'; DROP TABLE cloud_jobs; --", "%00", "\\u0000", "\uFEFF", "\uFFFF", "a".repeat(257), "b".repeat(65_537),
            "m".repeat(201), "l".repeat(51), "k".repeat(201), "z".repeat(200_000));

    private JsonNode hostileValue() {
        return switch (random.nextInt(16)) {
            case 0 -> F.numberNode(random.nextInt());
            case 1 -> F.booleanNode(random.nextBoolean());
            case 2 -> F.numberNode(1.5);
            case 3 -> F.nullNode();
            case 4 -> F.arrayNode().add(1).add("x");
            case 5 -> F.objectNode().put("a", 1);
            case 6 -> F.numberNode(new BigInteger("18446744073709551619"));
            case 7 -> F.numberNode(4_294_971_538L);
            case 8 -> F.numberNode(new BigDecimal("1e999"));
            case 9 -> F.numberNode(-1);
            case 10 -> F.numberNode(0);
            case 11 -> F.arrayNode().add(F.numberNode(1));
            case 12 -> F.numberNode(Integer.MAX_VALUE + 1L);
            default -> F.textNode(pick(HOSTILE_STRINGS));
        };
    }

    /** Changes one field somewhere in the tree (or adds one) to something hostile. */
    private void mutateTree(JsonNode root) {
        List<ObjectNode> objects = new ArrayList<>();
        collectObjects(root, objects);
        ObjectNode target = pick(objects);
        List<String> names = new ArrayList<>();
        target.fieldNames().forEachRemaining(names::add);
        int how = random.nextInt(10);
        if (how == 0 && !names.isEmpty()) {
            target.remove(pick(names));
        } else if (how == 1) {
            target.set(pick(List.of("extra", "x\u0000", "\uD800key", "labels", "maxAttempts", "dedupeKey")), hostileValue());
        } else if (how == 2 && !names.isEmpty()) {
            target.set(pick(names), nested(pick(List.of(50, 99, 101, 500, 995, 999, 1001, 1500))));
        } else if (!names.isEmpty()) {
            String name = pick(names);
            JsonNode current = target.get(name);
            if (current.isArray() && current.size() > 0 && random.nextBoolean()) {
                ((ArrayNode) current).set(0, hostileValue());
            } else {
                target.set(name, hostileValue());
            }
        }
    }

    private static void collectObjects(JsonNode node, List<ObjectNode> out) {
        if (node instanceof ObjectNode o) {
            out.add(o);
            o.elements().forEachRemaining(child -> collectObjects(child, out));
        } else if (node.isArray()) {
            node.elements().forEachRemaining(child -> collectObjects(child, out));
        }
    }

    private static JsonNode nested(int depth) {
        JsonNode n = F.textNode("bottom");
        for (int i = 0; i < depth; i++) {
            n = i % 2 == 0 ? F.arrayNode().add(n) : F.objectNode().set("n", n);
        }
        return n;
    }

    private byte[] serialize(JsonNode node) {
        try {
            return WRITER.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Damage at the byte level: trailing garbage, truncation, invalid UTF-8, deep nesting, huge, empty. */
    private byte[] mutateBytes(byte[] body) {
        return switch (random.nextInt(9)) {
            case 0 -> concat(body, pick(List.of("garbage", "}", " {}", "]", "\u0000", " ,", "{\"a\":1}")).getBytes(StandardCharsets.UTF_8));
            case 1 -> java.util.Arrays.copyOf(body, random.nextInt(Math.max(1, body.length)));
            case 2 -> {
                byte[] b = body.clone();
                byte[] bad = pick(List.of(new byte[] {(byte) 0xC3, 0x28}, new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
                        new byte[] {(byte) 0xFF}, new byte[] {(byte) 0xF0, (byte) 0x9F}));
                int at = random.nextInt(b.length);
                yield concat(concat(java.util.Arrays.copyOf(b, at), bad), java.util.Arrays.copyOfRange(b, at, b.length));
            }
            case 3 -> ("[".repeat(2000 + random.nextInt(5000)) + "]".repeat(10)).getBytes(StandardCharsets.UTF_8);
            case 4 -> random.nextInt(8) == 0
                    ? ("{\"type\":\"example.hello\",\"payload\":{\"name\":\"" + "h".repeat((1 << 20) + random.nextInt(1 << 20)) + "\"}}")
                    .getBytes(StandardCharsets.UTF_8)
                    : body;
            case 5 -> new byte[0];
            case 6 -> pick(List.of("null", "[]", "\"text\"", "12", "true", "{}", "{\"type\":null}")).getBytes(StandardCharsets.UTF_8);
            case 7 -> {
                byte[] b = new byte[1 + random.nextInt(200)];
                random.nextBytes(b);
                yield b;
            }
            default -> new String(body, StandardCharsets.UTF_8).replace("\"", "'").getBytes(StandardCharsets.UTF_8);
        };
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private Fuzz enqueue() {
        ObjectNode body = validEnqueue();
        int mode = random.nextInt(10);
        byte[] bytes;
        if (mode < 2) {
            bytes = serialize(body);
        } else if (mode < 7) {
            mutateTree(body);
            if (random.nextInt(3) == 0) {
                mutateTree(body);
            }
            bytes = serialize(body);
        } else {
            bytes = mutateBytes(serialize(body));
        }
        return new Fuzz("enqueue", "POST", "/api/jobs", jsonHeaders(), bytes);
    }

    /** {@code POST /api/jobs/batch} with 1–4 items, each valid or mutated like a single enqueue's body. */
    private Fuzz batch() {
        ObjectNode body = F.objectNode();
        com.fasterxml.jackson.databind.node.ArrayNode jobs = body.putArray("jobs");
        int n = 1 + random.nextInt(4);
        for (int i = 0; i < n; i++) {
            ObjectNode item = validEnqueue();
            if (random.nextInt(3) == 0) {
                mutateTree(item);
            }
            jobs.add(item);
        }
        byte[] bytes = random.nextInt(4) == 0 ? mutateBytes(serialize(body)) : serialize(body);
        return new Fuzz("batch", "POST", "/api/jobs/batch", jsonHeaders(), bytes);
    }

    private static final List<String> QUERY_VALUES = List.of("pending", "completed", "done", "", "%00", "a%00b", "%ZZ", "%",
            "%ED%A0%80", "%F0%9F%98%80", "-1", "0", "1", "500", "501", "2147483648", "99999999999999999999", "1e3", "1.5",
            "github.issue.fix", "example.hello", "%27%3B--", "+", "%20", "true", "a".repeat(3000));

    private Fuzz list() {
        StringBuilder q = new StringBuilder("/api/jobs");
        int n = random.nextInt(4);
        for (int i = 0; i < n; i++) {
            q.append(i == 0 ? '?' : '&').append(pick(List.of("status", "type", "limit", "before", "x", "%00", "status")))
                    .append('=').append(pick(QUERY_VALUES));
        }
        return new Fuzz("list", "GET", q.toString(), jsonHeaders(), null);
    }

    private String id() {
        if (!knownJobs.isEmpty() && random.nextInt(3) == 0) {
            return String.valueOf(pick(knownJobs));
        }
        return pick(List.of("0", "-1", "abc", "99999999999999999999", "999999999999999999", "1e3", "%00", "%F0%9F%98%80",
                "1%20", "%EF%BC%91", "1.0", "0x10", "123456", "%2e%2e", "1;2", "clean"));
    }

    private Fuzz jobEndpoint() {
        String id = id();
        return switch (random.nextInt(6)) {
            case 0 -> new Fuzz("get", "GET", "/api/jobs/" + id, jsonHeaders(), null);
            case 1 -> new Fuzz("cancel", "POST", "/api/jobs/" + id + "/cancel", jsonHeaders(),
                    random.nextInt(4) == 0 ? mutateBytes("{}".getBytes(StandardCharsets.UTF_8)) : null);
            case 2 -> new Fuzz("retry", "POST", "/api/jobs/" + id + "/retry", jsonHeaders(),
                    random.nextInt(4) == 0 ? mutateBytes("{}".getBytes(StandardCharsets.UTF_8)) : null);
            case 3 -> {
                // follow=true only where no stream can open (a pending job's stream would stay open).
                boolean valid = id.matches("\\d{1,18}");
                String query = "?after=" + pick(QUERY_VALUES) + "&limit=" + pick(QUERY_VALUES)
                        + (valid ? "" : "&follow=true");
                yield new Fuzz("logs", "GET", "/api/jobs/" + id + "/logs" + query, jsonHeaders(), null);
            }
            default -> new Fuzz("delete", "DELETE", "/api/jobs/" + id, jsonHeaders(), null);
        };
    }

    private Fuzz clean() {
        ObjectNode body = F.objectNode();
        body.set("olderThan", F.textNode(pick(List.of("3650d", "36500d", "PT-1H", "100000000d", "-1d", "P-1D", "0d", "30",
                "99999999999999999999d", "1h", "PT36H", "abc", "\u0000", "36501d", "P1000000Y"))));
        if (random.nextBoolean()) {
            ArrayNode s = body.putArray("statuses");
            int n = random.nextInt(4);
            for (int i = 0; i < n; i++) {
                s.add(pick(List.of("completed", "failed", "cancelled", "pending", "processing", "x\u0000")));
            }
        }
        byte[] bytes = random.nextInt(3) == 0 ? mutateBytes(serialize(body)) : serialize(maybeMutated(body));
        return new Fuzz("clean", "POST", "/api/jobs/clean", jsonHeaders(), bytes);
    }

    private ObjectNode maybeMutated(ObjectNode body) {
        if (random.nextBoolean()) {
            mutateTree(body);
        }
        return body;
    }

    private Fuzz wrongMethod() {
        String path = pick(List.of("/api/jobs", "/api/jobs/1", "/api/jobs/1/cancel", "/api/jobs/1/retry", "/api/jobs/1/logs",
                "/api/jobs/clean", "/api/health", "/api/job-types", "/api/webhooks/github"));
        String method = pick(List.of("PUT", "PATCH", "OPTIONS", "DELETE", "HEAD", "TRACE", "GET", "POST", "PROPFIND"));
        byte[] body = method.equals("GET") || method.equals("HEAD") || method.equals("TRACE") ? null
                : serialize(validEnqueue());
        return new Fuzz("method", method, path, jsonHeaders(), body);
    }

    private static final List<String> WEBHOOK_PAYLOADS = List.of("issues-opened", "issues-labeled", "issue-comment-created",
            "pull-request-opened", "ping", "issues-opened-by-stranger", "issues-opened-no-body");

    private static ObjectNode resource(String name) {
        try (var in = ApiFuzzTest.class.getResourceAsStream("/github/" + name + ".json")) {
            return (ObjectNode) RunnerFixture.MAPPER.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Fuzz webhook() {
        String name = pick(WEBHOOK_PAYLOADS);
        ObjectNode payload = resource(name);
        String event = switch (name) {
            case "issue-comment-created" -> "issue_comment";
            case "pull-request-opened" -> "pull_request";
            case "ping" -> "ping";
            default -> "issues";
        };
        if (payload.path("issue").isObject()) {
            // Different issues, so that some deliveries create jobs.
            ((ObjectNode) payload.get("issue")).put("number", 1 + random.nextInt(1_000_000));
        }
        int mode = random.nextInt(10);
        byte[] body;
        if (mode < 3) {
            body = serialize(payload);
        } else if (mode < 8) {
            mutateTree(payload);
            if (random.nextBoolean()) {
                mutateTree(payload);
            }
            body = serialize(payload);
        } else {
            body = mutateBytes(serialize(payload));
        }
        Map<String, String> h = jsonHeaders();
        String delivery;
        if (!usedDeliveries.isEmpty() && random.nextInt(8) == 0) {
            delivery = pick(usedDeliveries); // a redelivery
        } else {
            delivery = random.nextInt(30) == 0 ? pick(List.of("", " ", "x".repeat(101), "d\u00e9livery", "a b"))
                    : new UUID(random.nextLong(), random.nextLong()).toString();
            usedDeliveries.add(delivery);
        }
        h.put("X-GitHub-Delivery", delivery);
        h.put("X-GitHub-Event", random.nextInt(15) == 0 ? pick(List.of("push", "", "issues ", "issue\u00e9s", "x".repeat(200))) : event);
        h.put("User-Agent", "GitHub-Hookshot/fuzz");
        int sig = random.nextInt(10);
        String kind = "webhook-signed";
        if (sig == 0) {
            kind = "webhook-unsigned";
        } else if (sig == 1) {
            h.put("X-Hub-Signature-256", new WebhookSignature("wrong-secret").header(body));
            kind = "webhook-unsigned";
        } else if (sig == 2) {
            h.put("X-Hub-Signature-256", pick(List.of("sha256=", "sha1=abc", "sha256=zz", "")));
            kind = "webhook-unsigned";
        } else {
            h.put("X-Hub-Signature-256", new WebhookSignature(SECRET).header(body));
        }
        if (h.get("X-Hub-Signature-256") != null && h.get("X-Hub-Signature-256").isEmpty()) {
            h.remove("X-Hub-Signature-256");
        }
        return new Fuzz(kind, "POST", "/api/webhooks/github", h, body);
    }

    // ------------------------------------------------------------------ checks

    private long count(String table) {
        try (Connection c = runner.service().roomote().database().connection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private record StoredJob(String type, JsonNode payload, String dedupeKey, int maxAttempts) {
    }

    private StoredJob stored(long id) {
        try (Connection c = runner.service().roomote().database().connection();
             PreparedStatement ps = c.prepareStatement("SELECT type, payload::text, dedupe_key, max_attempts FROM cloud_jobs WHERE id = ?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).as("job %d exists", id).isTrue();
                return new StoredJob(rs.getString(1), RunnerFixture.MAPPER.readTree(rs.getString(2)), rs.getString(3), rs.getInt(4));
            }
        } catch (SQLException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An accepted enqueue: the request was valid by this test's own rules, and stored exactly as sent. */
    private void checkAcceptedJob(Fuzz f, long id) {
        StoredJob job = stored(id);
        String context = f.kind() + " " + preview(f.body()) + " → job " + id;
        assertValidJob(job, context);
        if (!f.kind().equals("enqueue")) {
            return;
        }
        JsonNode sentBody;
        try {
            sentBody = STRICT.readTree(f.body());
        } catch (IOException e) {
            throw new AssertionError("accepted a body that is not one JSON value: " + context, e);
        }
        String contentType = f.headers().getOrDefault("Content-Type", "");
        assertThat(contentType.equals("application/json") || contentType.startsWith("application/json;")).as(context).isTrue();
        assertThat(f.headers().get("Origin") == null || f.headers().get("Origin").equals(runner.base())).as(context).isTrue();
        assertThat(job.type()).as(context).isEqualTo(sentBody.get("type").textValue());
        assertThat(job.payload()).as("payload stored exactly as sent: " + context).isEqualTo(sentBody.get("payload"));
        JsonNode attempts = sentBody.get("maxAttempts");
        if (attempts != null && !attempts.isNull()) {
            assertThat(attempts.isInt()).as(context).isTrue();
            assertThat(job.maxAttempts()).as(context).isEqualTo(attempts.intValue());
        }
        JsonNode key = sentBody.get("dedupeKey");
        if (key != null && !key.isNull()) {
            assertThat(job.dedupeKey()).as(context).isEqualTo(key.textValue());
        }
    }

    private static void assertValidJob(StoredJob job, String context) {
        assertThat(job.maxAttempts()).as(context).isBetween(1, 20);
        assertStorable(job.payload(), context);
        if (job.dedupeKey() != null) {
            assertThat(job.dedupeKey().length()).as(context).isBetween(1, 200);
            assertThat(storable(job.dedupeKey())).as(context).isTrue();
        }
        JsonNode p = job.payload();
        if (job.type().equals("github.issue.fix")) {
            String repo = p.path("repo").textValue();
            assertThat(repo).as(context).isNotNull();
            String[] parts = repo.split("/", -1);
            assertThat(parts).as(context).hasSize(2);
            assertThat(OWNER.matcher(parts[0]).matches() && NAME.matcher(parts[1]).matches()
                    && parts[1].chars().anyMatch(Character::isLetterOrDigit) && !parts[1].contains("..")).as(context).isTrue();
            assertThat(p.path("issue").isInt() && p.path("issue").intValue() > 0).as(context).isTrue();
            assertText(p, "title", 256, context);
            assertText(p, "body", 65_536, context);
            assertText(p, "model", 200, context);
            if (p.has("labels") && !p.get("labels").isNull()) {
                assertThat(p.get("labels").isArray() && p.get("labels").size() <= 100).as(context).isTrue();
                p.get("labels").forEach(l -> assertThat(l.isTextual() && !l.textValue().isBlank()
                        && l.textValue().codePointCount(0, l.textValue().length()) <= 50).as(context).isTrue());
            }
        } else {
            assertThat(job.type()).as(context).isEqualTo("example.hello");
            assertThat(p.path("name").isTextual()).as(context).isTrue();
        }
    }

    private static void assertText(JsonNode p, String field, int max, String context) {
        JsonNode v = p.get(field);
        if (v == null || v.isNull()) {
            return;
        }
        assertThat(v.isTextual()).as(field + " is a string: " + context).isTrue();
        assertThat(v.textValue().codePointCount(0, v.textValue().length())).as(field + ": " + context).isLessThanOrEqualTo(max);
    }

    private static void assertStorable(JsonNode node, String context) {
        if (node.isTextual()) {
            assertThat(storable(node.textValue())).as(context).isTrue();
        } else if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                assertThat(storable(e.getKey())).as(context).isTrue();
                assertStorable(e.getValue(), context);
            }
        } else if (node.isArray()) {
            node.forEach(n -> assertStorable(n, context));
        }
    }

    /** No NUL, surrogates only in pairs. */
    private static boolean storable(String s) {
        return s.indexOf('\u0000') < 0 && s.codePoints().noneMatch(cp -> cp >= 0xD800 && cp <= 0xDFFF);
    }

    private void assertAllStoredJobsValid() {
        try (Connection c = runner.service().roomote().database().connection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT id, type, payload::text, dedupe_key, max_attempts FROM cloud_jobs")) {
            while (rs.next()) {
                assertValidJob(new StoredJob(rs.getString(2), RunnerFixture.MAPPER.readTree(rs.getString(3)), rs.getString(4),
                        rs.getInt(5)), "stored job " + rs.getLong(1));
            }
        } catch (SQLException | IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
