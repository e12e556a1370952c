package io.roomote.jobs.github.revise;

import io.roomote.agents.AgentDrivers;
import io.roomote.core.config.Settings;
import io.roomote.spi.JobDescription;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** What a review round's Slack thread says: the platform reads only this, never the payload or result itself. */
class ReviseDescriptionTest {

    private final GitHubPrReviseJobType type = new GitHubPrReviseJobType(AgentDrivers.of(List.of()), Map.of());
    private final PullRequestRevisePayload payload = new PullRequestRevisePayload("acme/app", 7, "review_comment", 11L, "alice");
    private final Settings ghe = Settings.of(Map.of("GITHUB_SERVER_URL", "https://ghe.example/"));

    @Test
    void aRoundRevisesItsPullRequest() {
        JobDescription d = type.describe(payload, Optional.empty(), ghe).orElseThrow();

        assertThat(d.doing()).isEqualTo("Revising");
        assertThat(d.subject()).isEqualTo(new JobDescription.Link("PR #7", "https://ghe.example/acme/app/pull/7"));
        assertThat(d.made()).isEmpty();
    }

    @Test
    void aRoundThatPushedSaysHowManyCommitsNotThatItCreatedAPullRequest() {
        Map<String, Object> result = Map.of("outcome", "revised", "pushed", true, "prUrl", "https://ghe.example/acme/app/pull/7",
                "commits", List.of(Map.of("sha", "abc1234", "subject", "Rename"), Map.of("sha", "def5678", "subject", "Test")));

        assertThat(type.describe(payload, Optional.of(result), ghe).orElseThrow().made()).contains(new JobDescription.Made(
                "2 commits pushed", new JobDescription.Link("PR #7", "https://ghe.example/acme/app/pull/7")));
    }

    @Test
    void aRoundThatPushedNothingMadeNothing() {
        assertThat(type.describe(payload, Optional.of(Map.of("outcome", "nothing_to_do", "commits", List.of())), ghe)
                .orElseThrow().made()).isEmpty();
        assertThat(type.describe(payload, Optional.of(Map.of("outcome", "push_rejected", "pushed", false,
                "commits", List.of(Map.of("sha", "abc1234")))), ghe).orElseThrow().made()).isEmpty();
    }

    @Test
    void theAgentIsThePayloadsElseTheRunnersDefault() {
        PullRequestRevisePayload withAgent = new PullRequestRevisePayload("acme/app", 7, "review_comment", 11L, "alice",
                "claude-code", null, null, null);
        assertThat(type.agent(withAgent, ghe)).contains("claude-code");
        assertThat(type.agent(payload, Settings.of(Map.of("ROOMOTE_AGENT", "codex")))).contains("codex");
        assertThat(type.agent(payload, ghe)).contains("roo-code");
    }
}
