package io.roomote.runner.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.roomote.core.testing.TestDatabases;
import io.roomote.jobs.github.GitHubApi;
import io.roomote.jobs.github.revise.RevisionRounds;
import io.roomote.jobs.github.testing.GitHubStandIn;
import io.roomote.jobs.github.webhook.WebhookEvents;
import io.roomote.jobs.github.webhook.WebhookSignature;
import io.roomote.runner.RoomoteService;
import io.roomote.runner.RunnerFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What starts a review round: signed deliveries of GitHub's review, review comment, PR conversation comment and
 * check events against the real runner (real handler, real signature check, real queue on an embedded
 * PostgreSQL, the real {@code github.pr.revise} job type validating what is enqueued). Stand-in: GitHub's REST API
 * ({@link GitHubStandIn}, asked about the pull request and its comments). The runners here take no jobs (API role),
 * so what a delivery made is exactly the pending rows; that rounds of one pull request never run at once is the
 * queue's concurrency key, shown with real workers in roomote-core's {@code ConcurrencyKeyTest}.
 */
class ReviewTriggerWebhookTest {

    private static final String SECRET = "webhook-secret-for-tests";
    private static final String API_TOKEN = "0123456789abcdef0123456789abcdef";
    private static final String REPO = "acme/app";

    @TempDir
    Path home;
    @TempDir
    Path work;

    private GitHubStandIn github;
    private RunnerFixture runner;
    private String databaseUrl;
    private int roomotePr;

    @BeforeEach
    void gitHub() throws IOException {
        // The stand-in knows a repository by its bare git folder; these tests never push, so an empty one does.
        Files.createDirectories(work.resolve("remotes/" + REPO + ".git"));
        github = new GitHubStandIn(work.resolve("remotes"));
        // Roomote's pull request #101 (the fixtures' number), opened by roomote-bot with the marker in its body.
        roomotePr = github.addPull(REPO, "fix-42", "Fix #42: Login button misaligned on mobile",
                "Fixes #42\n\n" + GitHubApi.marker(1) + "\n").get("number").asInt();
        // A pull request is an issue too: its conversation comments live there.
        github.addIssue(REPO, roomotePr, "Fix #42: Login button misaligned on mobile", "", List.of(), "open");
    }

    @AfterEach
    void stop() {
        if (runner != null) {
            runner.close();
        }
        github.close();
    }

    private void start(RoomoteService.Role role, Map<String, String> extra) throws Exception {
        databaseUrl = TestDatabases.freshJdbcUrl();
        Map<String, String> s = new HashMap<>(Map.of("DATABASE_URL", databaseUrl, "GH_WEBHOOK_SECRET", SECRET,
                "ROOMOTE_API_TOKEN", API_TOKEN, "HOST", "127.0.0.1", "GH_TOKEN", "ghp_standInToken0123456789abcdefghijklmn",
                "GITHUB_API_URL", github.apiUrl(), "OPENROUTER_API_KEY", "sk-or-v1-standIn"));
        s.putAll(extra);
        runner = new RunnerFixture(home, s, role);
    }

    private static ObjectNode fixture(String name) {
        try {
            return (ObjectNode) RunnerFixture.MAPPER.readTree(GitHubWebhookTest.payload(name));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private RunnerFixture.Response deliver(String event, JsonNode payload, String delivery) {
        byte[] body = payload.toString().getBytes(StandardCharsets.UTF_8);
        return runner.send(HttpRequest.newBuilder(java.net.URI.create(runner.base() + "/api/webhooks/github"))
                .header("Content-Type", "application/json").header("X-GitHub-Event", event)
                .header("X-GitHub-Delivery", delivery).header("User-Agent", "GitHub-Hookshot/abc123")
                .header("X-Hub-Signature-256", new WebhookSignature(SECRET).header(body))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
    }

    private RunnerFixture.Response deliver(String event, JsonNode payload) {
        return deliver(event, payload, UUID.randomUUID().toString());
    }

    private List<JsonNode> reviseJobs() {
        List<JsonNode> out = new ArrayList<>();
        runner.get("/api/jobs?limit=500").json().get("jobs").forEach(j -> {
            if (j.get("type").asText().equals("github.pr.revise")) {
                out.add(j);
            }
        });
        return out;
    }

    private JsonNode job(RunnerFixture.Response r) {
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("message").asText()).as(r.json().toString()).isEqualTo("job_enqueued");
        return runner.get("/api/jobs/" + r.json().get("jobId").asLong()).json();
    }

    /** A "no job" answer: 200, trigger_rejected with the reason; a redelivery of the id gets the recorded answer. */
    private void assertRejected(String event, JsonNode payload, String reasonPart) {
        String delivery = UUID.randomUUID().toString();
        RunnerFixture.Response r = deliver(event, payload, delivery);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("message").asText()).as(r.json().toString()).isEqualTo("trigger_rejected");
        assertThat(r.json().get("reason").asText()).contains(reasonPart);
        RunnerFixture.Response again = deliver(event, payload, delivery);
        assertThat(again.json()).isEqualTo(r.json());
    }

    @Test
    void aMentionInAReviewCommentByACollaboratorOnRoomotesPullRequestStartsOneRound() throws Exception {
        start(RoomoteService.Role.API, Map.of());

        JsonNode job = job(deliver("pull_request_review_comment", fixture("pull-request-review-comment-created")));

        assertThat(job.get("type").asText()).isEqualTo("github.pr.revise");
        assertThat(job.get("payload")).isEqualTo(RunnerFixture.MAPPER.readTree("{\"repo\":\"acme/app\",\"pr\":101,"
                + "\"trigger\":\"review_comment\",\"triggerId\":2001,\"requestedBy\":\"maintainer\"}"));
        assertThat(reviseJobs()).hasSize(1);
        // The payload carried the pull request; only its comments were read (to count the rounds).
        assertThat(github.requests(r -> r.path().endsWith("/issues/101/comments") && r.method().equals("GET"))).isNotEmpty();
    }

    @Test
    void aReviewAndAConversationCommentWithTheMentionStartRoundsToo() throws Exception {
        start(RoomoteService.Role.API, Map.of());

        JsonNode review = job(deliver("pull_request_review", fixture("pull-request-review-submitted")));
        assertThat(review.at("/payload/trigger").asText()).isEqualTo("review");
        assertThat(review.at("/payload/triggerId").asLong()).isEqualTo(80);

        JsonNode comment = job(deliver("issue_comment", fixture("issue-comment-on-pull-request")));
        assertThat(comment.at("/payload/trigger").asText()).isEqualTo("comment");
        assertThat(comment.at("/payload/triggerId").asLong()).isEqualTo(3001);
        assertThat(comment.at("/payload/pr").asInt()).isEqualTo(101);
        // The issue_comment payload has no head: GitHub was asked for the pull request.
        assertThat(github.requests(r -> r.method().equals("GET") && r.path().equals("/repos/acme/app/pulls/101"))).isNotEmpty();
    }

    @Test
    void strangersBotsOtherPullRequestsRoomotesOwnRepliesAndSpentRoundsStartNothing() throws Exception {
        start(RoomoteService.Role.API, Map.of("ROOMOTE_MAX_REVISIONS", "2"));

        ObjectNode stranger = fixture("pull-request-review-comment-created");
        ((ObjectNode) stranger.get("comment")).put("author_association", "NONE");
        assertRejected("pull_request_review_comment", stranger, "author association NONE");

        ObjectNode bot = fixture("pull-request-review-comment-created");
        ((ObjectNode) bot.at("/comment/user")).put("login", "helper[bot]").put("type", "Bot");
        assertRejected("pull_request_review_comment", bot, "bot");

        ObjectNode someoneElses = fixture("pull-request-review-comment-created");
        ((ObjectNode) someoneElses.get("pull_request")).put("body", "Fixes #42, by hand");
        ((ObjectNode) someoneElses.at("/pull_request/user")).put("login", "alice");
        assertRejected("pull_request_review_comment", someoneElses, "not opened by Roomote");

        // A conversation comment on a pull request without the marker: GitHub's answer decides.
        int other = github.addPull(REPO, "alice-fix", "Alice's fix", "Fixes #42", "alice").get("number").asInt();
        ObjectNode onOther = fixture("issue-comment-on-pull-request");
        ((ObjectNode) onOther.get("issue")).put("number", other);
        assertRejected("issue_comment", onOther, "not opened by Roomote");

        // Roomote's own reply quotes the mention but carries its marker: ignored, no job.
        ObjectNode own = fixture("pull-request-review-comment-created");
        ((ObjectNode) own.get("comment")).put("body", "Done, @roomote out.\n" + WebhookEvents.OWN_COMMENT_MARKER);
        RunnerFixture.Response ownAnswer = deliver("pull_request_review_comment", own);
        assertThat(ownAnswer.json().get("message").asText()).isEqualTo("action_ignored");

        // Rounds done are counted from Roomote's replies (the stand-in writes comments as roomote-bot, the PR's author).
        GitHubApi api = new GitHubApi(github.apiUrl(), "ghp_standInToken0123456789abcdefghijklmn");
        api.comment(REPO, roomotePr, "Round 1 done. " + RevisionRounds.roundMarker(7, 1));
        assertThat(reviseJobs()).isEmpty();
        job(deliver("pull_request_review_comment", fixture("pull-request-review-comment-created")));
        api.comment(REPO, roomotePr, "Round 2 done. " + RevisionRounds.roundMarker(8, 2));
        assertRejected("pull_request_review_comment", fixture("pull-request-review-comment-created"), "2 review round(s)");
        assertThat(reviseJobs()).hasSize(1);
    }

    @Test
    void twoMentionsInQuickSuccessionBecomeTwoRoundsQueuedUnderOnePullRequestsKey() throws Exception {
        start(RoomoteService.Role.API, Map.of());

        ObjectNode second = fixture("pull-request-review-comment-created");
        ((ObjectNode) second.get("comment")).put("id", 2002).put("body", "@roomote and rename the class too");
        long a = job(deliver("pull_request_review_comment", fixture("pull-request-review-comment-created"))).get("id").asLong();
        long b = job(deliver("pull_request_review_comment", second)).get("id").asLong();

        // Not merged (the second mention is its own round) but queued behind the first: one concurrency key, so
        // the queue starts the second only when the first has ended.
        assertThat(b).isNotEqualTo(a);
        assertThat(concurrencyKey(a)).isEqualTo("github.pr.revise:acme/app#101").isEqualTo(concurrencyKey(b));
    }

    private String concurrencyKey(long jobId) throws Exception {
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(databaseUrl);
             java.sql.PreparedStatement ps = c.prepareStatement("SELECT concurrency_key FROM cloud_jobs WHERE id = ?")) {
            ps.setLong(1, jobId);
            try (java.sql.ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                return rs.getString(1);
            }
        }
    }

    @Test
    void aFailedCheckOnRoomotesPullRequestStartsARoundOnlyWithFixChecksOn() throws Exception {
        start(RoomoteService.Role.API, Map.of());
        RunnerFixture.Response off = deliver("check_run", fixture("check-run-completed-failure"));
        assertThat(off.status()).isEqualTo(200);
        assertThat(off.json().get("message").asText()).isEqualTo("event_ignored");
        assertThat(reviseJobs()).isEmpty();
        runner.close();
        runner = null;

        start(RoomoteService.Role.API, Map.of("ROOMOTE_FIX_CHECKS", "true"));
        JsonNode job = job(deliver("check_run", fixture("check-run-completed-failure")));
        assertThat(job.get("payload")).isEqualTo(RunnerFixture.MAPPER.readTree("{\"repo\":\"acme/app\",\"pr\":101,"
                + "\"trigger\":\"check_run\",\"triggerId\":4001}"));

        // A passing check, and a failing check of another pull request (no marker), start nothing.
        ObjectNode passed = fixture("check-run-completed-failure");
        ((ObjectNode) passed.get("check_run")).put("conclusion", "success");
        assertThat(deliver("check_run", passed).json().get("message").asText()).isEqualTo("action_ignored");
        int other = github.addPull(REPO, "alice-fix", "Alice's fix", "Fixes #42", "alice").get("number").asInt();
        ObjectNode otherPr = fixture("check-run-completed-failure");
        ObjectNode ref = (ObjectNode) otherPr.at("/check_run/pull_requests/0");
        ref.put("number", other);
        ((ObjectNode) ref.get("head")).put("ref", "alice-fix");
        assertRejected("check_run", otherPr, "not opened by Roomote");
        // A check on another branch that names Roomote's pull request: not the pull request's head, no round.
        ObjectNode otherBranch = fixture("check-run-completed-failure");
        ((ObjectNode) otherBranch.at("/check_run/pull_requests/0/head")).put("ref", "some-other-branch");
        assertRejected("check_run", otherBranch, "not the checked branch");

        assertThat(reviseJobs()).hasSize(1);
    }

    @Test
    void whenGitHubCannotBeAskedTheDeliveryIsNotRecordedSoARedeliveryTriesAgain() throws Exception {
        int closedPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        start(RoomoteService.Role.API, Map.of("GITHUB_API_URL", "http://127.0.0.1:" + closedPort));
        String delivery = UUID.randomUUID().toString();

        RunnerFixture.Response r = deliver("pull_request_review_comment", fixture("pull-request-review-comment-created"), delivery);
        RunnerFixture.Response again = deliver("pull_request_review_comment", fixture("pull-request-review-comment-created"), delivery);

        assertThat(r.status()).isEqualTo(502);
        assertThat(r.json().get("error").asText()).isEqualTo("github_unavailable");
        assertThat(r.json().get("message").asText()).contains("could not read the comments of pull request acme/app#101")
                .doesNotContain("ghp_");
        // Not the recorded answer of a finished delivery: the redelivery was handled again.
        assertThat(again.status()).isEqualTo(502);
        assertThat(reviseJobs()).isEmpty();
    }
}
