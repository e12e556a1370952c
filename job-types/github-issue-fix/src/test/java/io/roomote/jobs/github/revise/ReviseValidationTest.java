package io.roomote.jobs.github.revise;

import io.roomote.agents.AgentDrivers;
import io.roomote.agents.command.CommandAgentDriver;
import io.roomote.core.config.Settings;
import io.roomote.spi.ValidationProblem;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The payload checks of github.pr.revise (before anything is written) and its one-round-per-PR key. Pure. */
class ReviseValidationTest {

    private final GitHubPrReviseJobType type = new GitHubPrReviseJobType(AgentDrivers.of(List.of(new CommandAgentDriver())),
            Map.of("PATH", "/usr/bin:/bin"));

    private List<String> fields(PullRequestRevisePayload p) {
        return type.validate(p).stream().map(ValidationProblem::path).toList();
    }

    @Test
    void aGoodPayloadHasNoProblemsAndOneRoundRunsAtATimePerPullRequest() {
        PullRequestRevisePayload p = new PullRequestRevisePayload("Acme/App", 12, "review_comment", 99L, "alice");

        assertThat(type.validate(p)).isEmpty();
        assertThat(type.concurrencyKey(p)).contains("acme/app#12");
        assertThat(type.dedupeKey(p)).isEmpty();
        assertThat(type.validate(new PullRequestRevisePayload("acme/app", 12, "manual", null, null))).isEmpty();
    }

    @Test
    void badInputIsRefusedFieldByField() {
        assertThat(fields(new PullRequestRevisePayload(null, null, null, null, null)))
                .containsExactly("repo", "pr", "trigger");
        assertThat(fields(new PullRequestRevisePayload("acme/../etc", 0, "push", -1L, "alice; rm -rf")))
                .containsExactly("repo", "pr", "trigger", "triggerId", "requestedBy");
        assertThat(fields(new PullRequestRevisePayload("acme/app", 3, "comment", null, null)))
                .containsExactly("triggerId");
        assertThat(fields(new PullRequestRevisePayload("acme/app", 3, "manual", null, null, "nope", " ", -1.0, -5L)))
                .containsExactly("agent", "maxCostUsd", "maxTokens", "model");
        // A budget of nothing lets the agent make no model call: refused as for a fix.
        assertThat(fields(new PullRequestRevisePayload("acme/app", 3, "manual", null, null, null, null, 0.0, 0L)))
                .containsExactly("maxCostUsd", "maxTokens");
        assertThat(fields(new PullRequestRevisePayload("acme/app", 3, "manual", null, null, null, "m".repeat(201), 0.5, 1000L)))
                .containsExactly("model");
        assertThat(type.validate(new PullRequestRevisePayload("x".repeat(10_000) + "/a", 1, "manual", null, null)))
                .singleElement().satisfies(v -> assertThat(v.message()).hasSizeLessThan(400));
    }

    @Test
    void withoutATokenOrWithABadRoundLimitTheJobIsRefusedAtEnqueue() {
        PullRequestRevisePayload p = new PullRequestRevisePayload("acme/app", 3, "manual", null, null);

        assertThat(type.configurationProblems(p, Settings.of(Map.of("ROOMOTE_AGENT", "command",
                "ROOMOTE_AGENT_COMMAND", "true", "ROOMOTE_SANDBOX", "none"))))
                .anySatisfy(v -> assertThat(v.message()).contains("github.pr.revise").contains("GH_TOKEN"));
        assertThat(type.configurationProblems(p, Settings.of(Map.of("GH_TOKEN", "ghp_x", "ROOMOTE_AGENT", "command",
                "ROOMOTE_AGENT_COMMAND", "true", "ROOMOTE_SANDBOX", "none", "ROOMOTE_MAX_REVISIONS", "many"))))
                .singleElement().satisfies(v -> assertThat(v.message()).contains("ROOMOTE_MAX_REVISIONS"));
        assertThat(Optional.of(type.id())).contains("github.pr.revise");
    }
}
