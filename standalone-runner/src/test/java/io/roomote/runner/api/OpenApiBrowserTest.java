package io.roomote.runner.api;

import io.roomote.core.testing.TestDatabases;
import io.roomote.jobs.github.webhook.WebhookSignature;
import io.roomote.runner.RoomoteService;
import io.roomote.runner.RunnerFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The API without ROOMOTE_API_TOKEN, attacked from a web page the user visits. Each request is written byte by byte
 * as Chromium sends it: a cross-site {@code fetch(url, {method: "POST", body: new Blob([...])})} (no Content-Type,
 * no CORS preflight, {@code Origin} of the page, {@code Sec-Fetch-Site: cross-site}), a {@code text/plain} body, a
 * DNS-rebinding page reading the API under its own name ({@code Host: evil.example}, same-origin to the browser).
 * Each must be refused and change nothing; the same requests from scripts, the dashboard's own origin and GitHub's
 * webhook still work.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenApiBrowserTest {

    private static final String SECRET = "open-api-webhook-secret";

    @TempDir
    static Path home;

    private RunnerFixture runner;
    private int port;

    @BeforeAll
    void start() {
        runner = new RunnerFixture(home, Map.of("DATABASE_URL", TestDatabases.freshJdbcUrl(), "GH_WEBHOOK_SECRET", SECRET),
                RoomoteService.Role.API);
        port = runner.service().apiPort().orElseThrow();
    }

    @AfterAll
    void stop() {
        runner.close();
    }

    private String jobsFingerprint() {
        try (Connection c = runner.service().roomote().database().connection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) || ':' || coalesce(string_agg(id || status, ',' ORDER BY id), '')"
                     + " FROM cloud_jobs")) {
            rs.next();
            return rs.getString(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The headers Chromium sends with a cross-site fetch from https://evil.example. */
    private Map<String, String> crossSite(String contentType) {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Host", "localhost:" + port);
        h.put("Origin", "https://evil.example");
        h.put("Sec-Fetch-Site", "cross-site");
        h.put("Sec-Fetch-Mode", "no-cors");
        h.put("Sec-Fetch-Dest", "empty");
        if (contentType != null) {
            h.put("Content-Type", contentType);
        }
        return h;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** A finished (cancelled) job, which POST /api/jobs/clean with olderThan 0d would delete. */
    private long cancelledJob(String name) {
        long id = runner.enqueue("example.hello", "{\"name\":\"" + name + "\"}");
        assertThat(runner.post("/api/jobs/" + id + "/cancel", "").status()).isEqualTo(200);
        return id;
    }

    @Test
    void aCrossSiteBlobPostToCleanIsRefusedAndDeletesNothing() {
        long id = cancelledJob("blob-clean");
        String before = jobsFingerprint();

        RawHttp.Answer blob = RawHttp.send(port, "POST", "/api/jobs/clean", crossSite(null), bytes("{\"olderThan\":\"0d\"}"));
        RawHttp.Answer plain = RawHttp.send(port, "POST", "/api/jobs/clean", crossSite("text/plain;charset=UTF-8"),
                bytes("{\"olderThan\":\"0d\"}"));

        assertThat(blob.status()).as(blob.body()).isEqualTo(403);
        assertThat(blob.json().get("error").asText()).isEqualTo("cross_origin_request");
        assertThat(plain.status()).isEqualTo(403);
        assertThat(jobsFingerprint()).isEqualTo(before);
        assertThat(runner.get("/api/jobs/" + id).status()).isEqualTo(200);
    }

    @Test
    void crossSiteRequestsCannotCreateCancelRetryOrDelete() {
        long cancelled = cancelledJob("cross-site-target");
        long pending = runner.enqueue("example.hello", "{\"name\":\"still-pending\"}");
        String before = jobsFingerprint();

        RawHttp.Answer create = RawHttp.send(port, "POST", "/api/jobs", crossSite("text/plain;charset=UTF-8"),
                bytes("{\"type\":\"example.hello\",\"payload\":{\"name\":\"csrf\"}}"));
        RawHttp.Answer createJson = RawHttp.send(port, "POST", "/api/jobs", crossSite("application/json"),
                bytes("{\"type\":\"example.hello\",\"payload\":{\"name\":\"csrf-json\"}}"));
        RawHttp.Answer cancel = RawHttp.send(port, "POST", "/api/jobs/" + pending + "/cancel", crossSite(null), new byte[0]);
        RawHttp.Answer retry = RawHttp.send(port, "POST", "/api/jobs/" + cancelled + "/retry", crossSite(null), new byte[0]);
        RawHttp.Answer delete = RawHttp.send(port, "DELETE", "/api/jobs/" + cancelled, crossSite(null), null);
        Map<String, String> sameSite = crossSite(null);
        sameSite.remove("Origin");
        sameSite.put("Sec-Fetch-Site", "same-site");
        RawHttp.Answer fromSibling = RawHttp.send(port, "POST", "/api/jobs/" + pending + "/cancel", sameSite, new byte[0]);
        Map<String, String> nullOrigin = crossSite(null);
        nullOrigin.put("Origin", "null");
        RawHttp.Answer sandboxed = RawHttp.send(port, "POST", "/api/jobs/" + pending + "/cancel", nullOrigin, new byte[0]);
        Map<String, String> otherPort = crossSite(null);
        otherPort.put("Origin", "http://localhost:8080");
        otherPort.put("Sec-Fetch-Site", "same-site");
        RawHttp.Answer localPage = RawHttp.send(port, "POST", "/api/jobs/" + pending + "/cancel", otherPort, new byte[0]);

        for (RawHttp.Answer a : new RawHttp.Answer[] {create, createJson, cancel, retry, delete, fromSibling, sandboxed, localPage}) {
            assertThat(a.status()).as(a.body()).isEqualTo(403);
        }
        assertThat(jobsFingerprint()).isEqualTo(before);
    }

    @Test
    void aDnsRebindingPageCannotReadOrWrite() {
        runner.enqueue("example.hello", "{\"name\":\"secret-issue\"}");
        Map<String, String> rebound = new LinkedHashMap<>();
        rebound.put("Host", "evil.example:" + port);
        rebound.put("Sec-Fetch-Site", "same-origin");
        rebound.put("Sec-Fetch-Mode", "cors");

        RawHttp.Answer list = RawHttp.send(port, "GET", "/api/jobs", rebound, null);
        RawHttp.Answer types = RawHttp.send(port, "GET", "/api/job-types", rebound, null);
        Map<String, String> post = new LinkedHashMap<>(rebound);
        post.put("Origin", "http://evil.example:" + port);
        post.put("Content-Type", "application/json");
        String before = jobsFingerprint();
        RawHttp.Answer create = RawHttp.send(port, "POST", "/api/jobs", post,
                bytes("{\"type\":\"example.hello\",\"payload\":{\"name\":\"rebound\"}}"));

        assertThat(list.status()).isEqualTo(403);
        assertThat(list.body()).doesNotContain("secret-issue");
        assertThat(list.json().get("error").asText()).isEqualTo("forbidden_host");
        assertThat(types.status()).isEqualTo(403);
        assertThat(create.status()).isEqualTo(403);
        assertThat(jobsFingerprint()).isEqualTo(before);
    }

    @Test
    void aBodyWithoutJsonContentTypeIsRefusedEvenWithoutBrowserHeaders() {
        long id = cancelledJob("no-content-type");
        String before = jobsFingerprint();

        RawHttp.Answer blob = RawHttp.send(port, "POST", "/api/jobs/clean", Map.of("Host", "localhost:" + port),
                bytes("{\"olderThan\":\"0d\"}"));
        RawHttp.Answer onCancel = RawHttp.send(port, "POST", "/api/jobs/" + id + "/retry",
                Map.of("Host", "localhost:" + port, "Content-Type", "text/plain"), bytes("x"));

        assertThat(blob.status()).isEqualTo(415);
        assertThat(onCancel.status()).isEqualTo(415);
        assertThat(jobsFingerprint()).isEqualTo(before);
    }

    @Test
    void scriptsAndTheSameLoopbackOriginStillWork() {
        for (String host : new String[] {"localhost:" + port, "127.0.0.1:" + port, "[::1]:" + port, "localhost"}) {
            assertThat(RawHttp.send(port, "GET", "/api/jobs", Map.of("Host", host), null).status()).as(host).isEqualTo(200);
        }
        Map<String, String> sameOrigin = new LinkedHashMap<>();
        sameOrigin.put("Host", "localhost:" + port);
        sameOrigin.put("Origin", "http://localhost:" + port);
        sameOrigin.put("Sec-Fetch-Site", "same-origin");
        sameOrigin.put("Content-Type", "application/json");
        RawHttp.Answer create = RawHttp.send(port, "POST", "/api/jobs", sameOrigin,
                bytes("{\"type\":\"example.hello\",\"payload\":{\"name\":\"same-origin\"}}"));
        assertThat(create.status()).as(create.body()).isEqualTo(200);
        // Health is public, whatever the name it is reached by.
        assertThat(RawHttp.send(port, "GET", "/api/health", Map.of("Host", "monitor.example"), null).status()).isEqualTo(200);
    }

    @Test
    void gitHubsWebhookToThePublicNameStillWorks() {
        byte[] body = bytes("{\"zen\":\"Keep it logically awesome.\",\"hook_id\":1}");
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Host", "roomote.example.com");
        h.put("User-Agent", "GitHub-Hookshot/abc123");
        h.put("Content-Type", "application/json");
        h.put("X-GitHub-Event", "ping");
        h.put("X-GitHub-Delivery", "1c0ffee0-0000-4000-8000-000000000001");
        h.put("X-Hub-Signature-256", new WebhookSignature(SECRET).header(body));

        RawHttp.Answer a = RawHttp.send(port, "POST", "/api/webhooks/github", h, body);

        assertThat(a.status()).as(a.body()).isEqualTo(200);
        assertThat(a.json().get("message").asText()).isEqualTo("pong");
    }
}
