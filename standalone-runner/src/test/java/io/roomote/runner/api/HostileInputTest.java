package io.roomote.runner.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.roomote.core.testing.TestDatabases;
import io.roomote.runner.RoomoteService;
import io.roomote.runner.RunnerFixture;
import io.roomote.runner.RunnerFixture.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The input an attacker (or a careless script) sends to the REST API, each case found by fuzzing: a clear 4xx that
 * names the field, and no row written. A real runner (API role: jobs stay pending) on PostgreSQL, over HTTP.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileInputTest {

    @TempDir
    static Path home;

    private RunnerFixture runner;

    @BeforeAll
    void start() {
        // A stand-in token: without one, fix jobs are refused at enqueue (this Roomote could not run them).
        runner = new RunnerFixture(home, Map.of("DATABASE_URL", TestDatabases.freshJdbcUrl(),
                "GH_TOKEN", "ghp_standInToken0123456789abcdefghijklmn"), RoomoteService.Role.API);
    }

    @AfterAll
    void stop() {
        runner.close();
    }

    private long rows() {
        try (Connection c = runner.service().roomote().database().connection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM cloud_jobs")) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String fix(String fields) {
        return "{\"type\":\"github.issue.fix\",\"payload\":{\"repo\":\"acme/app\",\"issue\":7" + fields + "}}";
    }

    /** Posts the body, expects a 400 whose details name {@code path}, and checks nothing was written. */
    private JsonNode refused(String body, String path) {
        long before = rows();
        Response r = runner.post("/api/jobs", body);
        assertThat(r.status()).as(abbreviate(body) + " → " + abbreviate(r.raw().body())).isEqualTo(400);
        assertThat(r.json().get("error").asText()).isEqualTo("bad_request");
        assertThat(r.json().get("details").findValuesAsText("path")).as(abbreviate(body)).contains(path);
        assertThat(rows()).as("rows after " + abbreviate(body)).isEqualTo(before);
        return r.json();
    }

    private static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "…";
    }

    @Test
    void aNulInAnyStringIsRefusedNamingTheField() {
        JsonNode title = refused(fix(",\"title\":\"a\\u0000b\""), "payload.title");
        assertThat(title.at("/details/0/message").asText()).contains("NUL");
        refused(fix(",\"body\":\"\\u0000\""), "payload.body");
        refused(fix(",\"model\":\"gpt\\u0000\""), "payload.model");
        refused(fix(",\"labels\":[\"ok\",\"b\\u0000\"]"), "payload.labels[1]");
        refused("{\"type\":\"example.hello\",\"payload\":{\"name\":\"Ada\"},\"dedupeKey\":\"k\\u0000\"}", "dedupeKey");
        refused("{\"type\":\"example.hello\",\"payload\":{\"name\":\"Ada\",\"extra\":{\"deep\":[\"\\u0000\"]}}}",
                "payload.extra.deep[0]");
        refused("{\"type\":\"example.hello\",\"payload\":{\"name\":\"Ada\",\"k\\u0000\":1}}", "payload");
        refused("{\"type\":\"example\\u0000hello\",\"payload\":{\"name\":\"Ada\"}}", "type");
    }

    @Test
    void aLoneSurrogateIsRefusedInsteadOfBeingStoredAsAQuestionMark() {
        JsonNode r = refused(fix(",\"title\":\"\\ud800\""), "payload.title");
        assertThat(r.at("/details/0/message").asText()).contains("surrogate");
        refused(fix(",\"body\":\"x\\udc00y\""), "payload.body");
        refused("{\"type\":\"example.hello\",\"payload\":{\"name\":\"Ada\"},\"dedupeKey\":\"\\udbff\"}", "dedupeKey");

        // A proper pair (an emoji) is text like any other.
        Response ok = runner.post("/api/jobs", fix(",\"title\":\"\\ud83d\\ude00 broken\"").replace("\"issue\":7", "\"issue\":9"));
        assertThat(ok.status()).isEqualTo(200);
        assertThat(runner.get("/api/jobs/" + ok.json().get("jobId").asLong()).json().at("/payload/title").asText())
                .isEqualTo("\uD83D\uDE00 broken");
    }

    @Test
    void aNulInAQueryParameterIsA400NamingIt() {
        Response r = runner.get("/api/jobs?type=a%00b");

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().at("/details/0/path").asText()).isEqualTo("type");
        assertThat(runner.get("/api/jobs?status=pend%00ing").status()).isEqualTo(400);
        assertThat(runner.get("/api/jobs/1/logs?after=%00").status()).isEqualTo(400);
        // The dashboard's search on the same port, too.
        assertThat(runner.get("/admin/queues/jobs?q=a%00b").status()).isEqualTo(400);
        assertThat(runner.get("/admin/queues/jobs?repo=%00").status()).isEqualTo(400);
    }

    @Test
    void jsonNestedDeeperThanTheParserAllowsIsA400() {
        String deep = "[".repeat(1500) + "]".repeat(1500);

        JsonNode r = refused("{\"type\":\"example.hello\",\"payload\":{\"name\":\"Ada\",\"x\":" + deep + "}}", "");
        assertThat(r.at("/details/0/message").asText()).contains("malformed JSON").contains("nesting depth");

        Response clean = runner.post("/api/jobs/clean", "{\"olderThan\":" + deep + "}");
        assertThat(clean.status()).isEqualTo(400);
    }

    @Test
    void trailingGarbageAfterTheObjectIsRefused() {
        refused("{\"type\":\"example.hello\",\"payload\":{\"name\":\"Trailing\"}}garbage", "");
        refused("{\"type\":\"example.hello\",\"payload\":{\"name\":\"Trailing\"}} {}", "");
        assertThat(runner.post("/api/jobs/clean", "{\"olderThan\":\"3650d\"}]").status()).isEqualTo(400);
    }

    @Test
    void outOfRangeNumbersAreRefusedNeverWrapped() {
        refused("{\"type\":\"example.hello\",\"payload\":{\"name\":\"Wrap\"},\"maxAttempts\":18446744073709551619}", "maxAttempts");
        refused("{\"type\":\"example.hello\",\"payload\":{\"name\":\"Wrap\"},\"maxAttempts\":4294967299}", "maxAttempts");
        refused("{\"type\":\"example.hello\",\"payload\":{\"name\":\"Wrap\"},\"maxAttempts\":3.0}", "maxAttempts");
        refused(fix("").replace("\"issue\":7", "\"issue\":4294971538"), "payload.issue");
        refused("{\"type\":\"example.hello\",\"payload\":{\"name\":\"Big\",\"x\":1e999}}", "payload.x");
    }

    @Test
    void typesAreStrictNothingIsCoercedToAString() {
        refused(fix(",\"title\":1"), "payload.title");
        refused(fix(",\"title\":true"), "payload.title");
        refused(fix(",\"title\":1.5"), "payload.title");
        refused(fix(",\"labels\":[1]"), "payload.labels[0]");
        refused(fix(",\"model\":true"), "payload.model");
        refused(fix("").replace("\"acme/app\"", "7"), "payload.repo");
        refused(fix("").replace("\"issue\":7", "\"issue\":\"7\""), "payload.issue");
        refused(fix("").replace("\"issue\":7", "\"issue\":true"), "payload.issue");
    }

    @Test
    void repositoryNamesFollowGitHubsRules() {
        for (String repo : List.of("a/.", "a/..", "a/-", "a/-x", "a/___", "-a/b", "a-/b", "a--b/c", "a/b/c", "a/b c",
                "a".repeat(40) + "/b", "a/" + "b".repeat(101), "a/x..y")) {
            refused(fix("").replace("acme/app", repo), "payload.repo");
        }
        for (String repo : List.of("acme/.github", "a/b", "a-b/c_d.e", "A1/x-y", "a".repeat(39) + "/" + "b".repeat(100))) {
            Response r = runner.post("/api/jobs", fix("").replace("acme/app", repo));
            assertThat(r.status()).as(repo + ": " + r.raw().body()).isEqualTo(200);
        }
    }

    @Test
    void everyStringHasItsLimit() {
        refused(fix(",\"title\":\"" + "t".repeat(257) + "\""), "payload.title");
        refused(fix(",\"body\":\"" + "b".repeat(65_537) + "\""), "payload.body");
        refused(fix(",\"model\":\"" + "m".repeat(201) + "\""), "payload.model");
        refused(fix(",\"labels\":[\"" + "l".repeat(51) + "\"]"), "payload.labels[0]");
        refused(fix(",\"labels\":[" + "\"x\",".repeat(100) + "\"x\"]"), "payload.labels");
        refused(fix(",\"agent\":\"" + "a".repeat(200_000) + "\""), "payload.agent");
        refused("{\"type\":\"example.hello\",\"payload\":{\"name\":\"Ada\"},\"dedupeKey\":\"" + "k".repeat(201) + "\"}", "dedupeKey");
        refused("{\"type\":\"" + "t".repeat(101) + "\",\"payload\":{}}", "type");

        Response atTheLimits = runner.post("/api/jobs", "{\"type\":\"github.issue.fix\",\"payload\":{\"repo\":\"acme/limits\","
                + "\"issue\":8,\"title\":\"" + "t".repeat(256) + "\",\"body\":\"" + "b".repeat(65_536) + "\",\"model\":\""
                + "m".repeat(200) + "\",\"labels\":[\"" + "l".repeat(50) + "\"]}}");
        assertThat(atTheLimits.status()).as(atTheLimits.raw().body()).isEqualTo(200);
    }

    @Test
    void cleanRefusesNegativeAndAbsurdAges() {
        for (String older : List.of("\"PT-1H\"", "\"100000000d\"", "\"36501d\"", "\"-1d\"", "\"P-1D\"", "30", "true",
                "\"99999999999999999999d\"")) {
            Response r = runner.post("/api/jobs/clean", "{\"olderThan\":" + older + "}");
            assertThat(r.status()).as(older + ": " + r.raw().body()).isEqualTo(400);
            assertThat(r.json().at("/details/0/path").asText()).isEqualTo("olderThan");
        }
        assertThat(runner.post("/api/jobs/clean", "{\"olderThan\":\"30d\",\"statuses\":[1]}").status()).isEqualTo(400);
        assertThat(runner.post("/api/jobs/clean", "{\"olderThan\":\"36500d\"}").status()).isEqualTo(200);
    }

    @Test
    void otherMethodsOnKnownPathsAre405WithAllow() {
        int port = runner.service().apiPort().orElseThrow();
        Map<String, String> local = Map.of("Host", "127.0.0.1:" + port);
        for (String method : List.of("PUT", "PATCH", "OPTIONS", "DELETE")) {
            boolean body = method.equals("PUT") || method.equals("PATCH");
            RawHttp.Answer a = RawHttp.send(port, method, "/api/jobs", body ? Map.of("Host", "127.0.0.1:" + port,
                    "Content-Type", "application/json") : local, body ? "{}".getBytes(StandardCharsets.UTF_8) : null);
            assertThat(a.status()).as(method + " /api/jobs: " + a.body()).isEqualTo(405);
            assertThat(a.headers().get("allow")).as(method).contains("GET").contains("POST");
            assertThat(a.json().get("error").asText()).isEqualTo("method_not_allowed");
        }
        RawHttp.Answer put = RawHttp.send(port, "PUT", "/api/jobs/1", local, null);
        assertThat(put.status()).isEqualTo(405);
        assertThat(put.headers().get("allow")).contains("GET").contains("DELETE");
        RawHttp.Answer getCancel = RawHttp.send(port, "GET", "/api/jobs/1/cancel", local, null);
        assertThat(getCancel.status()).isEqualTo(405);
        assertThat(getCancel.headers().get("allow")).isEqualTo("POST");
        assertThat(RawHttp.send(port, "POST", "/api/health", local, null).status()).isEqualTo(405);
    }

    @Test
    void aBodyMustBeDeclaredJson() {
        long before = rows();
        String body = "{\"type\":\"example.hello\",\"payload\":{\"name\":\"NoType\"}}";

        Response none = runner.send(runner.request("/api/jobs").POST(HttpRequest.BodyPublishers.ofString(body)).build());
        Response jsonish = runner.send(runner.request("/api/jobs").header("Content-Type", "application/jsonp")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());

        assertThat(none.status()).isEqualTo(415);
        assertThat(jsonish.status()).isEqualTo(415);
        assertThat(rows()).isEqualTo(before);
        assertThat(runner.send(runner.request("/api/jobs").header("Content-Type", "application/json; charset=utf-8")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build()).status()).isEqualTo(200);
    }
}
