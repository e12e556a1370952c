package io.roomote.jobs.github;

import io.roomote.agents.AgentDrivers;
import io.roomote.core.config.Settings;
import io.roomote.spi.JobDescription;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** What the fix job type tells the platform about its jobs (Slack threads read only this). */
class FixJobDescriptionTest {

    private final GitHubIssueFixJobType type = new GitHubIssueFixJobType(AgentDrivers.of(List.of()), Map.of());
    private final IssueFixPayload payload = new IssueFixPayload("acme/app", 7, null, null, null, null, null);

    @Test
    void aRunningJobWorksOnItsIssueOnTheConfiguredGitHub() {
        JobDescription d = type.describe(payload, Optional.empty(),
                Settings.of(Map.of("GITHUB_SERVER_URL", "https://ghe.example/"))).orElseThrow();

        assertThat(d.doing()).isEqualTo("Creating a pull request for");
        assertThat(d.subject()).isEqualTo(new JobDescription.Link("GitHub Issue #7", "https://ghe.example/acme/app/issues/7"));
        assertThat(d.made()).isEmpty();
    }

    @Test
    void aResultWithAPullRequestMadeThatPullRequest() {
        JobDescription d = type.describe(payload, Optional.of(Map.of("outcome", "pr_opened",
                "prUrl", "https://github.com/acme/app/pull/9", "prNumber", 9)), Settings.of(Map.of())).orElseThrow();

        assertThat(d.subject().url()).isEqualTo("https://github.com/acme/app/issues/7");
        assertThat(d.made()).contains(new JobDescription.Made("Pull request created",
                new JobDescription.Link("PR #9", "https://github.com/acme/app/pull/9")));
    }

    /** Skipped because a pull request was open: Slack's skip line links to that one, not as something created. */
    @Test
    void aSkippedResultPointsAtThePullRequestThatWasOpen() {
        JobDescription d = type.describe(payload, Optional.of(Map.of("outcome", "skipped",
                "prUrl", "https://github.com/acme/app/pull/43", "prNumber", 43)), Settings.of(Map.of())).orElseThrow();

        assertThat(d.made()).contains(new JobDescription.Made("Pull request already open",
                new JobDescription.Link("PR #43", "https://github.com/acme/app/pull/43")));
    }

    @Test
    void aResultWithoutAPullRequestMadeNothing() {
        assertThat(type.describe(payload, Optional.of(Map.of("outcome", "no_changes")), Settings.of(Map.of()))
                .orElseThrow().made()).isEmpty();
    }

    /** Slack's first message names the agent: the payload's, else {@code ROOMOTE_AGENT}, else Roo Code. */
    @Test
    void theAgentIsThePayloadsElseTheRunnersDefault() {
        IssueFixPayload withAgent = new IssueFixPayload("acme/app", 7, null, null, null, "codex", null);
        assertThat(type.agent(withAgent, Settings.of(Map.of("ROOMOTE_AGENT", "opencode")))).contains("codex");
        assertThat(type.agent(payload, Settings.of(Map.of("ROOMOTE_AGENT", "opencode")))).contains("opencode");
        assertThat(type.agent(payload, Settings.of(Map.of()))).contains("roo-code");
    }
}
