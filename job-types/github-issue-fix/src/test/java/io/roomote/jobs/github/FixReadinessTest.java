package io.roomote.jobs.github;

import io.roomote.agents.AgentDrivers;
import io.roomote.core.config.Settings;
import io.roomote.spi.ValidationProblem;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a fix job needs from the runner's settings, asked of the real agent drivers (as found on the class
 * path) without starting any: the token, and each agent's key or command.
 */
class FixReadinessTest {

    private static final String TOKEN = "ghp_standInToken0123456789abcdefghijklmn";

    private final GitHubIssueFixJobType type = new GitHubIssueFixJobType(
            AgentDrivers.discover(FixReadinessTest.class.getClassLoader()), Map.of("PATH", "/usr/bin:/bin"));

    private static IssueFixPayload payload(String agent, String model) {
        return new IssueFixPayload("acme/app", 7, null, null, null, agent, model);
    }

    @Test
    void nothingIsMissingWhenTheTokenAndTheKeysAreSet() {
        Settings all = Settings.of(Map.of("GH_TOKEN", TOKEN, "OPENROUTER_API_KEY", "sk-or-v1-standIn",
                "GEMINI_API_KEY", "gemini-standIn", "ROOMOTE_AGENT_ENV", "GEMINI_API_KEY",
                "ROOMOTE_AGENT_COMMAND", "my-agent {promptFile}"));
        assertThat(type.missingConfiguration(all)).isEmpty();
        for (String agent : List.of("roo-code", "codex", "opencode", "claude", "gemini", "qwen", "aider", "command")) {
            assertThat(type.configurationProblems(payload(agent, null), all)).as(agent).isEmpty();
        }
    }

    @Test
    void aMissingTokenIsOneLineAndRefusesEveryJob() {
        Settings none = Settings.of(Map.of("OPENROUTER_API_KEY", "sk-or-v1-standIn"));
        assertThat(type.missingConfiguration(none)).filteredOn(l -> l.contains("GH_TOKEN")).hasSize(1);
        assertThat(type.configurationProblems(payload(null, null), none))
                .extracting(ValidationProblem::path, ValidationProblem::message)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("", "this Roomote cannot run github.issue.fix jobs:"
                        + " GH_TOKEN (or GITHUB_TOKEN) is not set, nor a GitHub App (GITHUB_APP_ID with"
                        + " GITHUB_APP_PRIVATE_KEY or GITHUB_APP_PRIVATE_KEY_FILE); set one and restart Roomote"));
        assertThat(type.configurationProblems(payload(null, null), Settings.of(Map.of("GITHUB_TOKEN", TOKEN)))).isEmpty();
    }

    @Test
    void aMalformedSetupSettingRefusesJobsAtEnqueueNotAfterTheirClone() {
        Settings bad = Settings.of(Map.of("GH_TOKEN", TOKEN, "OPENROUTER_API_KEY", "sk-or-v1-standIn",
                "ROOMOTE_SETUP_TIMEOUT", "soon"));
        assertThat(type.configurationProblems(payload(null, null), bad)).singleElement()
                .satisfies(p -> assertThat(p.message()).startsWith("this Roomote cannot run github.issue.fix jobs: ")
                        .contains("ROOMOTE_SETUP_TIMEOUT"));
        assertThat(type.missingConfiguration(bad)).anyMatch(l -> l.contains("ROOMOTE_SETUP_TIMEOUT")
                && l.endsWith("every job is refused until it is fixed"));
    }

    @Test
    void anAgentsOwnKeyHandedOverWithRoomoteAgentEnvIsEnough() {
        Settings openAi = Settings.of(Map.of("GH_TOKEN", TOKEN, "OPENAI_API_KEY", "sk-standIn"));
        assertThat(type.configurationProblems(payload("codex", null), openAi)).extracting(ValidationProblem::path)
                .containsExactly("agent");

        Settings handedOver = Settings.of(Map.of("GH_TOKEN", TOKEN, "OPENAI_API_KEY", "sk-standIn",
                "ROOMOTE_AGENT_ENV", "OPENAI_API_KEY"));
        assertThat(type.configurationProblems(payload("codex", null), handedOver)).isEmpty();
        assertThat(type.missingConfiguration(handedOver)).noneMatch(l -> l.contains("'codex'"))
                .anyMatch(l -> l.startsWith("agent 'opencode' needs OPENROUTER_API_KEY"));
    }

    @Test
    void aDefaultAgentThatIsNotInstalledIsSaid() {
        Settings s = Settings.of(Map.of("GH_TOKEN", TOKEN, "ROOMOTE_AGENT", "cursor"));
        assertThat(type.missingConfiguration(s)).anyMatch(l -> l.startsWith("ROOMOTE_AGENT=cursor is not an installed agent"));
        assertThat(type.configurationProblems(payload(null, null), s).get(0).message())
                .contains("the default agent ROOMOTE_AGENT=cursor is not installed");
        assertThat(type.configurationProblems(payload("roo-code", null), s)).isEmpty();
    }

    /** Issue 11: no bubblewrap and no choice made: said at start and every job refused, never run unsandboxed. */
    @Test
    void withoutASandboxAndWithoutAChoiceEveryJobIsRefused() {
        Map<String, String> s = new java.util.HashMap<>(Map.of("GH_TOKEN", TOKEN, "OPENROUTER_API_KEY", "sk-or-v1-standIn",
                "ROOMOTE_BWRAP_PATH", "/nonexistent/bwrap"));

        assertThat(type.missingConfiguration(Settings.of(s))).anyMatch(l -> l.startsWith("No sandbox for the agent")
                && l.contains("apt-get install bubblewrap") && l.contains("ROOMOTE_SANDBOX=none"));
        assertThat(type.configurationProblems(payload(null, null), Settings.of(s)))
                .extracting(ValidationProblem::message).anyMatch(m -> m.contains("No sandbox for the agent"));

        s.put("ROOMOTE_SANDBOX", "none"); // the explicit opt-out
        assertThat(type.configurationProblems(payload(null, null), Settings.of(s))).isEmpty();
    }
}
