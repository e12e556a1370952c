package io.roomote.runner.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.roomote.core.testing.TestDatabases;
import io.roomote.jobs.github.webhook.WebhookSignature;
import io.roomote.runner.RoomoteService;
import io.roomote.runner.RunnerFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Signed GitHub deliveries whose content is hostile or odd, and a database failure in the middle of a delivery.
 * Payloads are the realistic ones of core's test resources (github/*.json, GitHub's documented shapes), changed
 * field by field and signed with the webhook's secret, as GitHub would send them.
 */
class WebhookHostileInputTest {

    private static final String SECRET = "webhook-secret-for-tests";

    @TempDir
    Path home;

    private RunnerFixture runner;

    @BeforeEach
    void start() {
        runner = new RunnerFixture(home, Map.of("DATABASE_URL", TestDatabases.freshJdbcUrl(), "GH_WEBHOOK_SECRET", SECRET,
                "ROOMOTE_API_TOKEN", "0123456789abcdef0123456789abcdef",
                // A stand-in token: fix jobs are refused at enqueue without one.
                "GH_TOKEN", "ghp_standInToken0123456789abcdefghijklmn"), RoomoteService.Role.API);
    }

    @AfterEach
    void stop() {
        runner.close();
    }

    private static ObjectNode payload(String name) {
        try (var in = WebhookHostileInputTest.class.getResourceAsStream("/github/" + name + ".json")) {
            return (ObjectNode) RunnerFixture.MAPPER.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] bytes(JsonNode node) {
        try {
            return RunnerFixture.MAPPER.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private RunnerFixture.Response deliver(String event, byte[] body, String delivery) {
        return runner.send(HttpRequest.newBuilder(URI.create(runner.base() + "/api/webhooks/github"))
                .header("Content-Type", "application/json").header("X-GitHub-Event", event)
                .header("X-GitHub-Delivery", delivery).header("User-Agent", "GitHub-Hookshot/abc123")
                .header("X-Hub-Signature-256", new WebhookSignature(SECRET).header(body))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
    }

    private RunnerFixture.Response deliver(String event, String name, Consumer<ObjectNode> change, String delivery) {
        ObjectNode p = payload(name);
        change.accept(p);
        return deliver(event, bytes(p), delivery);
    }

    private long count(String table) {
        return (Long) sql("SELECT count(*) FROM " + table);
    }

    private Object sql(String statement) {
        try (Connection c = runner.service().roomote().database().connection(); Statement s = c.createStatement()) {
            if (!s.execute(statement)) {
                return null;
            }
            try (ResultSet rs = s.getResultSet()) {
                rs.next();
                return rs.getObject(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void anIssueWithNulInItsTitleIsRejectedNot500AndCreatesNoJob() {
        String delivery = UUID.randomUUID().toString();

        RunnerFixture.Response r = deliver("issues", "issues-opened",
                p -> ((ObjectNode) p.get("issue")).put("title", "Login\u0000button"), delivery);

        assertThat(r.status()).as(r.raw().body()).isEqualTo(200);
        assertThat(r.json().get("message").asText()).isEqualTo("trigger_rejected");
        assertThat(r.json().get("reason").asText()).contains("payload.title").contains("NUL");
        assertThat(count("cloud_jobs")).isZero();
        RunnerFixture.Response again = deliver("issues", "issues-opened",
                p -> ((ObjectNode) p.get("issue")).put("title", "Login\u0000button"), delivery);
        assertThat(again.json()).isEqualTo(r.json());
    }

    @Test
    void aFailureWhileHandlingLeavesTheDeliveryRetryableAndItsRedeliveryCreatesTheJob() {
        // The database refuses new jobs for a moment (a real PostgreSQL error, raised by a trigger).
        sql("CREATE FUNCTION refuse_jobs() RETURNS trigger LANGUAGE plpgsql AS"
                + " $$ BEGIN RAISE EXCEPTION 'injected: cloud_jobs is not writable'; END $$");
        sql("CREATE TRIGGER refuse_jobs BEFORE INSERT ON cloud_jobs FOR EACH ROW EXECUTE FUNCTION refuse_jobs()");
        String delivery = UUID.randomUUID().toString();

        RunnerFixture.Response failed = deliver("issues", "issues-opened", p -> { }, delivery);

        assertThat(failed.status()).isEqualTo(500);
        assertThat(count("github_deliveries")).as("the claim is released").isZero();

        sql("DROP TRIGGER refuse_jobs ON cloud_jobs");
        RunnerFixture.Response redelivered = deliver("issues", "issues-opened", p -> { }, delivery);

        assertThat(redelivered.status()).as(redelivered.raw().body()).isEqualTo(200);
        assertThat(redelivered.json().get("message").asText()).isEqualTo("job_enqueued");
        assertThat(count("cloud_jobs")).isEqualTo(1);
        RunnerFixture.Response third = deliver("issues", "issues-opened", p -> { }, delivery);
        assertThat(third.json()).isEqualTo(redelivered.json());
        assertThat(count("cloud_jobs")).isEqualTo(1);
    }

    @Test
    void aPullRequestReferencingAnImpossibleIssueNumberIsNot500() {
        RunnerFixture.Response r = deliver("pull_request", "pull-request-opened",
                p -> ((ObjectNode) p.get("pull_request")).put("title", "fixes #99999999999").put("body", ""),
                UUID.randomUUID().toString());

        assertThat(r.status()).as(r.raw().body()).isEqualTo(200);
        assertThat(r.json().get("message").asText()).isEqualTo("no_issue_reference_found");
    }

    @Test
    void anActionWithNulIsA400AndRecordsNothing() {
        RunnerFixture.Response r = deliver("issues", "issues-opened", p -> p.put("action", "open\u0000ed"),
                UUID.randomUUID().toString());

        assertThat(r.status()).as(r.raw().body()).isEqualTo(400);
        assertThat(count("github_deliveries")).isZero();
        assertThat(count("cloud_jobs")).isZero();
    }

    @Test
    void anIssueNumberBeyondIntIsRefusedNotTruncated() {
        RunnerFixture.Response r = deliver("issues", "issues-opened",
                p -> ((ObjectNode) p.get("issue")).put("number", 4_294_971_538L), UUID.randomUUID().toString());

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("message").asText()).isEqualTo("trigger_rejected");
        assertThat(r.json().get("reason").asText()).contains("4294971538");
        assertThat(count("cloud_jobs")).isZero();
    }

    @Test
    void aRepositoryOrLoginWithNulIsNot500() {
        RunnerFixture.Response repo = deliver("issues", "issues-opened",
                p -> ((ObjectNode) p.get("repository")).put("full_name", "acme/a\u0000pp"), UUID.randomUUID().toString());
        RunnerFixture.Response prRepo = deliver("pull_request", "pull-request-opened",
                p -> ((ObjectNode) p.get("repository")).put("full_name", "acme/a\u0000pp"), UUID.randomUUID().toString());
        RunnerFixture.Response association = deliver("issues", "issues-opened",
                p -> ((ObjectNode) p.get("issue")).put("author_association", "NO\u0000NE"), UUID.randomUUID().toString());

        assertThat(repo.status()).as(repo.raw().body()).isEqualTo(200);
        assertThat(repo.json().get("message").asText()).isEqualTo("trigger_rejected");
        assertThat(prRepo.status()).as(prRepo.raw().body()).isEqualTo(200);
        assertThat(association.status()).as(association.raw().body()).isEqualTo(200);
        assertThat(association.json().get("reason").asText()).doesNotContain("\u0000");
        assertThat(count("cloud_jobs")).isZero();
    }

    @Test
    void odditiesInTheHeadersAre400() {
        byte[] body = bytes(payload("issues-opened"));
        RunnerFixture.Response event = deliver("issue comment", body, UUID.randomUUID().toString());
        RunnerFixture.Response trailing = runner.send(HttpRequest.newBuilder(URI.create(runner.base() + "/api/webhooks/github"))
                .header("Content-Type", "application/json").header("X-GitHub-Event", "issues")
                .header("X-GitHub-Delivery", UUID.randomUUID().toString())
                .header("X-Hub-Signature-256", new WebhookSignature(SECRET).header(concat(body, "garbage".getBytes())))
                .POST(HttpRequest.BodyPublishers.ofByteArray(concat(body, "garbage".getBytes()))).build());

        assertThat(event.status()).isEqualTo(400);
        assertThat(trailing.status()).isEqualTo(400);
        assertThat(count("github_deliveries")).isZero();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
