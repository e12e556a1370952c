package io.roomote.jobs.github;

import io.roomote.agents.AgentDrivers;
import io.roomote.agents.command.CommandAgentDriver;
import io.roomote.spi.ValidationProblem;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class IssueFixValidationTest {

    private final GitHubIssueFixJobType type = new GitHubIssueFixJobType(AgentDrivers.of(List.of(new CommandAgentDriver())), Map.of());

    private List<String> paths(IssueFixPayload p) {
        return type.validate(p).stream().map(ValidationProblem::path).toList();
    }

    @Test
    void everyBadFieldIsReportedWithItsPath() {
        assertThat(paths(new IssueFixPayload("not a repo", 0, null, null, List.of("ok", " "), "nope", " ")))
                .containsExactly("repo", "issue", "labels[1]", "agent", "model");
        assertThat(paths(new IssueFixPayload(null, null, null, null, null, null, null))).containsExactly("repo", "issue");
        assertThat(paths(new IssueFixPayload("acme/../etc", 1, null, null, null, null, null))).containsExactly("repo");
        assertThat(type.validate(new IssueFixPayload("a/b", 1, null, null, null, "nope", null)).get(0).message())
                .contains("known agents: command");
    }

    @Test
    void aGoodPayloadPassesAndIsDedupedPerIssue() {
        IssueFixPayload p = new IssueFixPayload("RooCodeInc/Roo-Code", 123, "t", "b", List.of("bug"), "command", "m");
        assertThat(type.validate(p)).isEmpty();
        assertThat(type.dedupeKey(p)).contains("roocodeinc/roo-code#123");
    }
}
