package io.roomote.jobs.github.revise;

import com.fasterxml.jackson.databind.JsonNode;
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
import java.util.Map;

import static io.roomote.jobs.github.testing.FixJobFixture.REPO;
import static io.roomote.jobs.github.testing.FixJobFixture.TOKEN;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A review round whose agent, after committing, rewrites its workspace's {@code .git} (hooks, core.hooksPath,
 * core.fsmonitor, origin and insteadOf naming another repository): Roomote's ancestry check, commit listing and push
 * run in its own trusted repository, so none of it runs on the host and the commit goes to the real remote only.
 *
 * <p>Real: git, bare repositories standing for GitHub's git server and for the attacker's repository, bubblewrap
 * (ROOMOTE_SANDBOX=bwrap) with socat, Roomote's real {@code command} agent driver running revise-agent.sh. Stand-in:
 * the GitHub REST API (GitHubStandIn, not GitHub).
 */
class HostileReviseWorkspaceTest {

    @TempDir
    Path temp;

    private FixJobFixture fixture;
    private GitRemotes remotes;
    private GitHubStandIn github;
    private CollectingLogSink log;
    private Path script;
    private Path markers;
    private String head;
    private int pr;

    @BeforeEach
    void setUp() throws Exception {
        fixture = new FixJobFixture(temp, 80, "bwrap", Map.of());
        remotes = fixture.remotes();
        github = fixture.github();
        log = fixture.log();
        FixJobFixture.FixPullRequest fix = fixture.openFixPullRequest();
        head = fix.head();
        pr = fix.number();
        script = fixture.copyAgent("revise-agent.sh");
        markers = Files.createDirectories(temp.resolve("markers"));
    }

    @AfterEach
    void tearDown() {
        fixture.close();
    }

    @Test
    void aRoundWhoseAgentRewritesGitRunsNothingOnTheHostAndPushesToTheRealRemote() throws Exception {
        Path evil = remotes.create("mallory/loot", "README.md", "loot\n");
        String evilRefs = remotes.inRemote("mallory/loot", "for-each-ref");
        long asked = github.addReviewComment(REPO, pr, "alice", "@roomote please add an add_all() for any number of values",
                "calc.py", 2, null, null, Instant.now().minusSeconds(60));
        Map<String, String> s = fixture.settings(script, "add-commit-hostile " + markers + " " + evil.toUri());

        JobOutcome outcome = fixture.run(env -> new GitHubPrReviseJobType(FixJobFixture.commandAgent(), env), s,
                "{\"repo\":\"acme/app\",\"pr\":" + pr + ",\"trigger\":\"review_comment\",\"triggerId\":" + asked
                        + ",\"requestedBy\":\"alice\"}", Duration.ofMinutes(3));

        assertThat(outcome).isInstanceOf(JobOutcome.Succeeded.class);
        JsonNode result = ((JobOutcome.Succeeded) outcome).result();
        assertThat(result.get("outcome").asText()).isEqualTo("revised");
        assertThat(result.get("pushedBy").asText()).isEqualTo("roomote");
        assertThat(remotes.inRemote(REPO, "rev-parse", "fix-7~1")).isEqualTo(head);
        assertThat(remotes.inRemote(REPO, "show", "fix-7:calc.py")).contains("def add_all");
        assertThat(remotes.inRemote("mallory/loot", "for-each-ref")).as("the other repository received nothing")
                .isEqualTo(evilRefs);
        try (var files = Files.list(markers)) {
            assertThat(files.map(p -> p.getFileName().toString()).toList())
                    .as("markers written by the agent's hooks or fsmonitor on the host").isEmpty();
        }
        assertThat(log.texts()).noneMatch(l -> l.contains(TOKEN));
    }
}
