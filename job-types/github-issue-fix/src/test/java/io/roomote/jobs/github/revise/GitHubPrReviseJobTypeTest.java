package io.roomote.jobs.github.revise;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.roomote.core.execution.JobOutcome;
import io.roomote.core.testing.CollectingLogSink;
import io.roomote.jobs.github.testing.FixJobFixture;
import io.roomote.jobs.github.testing.GitHubStandIn;
import io.roomote.jobs.github.testing.GitRemotes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static io.roomote.jobs.github.testing.FixJobFixture.REPO;
import static io.roomote.jobs.github.testing.FixJobFixture.failed;
import static io.roomote.jobs.github.testing.FixJobFixture.succeeded;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * github.pr.revise end to end: real git (bare repositories as the remote, the PR's branch in them), Roomote's real
 * `command` agent driver running a scripted agent (revise-agent.sh), and a STAND-IN for the GitHub REST API
 * (GitHubStandIn, not GitHub) for the pull request, its reviews and comments, and Roomote's replies. The scripted
 * agent runs without a sandbox (ROOMOTE_SANDBOX=none) and, unless a test says otherwise, Roomote pushes
 * (ROOMOTE_PUSH=host); the real agent in bubblewrap is in RealAgentReviseJobTest.
 */
class GitHubPrReviseJobTypeTest {

    static final long FIX_JOB = 41;

    @TempDir
    Path temp;

    private FixJobFixture fixture;
    private GitRemotes remotes;
    private GitHubStandIn github;
    private CollectingLogSink log;
    private Path script;
    private String head;
    private int pr;

    @BeforeEach
    void setUp() throws Exception {
        fixture = new FixJobFixture(temp, 60, "none", Map.of(
                "ROOMOTE_PUSH", "host",
                "ROOMOTE_PUBLIC_URL", "https://roomote.example.com/"));
        remotes = fixture.remotes();
        github = fixture.github();
        log = fixture.log();
        // The pull request an earlier github.issue.fix job opened: branch fix-7, Roomote's marker in its body.
        FixJobFixture.FixPullRequest fix = fixture.openFixPullRequest();
        head = fix.head();
        pr = fix.number();
        script = fixture.copyAgent("revise-agent.sh");
    }

    @AfterEach
    void tearDown() {
        fixture.close();
    }

    private Map<String, String> settings(String mode) {
        return fixture.settings(script, mode);
    }

    private JobOutcome run(String payload, Map<String, String> settings) {
        return fixture.run(env -> new GitHubPrReviseJobType(FixJobFixture.commandAgent(), env), settings, payload,
                Duration.ofMinutes(2));
    }

    private String reviewComment(long id) {
        return "{\"repo\":\"acme/app\",\"pr\":" + pr + ",\"trigger\":\"review_comment\",\"triggerId\":" + id
                + ",\"requestedBy\":\"alice\"}";
    }

    private long aliceAsks(Instant at) {
        return github.addReviewComment(REPO, pr, "alice", "@roomote please add an add_all() for any number of values",
                "calc.py", 2, null, null, at);
    }

    private List<ObjectNode> prComments() {
        return github.comments().stream().filter(c -> c.get("issue_url").asText().endsWith("/issues/" + pr)).toList();
    }

    private boolean agentStarted() {
        return log.texts().stream().anyMatch(l -> l.startsWith("starting agent"));
    }

    /** Whether the agent started in the last job run. */
    private boolean agentStartedInLastJob() {
        return log.lines().stream().anyMatch(l -> l.jobId() == fixture.lastJobId() && l.text().startsWith("starting agent"));
    }

    @Test
    void aMentionInAReviewCommentGetsANewCommitOnTheSameBranchAndAReply() throws Exception {
        long asked = aliceAsks(Instant.now().minusSeconds(60));

        JsonNode result = succeeded(run(reviewComment(asked), settings("add-commit")));

        String tip = remotes.inRemote(REPO, "rev-parse", "fix-7");
        assertThat(tip).isNotEqualTo(head);
        // A fast-forward: the PR's old head is the new commit's parent, on the same branch; main is untouched.
        assertThat(remotes.inRemote(REPO, "rev-parse", "fix-7~1")).isEqualTo(head);
        assertThat(remotes.inRemote(REPO, "log", "-1", "--format=%s", "fix-7")).isEqualTo("Add add_all() as the review asked");
        assertThat(remotes.inRemote(REPO, "show", "fix-7:calc.py")).contains("return a + b").contains("def add_all");
        assertThat(remotes.inRemote(REPO, "show", "main:calc.py")).contains("return a - b");
        assertThat(remotes.branches(REPO)).containsExactlyInAnyOrder("main", "fix-7");

        assertThat(result.get("outcome").asText()).isEqualTo("revised");
        assertThat(result.get("round").asInt()).isEqualTo(1);
        assertThat(result.get("maxRounds").asInt()).isEqualTo(3);
        assertThat(result.get("fixJobId").asLong()).isEqualTo(FIX_JOB);
        assertThat(result.get("prUrl").asText()).isEqualTo("https://github.example/acme/app/pull/" + pr);
        assertThat(result.get("branch").asText()).isEqualTo("fix-7");
        assertThat(result.get("pushed").asBoolean()).isTrue();
        assertThat(result.get("pushedBy").asText()).isEqualTo("roomote");
        assertThat(result.get("commentsAddressed")).hasSize(1);
        assertThat(result.at("/commentsAddressed/0/kind").asText()).isEqualTo("review_comment");
        assertThat(result.at("/commentsAddressed/0/id").asLong()).isEqualTo(asked);
        assertThat(result.get("commits")).hasSize(1);
        assertThat(result.at("/commits/0/sha").asText()).isEqualTo(tip);
        assertThat(result.at("/commits/0/subject").asText()).isEqualTo("Add add_all() as the review asked");
        assertThat(result.get("files").toString()).isEqualTo("[\"calc.py\"]");
        assertThat(result.get("agent").asText()).isEqualTo("command");

        // The prompt: the comment with its file and line, fenced, and the rules for pushed history.
        assertThat(log.texts()).anySatisfy(l -> assertThat(l).startsWith("prompt for the agent:")
                .contains("Review comment by alice on calc.py:2")
                .contains("```\n@roomote please add an add_all() for any number of values\n```")
                .contains("never a force-push").contains("Add NEW commits on the branch fix-7"));

        long jobId = fixture.lastJobId();
        assertThat(prComments()).singleElement().satisfies(reply -> {
            assertThat(result.get("replyId").asLong()).isEqualTo(reply.get("id").asLong());
            assertThat(result.get("replyUrl").asText()).isEqualTo(reply.get("html_url").asText());
            assertThat(reply.at("/user/login").asText()).isEqualTo("roomote-bot");
            assertThat(reply.get("body").asText())
                    .contains("review round 1 of 3")
                    .contains("`" + tip.substring(0, 7) + "` Add add_all() as the review asked")
                    .contains("`calc.py`")
                    .contains("https://roomote.example.com/admin/queues/jobs/" + jobId)
                    .contains(RevisionRounds.roundMarker(jobId, 1));
        });
    }

    @Test
    void theRepositorysSetupRunsBeforeTheRoundsAgentAndItsFilesAreTheAgents() throws Exception {
        long asked = aliceAsks(Instant.now().minusSeconds(60));
        Map<String, String> s = settings("add-commit");
        // The agent's `git add -A` commits what the setup left in the working copy: proof it ran first, there.
        s.put("ROOMOTE_SETUP_COMMAND", "echo prepared-by-setup > setup-ran.txt; echo setup says hello");

        JsonNode result = succeeded(run(reviewComment(asked), s));

        assertThat(result.get("outcome").asText()).isEqualTo("revised");
        assertThat(remotes.inRemote(REPO, "show", "fix-7:setup-ran.txt")).isEqualTo("prepared-by-setup");
        List<String> texts = log.texts();
        int setupLine = texts.indexOf(texts.stream().filter(t -> t.contains("setup says hello")).findFirst().orElseThrow());
        int agentLine = texts.indexOf(texts.stream().filter(t -> t.startsWith("starting agent")).findFirst().orElseThrow());
        assertThat(setupLine).isLessThan(agentLine);
    }

    @Test
    void aFailingSetupEndsTheRoundWithoutAnAgentAndSaysSoOnThePr() throws Exception {
        long asked = aliceAsks(Instant.now().minusSeconds(60));
        Map<String, String> s = settings("add-commit");
        s.put("ROOMOTE_SETUP_COMMAND", "echo cannot install the tools; exit 3");

        JobOutcome.Failed failed = failed(run(reviewComment(asked), s));

        assertThat(failed.result().get("outcome").asText()).isEqualTo("setup_failed");
        assertThat(failed.result().get("message").asText()).contains("cannot install the tools");
        assertThat(agentStartedInLastJob()).isFalse();
        assertThat(remotes.inRemote(REPO, "rev-parse", "fix-7")).isEqualTo(head);
        assertThat(prComments()).singleElement().satisfies(c ->
                assertThat(c.get("body").asText()).contains("setup step failed"));
    }

    @Test
    void aSecondRequestForFeedbackAnEarlierRoundAnsweredIsNothingToDoWithoutAReply() throws Exception {
        long asked = aliceAsks(Instant.now().minusSeconds(60));
        succeeded(run(reviewComment(asked), settings("add-commit")));
        String tip = remotes.inRemote(REPO, "rev-parse", "fix-7");

        // The same request again (a second webhook delivery queued behind the first round).
        JsonNode again = succeeded(run(reviewComment(asked), settings("add-commit")));

        assertThat(again.get("outcome").asText()).isEqualTo("nothing_to_do");
        assertThat(again.has("round")).isFalse();
        assertThat(agentStartedInLastJob()).isFalse();
        assertThat(remotes.inRemote(REPO, "rev-parse", "fix-7")).isEqualTo(tip);
        assertThat(prComments()).hasSize(1);

        // A new mention after the reply is round 2, and only it is addressed.
        long later = github.addComment(REPO, pr, "bob", "@roomote also a docstring please", Instant.now().plusSeconds(5));
        JsonNode second = succeeded(run("{\"repo\":\"acme/app\",\"pr\":" + pr + ",\"trigger\":\"comment\",\"triggerId\":"
                + later + "}", settings("add-commit")));
        assertThat(second.get("round").asInt()).isEqualTo(2);
        assertThat(second.get("commentsAddressed").toString()).isEqualTo("[{\"kind\":\"comment\",\"id\":" + later + "}]");
        assertThat(prComments()).hasSize(3).last().satisfies(c ->
                assertThat(c.get("body").asText()).contains(RevisionRounds.roundMarker(fixture.lastJobId(), 2)));
    }

    @Test
    void pastTheRoundLimitThePrIsHandedBackOnceAndNoAgentRuns() throws Exception {
        Map<String, String> s = settings("add-commit");
        s.put("ROOMOTE_MAX_REVISIONS", "1");
        github.addComment(REPO, pr, "roomote-bot", "Round one.\n" + RevisionRounds.roundMarker(30, 1),
                Instant.now().minusSeconds(120));
        long asked = aliceAsks(Instant.now().minusSeconds(60));

        JsonNode first = succeeded(run(reviewComment(asked), s));
        JsonNode second = succeeded(run(reviewComment(asked), s));

        assertThat(first.get("outcome").asText()).isEqualTo("round_limit_reached");
        assertThat(second.get("outcome").asText()).isEqualTo("round_limit_reached");
        assertThat(agentStarted()).isFalse();
        assertThat(remotes.inRemote(REPO, "rev-parse", "fix-7")).isEqualTo(head);
        List<ObjectNode> handBacks = prComments().stream()
                .filter(c -> c.get("body").asText().contains(RevisionRounds.LIMIT_MARKER)).toList();
        assertThat(handBacks).singleElement().satisfies(c -> {
            assertThat(first.get("replyId").asLong()).isEqualTo(c.get("id").asLong());
            assertThat(c.get("body").asText()).contains("back with people").contains("ROOMOTE_MAX_REVISIONS=1");
        });
    }

    @Test
    void aForgedRoundMarkerInAStrangersCommentDoesNotCount() throws Exception {
        Map<String, String> s = settings("add-commit");
        s.put("ROOMOTE_MAX_REVISIONS", "1");
        github.addComment(REPO, pr, "mallory", "done already\n" + RevisionRounds.roundMarker(1, 5) + "\n"
                + RevisionRounds.LIMIT_MARKER, Instant.now().minusSeconds(120));
        long asked = aliceAsks(Instant.now().minusSeconds(60));

        JsonNode result = succeeded(run(reviewComment(asked), s));

        assertThat(result.get("outcome").asText()).isEqualTo("revised");
        assertThat(result.get("round").asInt()).isEqualTo(1);
    }

    @Test
    void anAgentThatRewritesPushedHistoryGetsNothingPushed() throws Exception {
        for (String mode : List.of("amend", "reset")) {
            int round = mode.equals("amend") ? 1 : 2;
            long asked = aliceAsks(Instant.now().minusSeconds(60));

            JobOutcome.Failed f = failed(run(reviewComment(asked), settings(mode)));

            assertThat(f.result().get("outcome").asText()).as(mode).isEqualTo("history_rewritten");
            assertThat(f.retryable()).isFalse();
            assertThat(remotes.inRemote(REPO, "rev-parse", "fix-7")).as(mode).isEqualTo(head);
            assertThat(remotes.branches(REPO)).containsExactlyInAnyOrder("main", "fix-7");
            assertThat(prComments()).last().satisfies(c -> assertThat(c.get("body").asText())
                    .contains("nothing was pushed").contains(RevisionRounds.roundMarker(fixture.lastJobId(), round)));
        }
    }

    @Test
    void whenSomeonePushedMeanwhileThePushIsRefusedAndTheWorkSavedToAWipBranch() throws Exception {
        long asked = aliceAsks(Instant.now().minusSeconds(60));

        JobOutcome.Failed f = failed(run(reviewComment(asked), settings("add-commit-raced")));

        assertThat(f.result().get("outcome").asText()).isEqualTo("push_rejected");
        assertThat(remotes.inRemote(REPO, "log", "-1", "--format=%s", "fix-7")).isEqualTo("Reviewer's commit");
        String wip = f.result().get("wipBranch").asText();
        assertThat(wip).isEqualTo("roomote/wip/pr-" + pr + "-" + fixture.lastJobId());
        assertThat(remotes.inRemote(REPO, "log", "-1", "--format=%s", wip)).isEqualTo("Add add_all() as the review asked");
        assertThat(f.result().get("pushed").asBoolean()).isFalse();
    }

    @Test
    void anAgentThatPushesItselfIsCheckedOnTheRemote() throws Exception {
        Map<String, String> s = settings("add-commit-push");
        s.put("ROOMOTE_PUSH", "agent");
        long asked = aliceAsks(Instant.now().minusSeconds(60));

        JsonNode result = succeeded(run(reviewComment(asked), s));

        assertThat(result.get("pushedBy").asText()).isEqualTo("agent");
        assertThat(remotes.inRemote(REPO, "rev-parse", "fix-7~1")).isEqualTo(head);
        assertThat(result.at("/commits/0/sha").asText()).isEqualTo(remotes.inRemote(REPO, "rev-parse", "fix-7"));
    }

    @Test
    void anAgentThatChangesNothingSaysWhyInTheReply() {
        long asked = aliceAsks(Instant.now().minusSeconds(60));

        JsonNode result = succeeded(run(reviewComment(asked), settings("noop")));

        assertThat(result.get("outcome").asText()).isEqualTo("no_changes");
        assertThat(result.get("round").asInt()).isEqualTo(1);
        assertThat(prComments()).singleElement().satisfies(c -> assertThat(c.get("body").asText())
                .contains("the agent changed nothing").contains(RevisionRounds.roundMarker(fixture.lastJobId(), 1)));
    }

    @Test
    void aPullRequestWithoutRoomotesMarkerIsSkippedAndNoAgentRuns() throws Exception {
        int other = github.addPull(REPO, "fix-7", "Fix add", "Fixes #7, by hand").get("number").asInt();
        long asked = github.addReviewComment(REPO, other, "alice", "@roomote fix this", "calc.py", 2, null, null,
                Instant.now());

        JobOutcome.Failed f = failed(run("{\"repo\":\"acme/app\",\"pr\":" + other
                + ",\"trigger\":\"review_comment\",\"triggerId\":" + asked + "}", settings("add-commit")));

        assertThat(f.result().get("outcome").asText()).isEqualTo("skipped");
        assertThat(f.error()).isEqualTo("skipped: pull request #" + other
                + " was not opened by Roomote: its description has no Roomote marker");
        assertThat(agentStarted()).isFalse();
        assertThat(github.comments()).isEmpty();
        assertThat(remotes.inRemote(REPO, "rev-parse", "fix-7")).isEqualTo(head);
    }

    @Test
    void aPullRequestFromAForkOrClosedIsSkipped() {
        long asked = aliceAsks(Instant.now());
        github.setPullHeadRepo(REPO, pr, "mallory/app");
        JobOutcome.Failed fork = failed(run(reviewComment(asked), settings("add-commit")));
        assertThat(fork.error()).isEqualTo("skipped: pull request #" + pr + "'s branch is in the fork mallory/app:"
                + " Roomote pushes only to branches of acme/app");

        github.setPullHeadRepo(REPO, pr, REPO);
        github.closePull(REPO, pr, true);
        JobOutcome.Failed merged = failed(run(reviewComment(asked), settings("add-commit")));
        assertThat(merged.error()).isEqualTo("skipped: pull request #" + pr + " is merged");
        assertThat(agentStarted()).isFalse();
    }

    @Test
    void withAGitHubAppRoomotesLoginIsTheAppsBotAndOnlyItsRepliesCountAsRounds() throws Exception {
        java.security.KeyPairGenerator generator = java.security.KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        java.security.KeyPair keys = generator.generateKeyPair();
        github.installApp("4242", keys.getPublic(), 77, REPO);
        Map<String, String> s = settings("add-commit");
        s.remove("GH_TOKEN");
        s.put("GITHUB_APP_ID", "4242");
        s.put("GITHUB_APP_PRIVATE_KEY", "-----BEGIN PRIVATE KEY-----\n" + java.util.Base64.getMimeEncoder(64,
                "\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).encodeToString(keys.getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n");
        int byApp = github.addPull(REPO, "fix-7", "Fixes #7", "Fixes #7\n<!-- roomote:job=41 -->\n", "roomote[bot]")
                .get("number").asInt();
        // The App's round 1, and a round marker from the personal-token user, who is not Roomote here.
        github.addComment(REPO, byApp, "roomote[bot]", RevisionRounds.roundMarker(30, 1), Instant.now().minusSeconds(300));
        github.addComment(REPO, byApp, "roomote-bot", RevisionRounds.roundMarker(31, 2), Instant.now().minusSeconds(200));
        long asked = github.addReviewComment(REPO, byApp, "alice", "@roomote one more thing", "calc.py", 2, null, null,
                Instant.now().minusSeconds(60));

        JsonNode result = succeeded(run("{\"repo\":\"acme/app\",\"pr\":" + byApp
                + ",\"trigger\":\"review_comment\",\"triggerId\":" + asked + "}", s));

        assertThat(result.get("outcome").asText()).isEqualTo("revised");
        assertThat(result.get("round").asInt()).isEqualTo(2);
        ObjectNode reply = github.comments().get(github.comments().size() - 1);
        assertThat(reply.at("/user/login").asText()).isEqualTo("roomote[bot]");
        assertThat(reply.get("body").asText()).contains(RevisionRounds.roundMarker(fixture.lastJobId(), 2));
        assertThat(github.requests(r -> r.path().equals("/app"))).isNotEmpty();
    }

    @Test
    void withAGitHubAppAnAgentThatPushesItselfReadsTheTokenFromTheFileRoomoteRenews() throws Exception {
        java.security.KeyPairGenerator generator = java.security.KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        java.security.KeyPair keys = generator.generateKeyPair();
        github.installApp("4242", keys.getPublic(), 77, REPO);
        Map<String, String> s = settings("add-commit-push-token");
        s.remove("GH_TOKEN");
        s.put("ROOMOTE_PUSH", "agent");
        s.put("GITHUB_APP_ID", "4242");
        s.put("GITHUB_APP_PRIVATE_KEY", "-----BEGIN PRIVATE KEY-----\n" + java.util.Base64.getMimeEncoder(64,
                "\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).encodeToString(keys.getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n");
        int byApp = github.addPull(REPO, "fix-7", "Fixes #7", "Fixes #7\n<!-- roomote:job=41 -->\n", "roomote[bot]")
                .get("number").asInt();
        long asked = github.addReviewComment(REPO, byApp, "alice", "@roomote one more thing", "calc.py", 2, null, null,
                Instant.now().minusSeconds(60));

        JsonNode result = succeeded(run("{\"repo\":\"acme/app\",\"pr\":" + byApp
                + ",\"trigger\":\"review_comment\",\"triggerId\":" + asked + "}", s));

        assertThat(result.get("pushedBy").asText()).isEqualTo("agent");
        // The file holds the installation token Roomote minted for this repository (the askpass reads it per push).
        String minted = github.mintedTokens().get(github.mintedTokens().size() - 1).token();
        String sha = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(minted.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        assertThat(log.texts()).anyMatch(t -> t.contains("token file: " + sha));
    }

    /**
     * A round over its model budget, sandboxed in bubblewrap. Real: the gateway, bubblewrap, socat, git; stand-ins:
     * GitHub (GitHubStandIn) and the model provider (an HTTP server answering with OpenRouter's usage shape).
     */
    @Test
    void aRoundOverItsModelBudgetStopsTheAgentSavesTheWorkAndReplies() throws Exception {
        Path budgetAgent = temp.resolve("budget-agent.sh");
        try (var in = getClass().getResourceAsStream("/agents/budget-agent.sh")) {
            Files.write(budgetAgent, in.readAllBytes());
        }
        Path agent = temp.resolve("edit-then-spend.sh");
        Files.writeString(agent, "printf '\\n# half done\\n' >> calc.py\nexec sh " + budgetAgent + "\n");
        com.sun.net.httpserver.HttpServer provider = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        provider.createContext("/", ex -> {
            ex.getRequestBody().readAllBytes();
            byte[] body = ("{\"id\":\"gen-1\",\"object\":\"chat.completion\",\"model\":\"scripted-model\",\"choices\":"
                    + "[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"ok\"},\"finish_reason\":\"stop\"}],"
                    + "\"usage\":{\"prompt_tokens\":600,\"completion_tokens\":500,\"total_tokens\":1100,\"cost\":0.02}}")
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        provider.start();
        try {
            Map<String, String> s = settings("noop");
            s.put("ROOMOTE_SANDBOX", "bwrap");
            s.put("ROOMOTE_SANDBOX_READ", temp.toString());
            s.remove("ROOMOTE_PUSH");
            s.put("ROOMOTE_AGENT_COMMAND", "sh " + agent);
            s.put("ROOMOTE_AGENT_BASE_URL", "http://127.0.0.1:" + provider.getAddress().getPort() + "/api/v1");
            long asked = aliceAsks(Instant.now().minusSeconds(60));

            JobOutcome.Failed f = failed(run("{\"repo\":\"acme/app\",\"pr\":" + pr + ",\"trigger\":\"review_comment\","
                    + "\"triggerId\":" + asked + ",\"maxTokens\":1000}", s));

            assertThat(f.result().get("outcome").asText()).as(f.error()).isEqualTo("budget_exceeded");
            assertThat(f.result().get("tokensIn").asLong()).isEqualTo(600);
            assertThat(f.result().get("costUsd").asDouble()).isEqualTo(0.02);
            String wip = f.result().get("wipBranch").asText();
            assertThat(wip).isEqualTo("roomote/wip/pr-" + pr + "-" + fixture.lastJobId());
            assertThat(remotes.inRemote(REPO, "show", wip + ":calc.py")).contains("# half done");
            assertThat(remotes.inRemote(REPO, "rev-parse", "fix-7")).isEqualTo(head);
            assertThat(prComments()).singleElement().satisfies(c -> assertThat(c.get("body").asText())
                    .contains("model budget was used up").contains("Tokens: 600 in, 500 out")
                    .contains(RevisionRounds.roundMarker(fixture.lastJobId(), 1)));
        } finally {
            provider.stop(0);
        }
    }

    @Test
    void aFailingCheckIsGivenToTheAgentWithItsOutput() throws Exception {
        github.addCheckRun(REPO, 555, 77, "unit tests", "failure", head, "1 test failed",
                "test_add_all failed", "...\nAssertionError: add_all(1, 2) == 3\n");

        JsonNode result = succeeded(run("{\"repo\":\"acme/app\",\"pr\":" + pr
                + ",\"trigger\":\"check_run\",\"triggerId\":555}", settings("add-commit")));

        assertThat(result.get("commentsAddressed").toString()).isEqualTo("[{\"kind\":\"check_run\",\"id\":555}]");
        assertThat(log.texts()).anySatisfy(l -> assertThat(l).startsWith("prompt for the agent:")
                .contains("Failing check").contains("Check \"unit tests\" concluded failure.")
                .contains("AssertionError: add_all(1, 2) == 3"));
    }
}
