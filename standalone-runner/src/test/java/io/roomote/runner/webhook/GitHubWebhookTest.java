package io.roomote.runner.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.roomote.core.config.ConfigurationException;
import io.roomote.core.store.JobNotesRepository;
import io.roomote.core.testing.SlackStandIn;
import io.roomote.core.testing.TestDatabases;
import io.roomote.jobs.github.webhook.WebhookSignature;
import io.roomote.runner.RoomoteService;
import io.roomote.runner.RunnerFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The GitHub webhook endpoint with realistic payloads (core test resources github/*.json), real signatures,
 * redeliveries and concurrent duplicates, on a real runner and PostgreSQL. Slack is a stand-in (SlackStandIn).
 */
class GitHubWebhookTest {

    private static final String SECRET = "webhook-secret-for-tests";
    private static final String API_TOKEN = "0123456789abcdef0123456789abcdef";

    @TempDir
    Path home;

    private RunnerFixture runner;
    private SlackStandIn slack;

    @AfterEach
    void stop() {
        if (runner != null) {
            runner.close();
        }
        if (slack != null) {
            slack.close();
        }
    }

    private void start(Map<String, String> extra) {
        Map<String, String> s = new HashMap<>(Map.of("DATABASE_URL", TestDatabases.freshJdbcUrl(), "GH_WEBHOOK_SECRET", SECRET,
                "ROOMOTE_API_TOKEN", API_TOKEN, "HOST", "127.0.0.1", "GH_TOKEN", "ghp_standInToken0123456789abcdefghijklmn"));
        s.putAll(extra);
        // API only: jobs stay pending, so "one active job per issue" can be observed.
        runner = new RunnerFixture(home, s, RoomoteService.Role.API);
    }

    static byte[] payload(String name) {
        try (var in = GitHubWebhookTest.class.getResourceAsStream("/github/" + name + ".json")) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private RunnerFixture.Response deliver(String event, byte[] body, String delivery, String signature) {
        HttpRequest.Builder b = HttpRequest.newBuilder(java.net.URI.create(runner.base() + "/api/webhooks/github"))
                .header("Content-Type", "application/json").header("X-GitHub-Event", event)
                .header("User-Agent", "GitHub-Hookshot/abc123")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (delivery != null) {
            b.header("X-GitHub-Delivery", delivery);
        }
        if (signature != null) {
            b.header("X-Hub-Signature-256", signature);
        }
        return runner.send(b.build());
    }

    private RunnerFixture.Response deliver(String event, byte[] body, String delivery) {
        return deliver(event, body, delivery, new WebhookSignature(SECRET).header(body));
    }

    private List<JsonNode> jobs() {
        List<JsonNode> out = new ArrayList<>();
        runner.get("/api/jobs?limit=500").json().get("jobs").forEach(out::add);
        return out;
    }

    @Test
    void anOpenedIssueBecomesAFixJobWithItsTitleBodyAndLabels() {
        start(Map.of());

        RunnerFixture.Response r = deliver("issues", payload("issues-opened"), UUID.randomUUID().toString());

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("message").asText()).isEqualTo("job_enqueued");
        JsonNode job = runner.get("/api/jobs/" + r.json().get("jobId").asLong()).json();
        assertThat(job.get("type").asText()).isEqualTo("github.issue.fix");
        assertThat(job.at("/payload/repo").asText()).isEqualTo("acme/app");
        assertThat(job.at("/payload/issue").asInt()).isEqualTo(42);
        assertThat(job.at("/payload/title").asText()).isEqualTo("Login button misaligned on mobile");
        assertThat(job.at("/payload/body").asText()).startsWith("The login button overflows");
        assertThat(job.at("/payload/labels").toString()).isEqualTo("[\"bug\",\"frontend\"]");

        RunnerFixture.Response noBody = deliver("issues", payload("issues-opened-no-body"), UUID.randomUUID().toString());
        JsonNode second = runner.get("/api/jobs/" + noBody.json().get("jobId").asLong()).json();
        assertThat(second.at("/payload/body").asText()).isEmpty();
        assertThat(second.at("/payload/labels")).isEmpty();
    }

    @Test
    void missingOrWrongSignaturesAreRefusedAndCreateNothing() {
        start(Map.of());
        byte[] body = payload("issues-opened");

        RunnerFixture.Response missing = deliver("issues", body, UUID.randomUUID().toString(), null);
        RunnerFixture.Response wrong = deliver("issues", body, UUID.randomUUID().toString(),
                new WebhookSignature("not-the-secret").header(body));
        byte[] tampered = new String(body, StandardCharsets.UTF_8).replace("\"number\": 42", "\"number\": 43").getBytes(StandardCharsets.UTF_8);
        RunnerFixture.Response modified = deliver("issues", tampered, UUID.randomUUID().toString(), new WebhookSignature(SECRET).header(body));

        assertThat(missing.status()).isEqualTo(400);
        assertThat(missing.json().get("error").asText()).isEqualTo("missing_signature");
        assertThat(wrong.status()).isEqualTo(401);
        assertThat(wrong.json().get("error").asText()).isEqualTo("invalid_signature");
        assertThat(modified.status()).isEqualTo(401);
        assertThat(jobs()).isEmpty();
    }

    @Test
    void aRedeliveryAnswersTheSameAndASecondTriggerReturnsTheActiveJob() {
        start(Map.of());
        String delivery = UUID.randomUUID().toString();

        RunnerFixture.Response first = deliver("issues", payload("issues-opened"), delivery);
        RunnerFixture.Response redelivered = deliver("issues", payload("issues-opened"), delivery);
        RunnerFixture.Response labeled = deliver("issues", payload("issues-labeled"), UUID.randomUUID().toString());

        assertThat(redelivered.status()).isEqualTo(200);
        assertThat(redelivered.json()).isEqualTo(first.json());
        assertThat(labeled.json().get("message").asText()).isEqualTo("job_already_active");
        assertThat(labeled.json().get("jobId").asLong()).isEqualTo(first.json().get("jobId").asLong());
        assertThat(jobs()).hasSize(1);
    }

    @Test
    void concurrentDuplicatesCreateOneJob() throws Exception {
        start(Map.of());
        String delivery = UUID.randomUUID().toString();
        int n = 12;
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(n);
        List<Future<RunnerFixture.Response>> answers = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            // Half redeliver one delivery, half are distinct deliveries of the same issue.
            String id = i % 2 == 0 ? delivery : UUID.randomUUID().toString();
            answers.add(pool.submit(() -> {
                go.await();
                return deliver("issues", payload("issues-opened"), id);
            }));
        }
        go.countDown();
        List<RunnerFixture.Response> all = new ArrayList<>();
        for (Future<RunnerFixture.Response> f : answers) {
            all.add(f.get());
        }
        pool.shutdown();

        assertThat(all).allSatisfy(r -> assertThat(r.status()).isEqualTo(200));
        assertThat(jobs()).hasSize(1);
        Set<Long> ids = all.stream().filter(r -> r.json().has("jobId")).map(r -> r.json().get("jobId").asLong())
                .collect(Collectors.toSet());
        assertThat(ids).hasSize(1);
    }

    @Test
    void strangersBotsAndUnusedEventsAreAnsweredWithAReasonAndStartNothing() {
        start(Map.of());

        RunnerFixture.Response stranger = deliver("issues", payload("issues-opened-by-stranger"), UUID.randomUUID().toString());
        RunnerFixture.Response bot = deliver("issues", payload("issues-opened-by-bot"), UUID.randomUUID().toString());
        RunnerFixture.Response ping = deliver("ping", payload("ping"), UUID.randomUUID().toString());
        RunnerFixture.Response push = deliver("push", payload("ping"), UUID.randomUUID().toString());

        assertThat(stranger.json().get("message").asText()).isEqualTo("trigger_rejected");
        assertThat(stranger.json().get("reason").asText()).contains("NONE");
        assertThat(bot.json().get("reason").asText()).contains("bot");
        assertThat(ping.json().get("message").asText()).isEqualTo("pong");
        assertThat(push.json().get("message").asText()).isEqualTo("event_ignored");
        assertThat(jobs()).isEmpty();
    }

    @Test
    void aMentionInACommentStartsAFix() {
        start(Map.of());

        RunnerFixture.Response r = deliver("issue_comment", payload("issue-comment-created"), UUID.randomUUID().toString());

        assertThat(r.json().get("message").asText()).isEqualTo("job_enqueued");
    }

    @Test
    void wrongContentTypeIs415() {
        start(Map.of());
        byte[] body = ("payload=" + new String(payload("ping"), StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);

        RunnerFixture.Response r = runner.send(HttpRequest.newBuilder(java.net.URI.create(runner.base() + "/api/webhooks/github"))
                .header("Content-Type", "application/x-www-form-urlencoded").header("X-GitHub-Event", "ping")
                .header("X-GitHub-Delivery", "d-1").header("X-Hub-Signature-256", new WebhookSignature(SECRET).header(body))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());

        assertThat(r.status()).isEqualTo(415);
    }

    @Test
    void aPullRequestFixingAnIssueIsAnnouncedInThatJobsSlackThread() throws Exception {
        slack = new SlackStandIn();
        start(Map.of("SLACK_API_TOKEN", "xoxb-test-token-1234567890", "SLACK_API_URL", slack.apiUrl()));
        long jobId = deliver("issues", payload("issues-opened"), UUID.randomUUID().toString()).json().get("jobId").asLong();

        RunnerFixture.Response before = deliver("pull_request", payload("pull-request-opened"), UUID.randomUUID().toString());
        new JobNotesRepository(runner.service().roomote().database()).setSlackThreadTs(jobId, "1700000000.000001");
        RunnerFixture.Response after = deliver("pull_request", payload("pull-request-opened"), UUID.randomUUID().toString());
        ObjectNode noRef = (ObjectNode) RunnerFixture.MAPPER.readTree(payload("pull-request-opened"));
        ((ObjectNode) noRef.get("pull_request")).put("title", "Refactor").put("body", "no reference");
        RunnerFixture.Response unrelated = deliver("pull_request", RunnerFixture.MAPPER.writeValueAsBytes(noRef), UUID.randomUUID().toString());

        assertThat(before.json().get("message").asText()).isEqualTo("no_job_or_slack_thread_found");
        assertThat(after.json().get("message").asText()).isEqualTo("slack_notification_sent");
        assertThat(unrelated.json().get("message").asText()).isEqualTo("no_issue_reference_found");
        await().until(() -> slack.messages().size() == 1);
        assertThat(slack.messages().get(0).threadTs()).isEqualTo("1700000000.000001");
        assertThat(slack.messages().get(0).text()).isEqualTo("🎉 Pull request created: <https://github.com/acme/app/pull/57|PR #57>");
    }

    @Test
    void enablingWebhooksWithoutASecretRefusesToStart() {
        assertThatThrownBy(() -> new RunnerFixture(home, Map.of("DATABASE_URL", TestDatabases.freshJdbcUrl(),
                "GITHUB_WEBHOOKS", "true"), RoomoteService.Role.API))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("GH_WEBHOOK_SECRET");
    }

    @Test
    void withoutASecretTheEndpointSaysWebhooksAreOff() {
        runner = new RunnerFixture(home, Map.of("DATABASE_URL", TestDatabases.freshJdbcUrl()), RoomoteService.Role.API);

        RunnerFixture.Response r = deliver("ping", payload("ping"), "d-2");

        assertThat(r.status()).isEqualTo(404);
        assertThat(r.json().get("error").asText()).isEqualTo("webhooks_disabled");
    }
}
