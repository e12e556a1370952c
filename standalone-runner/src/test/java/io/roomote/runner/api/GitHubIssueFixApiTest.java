package io.roomote.runner.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.roomote.core.testing.TestDatabases;
import io.roomote.jobs.github.testing.GitHubStandIn;
import io.roomote.jobs.github.testing.GitRemotes;
import io.roomote.runner.RoomoteService;
import io.roomote.runner.RunnerFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A github.issue.fix job posted to the running service is carried to a pushed branch and a PR: real git
 * remotes, the real `command` agent driver with a scripted agent, and a stand-in of the GitHub REST API.
 */
class GitHubIssueFixApiTest {

    @TempDir
    Path temp;

    private GitHubStandIn github;
    private RunnerFixture runner;

    @AfterEach
    void stop() {
        if (runner != null) {
            runner.close();
        }
        if (github != null) {
            github.close();
        }
    }

    @Test
    void aPostedFixJobEndsCompletedWithThePullRequestInItsResult() throws Exception {
        GitRemotes remotes = remoteWithTheBug();
        github = new GitHubStandIn(remotes.root());
        github.addIssue("acme/app", 7, "add() subtracts", "add(2, 2) is 0", List.of("bug"), "open");
        Path script = scriptedAgent();
        runner = new RunnerFixture(temp.resolve("home"), Map.of(
                "DATABASE_URL", TestDatabases.freshJdbcUrl(),
                "GH_TOKEN", "ghp_standInToken0123456789abcdefghijklmn",
                "GITHUB_API_URL", github.apiUrl(),
                "GITHUB_SERVER_URL", remotes.serverUrl(),
                "ROOMOTE_AGENT", "command",
                // The scripted agent pushes itself, as the original did: no sandbox (SandboxEscapeTest runs one).
                "ROOMOTE_SANDBOX", "none",
                "GITHUB_COMMENTS", "true",
                "ROOMOTE_PUBLIC_URL", "https://roomote.example",
                "ROOMOTE_AGENT_COMMAND", "sh " + script + " {promptFile} fix-push"), RoomoteService.Role.SERVE);

        RunnerFixture.Response posted = runner.post("/api/jobs",
                "{\"type\":\"github.issue.fix\",\"payload\":{\"repo\":\"acme/app\",\"issue\":7,\"title\":\"add() subtracts\",\"body\":\"\"}}");
        RunnerFixture.Response again = runner.post("/api/jobs",
                "{\"type\":\"github.issue.fix\",\"payload\":{\"repo\":\"ACME/app\",\"issue\":7,\"title\":\"x\",\"body\":\"\"}}");

        assertThat(posted.status()).isEqualTo(200);
        long id = posted.json().get("jobId").asLong();
        assertThat(posted.json().get("enqueuedJobId").asText()).isEqualTo("github.issue.fix-" + id);
        JsonNode job = runner.awaitStatus(id, "completed");
        assertThat(job.at("/result/result").asText()).isEqualTo("PR created successfully");
        assertThat(job.at("/result/outcome").asText()).isEqualTo("pr_opened");
        assertThat(job.at("/result/prUrl").asText()).isEqualTo(github.pulls().get(0).get("html_url").asText());
        assertThat(job.at("/result/branch").asText()).isEqualTo("fix-7");
        // What lists read instead of payload and result fields: the type's labels, and the pull request as the
        // made link (FixJobDescription's, stored by the worker when the job completed).
        assertThat(job.get("labels")).isEqualTo(new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree("{\"repo\": \"acme/app\", \"issue\": \"7\"}"));
        assertThat(job.get("madeUrl").asText()).isEqualTo(github.pulls().get(0).get("html_url").asText());
        assertThat(runner.get("/api/jobs?repo=ACME/App&issue=7&outcome=pr").json().get("jobs").findValuesAsText("id"))
                .contains(String.valueOf(id));
        assertThat(remotes.inRemote("acme/app", "show", "fix-7:calc.py")).contains("return a + b");
        if (again.json().get("message").asText().equals("job_already_active")) {
            assertThat(again.json().get("jobId").asLong()).isEqualTo(id);
        } else {
            // The first job had already finished: a second one may run, and is skipped for the open PR.
            JsonNode second = runner.awaitStatus(again.json().get("jobId").asLong(), "failed");
            assertThat(second.at("/result/outcome").asText()).isEqualTo("skipped");
        }
        await().atMost(java.time.Duration.ofSeconds(20)).until(() -> github.comments().size() == 1
                && github.comments().get(0).get("body").asText().contains("opened a pull request"));
        assertThat(github.comments().get(0).get("body").asText()).contains("https://roomote.example/admin/queues/jobs/" + id);
        String log = runner.get("/api/jobs/" + id + "/logs").json().get("lines").findValuesAsText("line").toString();
        assertThat(log).contains("pushed fix-7").doesNotContain("ghp_standInToken0123456789abcdefghijklmn");
    }

    /**
     * Issue 9: three jobs on one repository at once share its mirror; the second used to fail at once with
     * OverlappingFileLockException because a FileChannel lock is per JVM.
     */
    @Test
    void threeFixJobsOnOneRepositoryEnqueuedTogetherAllComplete() throws Exception {
        GitRemotes remotes = remoteWithTheBug();
        github = new GitHubStandIn(remotes.root());
        for (int issue : List.of(44, 45, 46)) {
            github.addIssue("acme/app", issue, "add() subtracts (" + issue + ")", "add(2, 2) is 0", List.of("bug"), "open");
        }
        Path script = scriptedAgent();
        runner = new RunnerFixture(temp.resolve("home"), Map.of(
                "DATABASE_URL", TestDatabases.freshJdbcUrl(),
                "GH_TOKEN", "ghp_standInToken0123456789abcdefghijklmn",
                "GITHUB_API_URL", github.apiUrl(),
                "GITHUB_SERVER_URL", remotes.serverUrl(),
                "ROOMOTE_AGENT", "command",
                "ROOMOTE_SANDBOX", "none",
                "MAX_WORKERS", "3",
                "ROOMOTE_AGENT_COMMAND", "sh " + script + " {promptFile} fix-push"), RoomoteService.Role.SERVE);

        List<Long> ids = new java.util.ArrayList<>();
        for (int issue : List.of(44, 45, 46)) {
            RunnerFixture.Response posted = runner.post("/api/jobs", "{\"type\":\"github.issue.fix\",\"payload\":"
                    + "{\"repo\":\"acme/app\",\"issue\":" + issue + "}}");
            assertThat(posted.status()).isEqualTo(200);
            ids.add(posted.json().get("jobId").asLong());
        }

        for (int i = 0; i < ids.size(); i++) {
            long id = ids.get(i);
            await().atMost(java.time.Duration.ofSeconds(60)).pollInterval(java.time.Duration.ofMillis(50)).until(() ->
                    List.of("completed", "failed", "cancelled").contains(runner.get("/api/jobs/" + id).json().get("status").asText()));
            JsonNode job = runner.get("/api/jobs/" + id).json();
            assertThat(job.get("status").asText()).as("job %d (%s)", id, job.path("error").asText()).isEqualTo("completed");
            assertThat(job.at("/result/outcome").asText()).isEqualTo("pr_opened");
            assertThat(job.at("/result/branch").asText()).isEqualTo("fix-" + (44 + i));
        }
        assertThat(remotes.branches("acme/app")).contains("fix-44", "fix-45", "fix-46");
        assertThat(github.pulls()).hasSize(3);
    }

    @Test
    void aBadFixPayloadIs400WithFieldPaths() {
        runner = new RunnerFixture(temp.resolve("home"), Map.of("DATABASE_URL", TestDatabases.freshJdbcUrl()),
                RoomoteService.Role.API);

        RunnerFixture.Response r = runner.post("/api/jobs", "{\"type\":\"github.issue.fix\",\"payload\":{\"repo\":\"nope\",\"issue\":-1}}");

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().get("details").findValuesAsText("path")).containsExactly("payload.repo", "payload.issue");
    }

    /** A bare origin {@code acme/app} whose add() subtracts. */
    private GitRemotes remoteWithTheBug() throws Exception {
        GitRemotes remotes = new GitRemotes(Files.createDirectories(temp.resolve("remotes")));
        remotes.create("acme/app", "calc.py", "def add(a, b):\n    return a - b\n");
        return remotes;
    }

    /** The scripted agent (test resource) as a file the {@code command} agent can run. */
    private Path scriptedAgent() throws Exception {
        Path script = temp.resolve("agent.sh");
        try (var in = GitHubStandIn.class.getResourceAsStream("/agents/scripted-agent.sh")) {
            Files.write(script, in.readAllBytes());
        }
        return script;
    }
}
