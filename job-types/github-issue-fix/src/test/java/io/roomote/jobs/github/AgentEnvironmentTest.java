package io.roomote.jobs.github;

import io.roomote.core.config.ConfigurationException;
import io.roomote.core.config.Settings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AgentEnvironmentTest {

    @TempDir
    Path home;

    @Test
    void theAskpassScriptReadsTheTokenFromTheEnvironmentAndHoldsNoSecret() throws Exception {
        Settings config = Settings.of(Map.of("GH_TOKEN", "ghp_secretvalue", "GITHUB_SERVER_URL", "https://ghe.example.com",
                "ROOMOTE_AGENT_ENV", "ANTHROPIC_API_KEY", "ANTHROPIC_API_KEY", "sk-ant-1"));

        Map<String, String> env = AgentEnvironment.build(IssueFixSettings.from(config), config,
                Map.of("PATH", "/usr/bin", "DATABASE_URL", "postgresql://x"), home, Optional.of("anthropic/claude"), true);

        Path askpass = Path.of(env.get("GIT_ASKPASS"));
        assertThat(Files.readString(askpass)).doesNotContain("ghp_secretvalue").contains("$GH_TOKEN");
        assertThat(Files.isExecutable(askpass)).isTrue();
        ProcessBuilder pb = new ProcessBuilder(askpass.toString(), "Password for 'https://x-access-token@ghe.example.com': ");
        pb.environment().put("GH_TOKEN", "ghp_secretvalue");
        Process p = pb.start();
        assertThat(new String(p.getInputStream().readAllBytes()).strip()).isEqualTo("ghp_secretvalue");
        assertThat(env).containsEntry("GH_HOST", "ghe.example.com").containsEntry("GH_ENTERPRISE_TOKEN", "ghp_secretvalue")
                .containsEntry("ANTHROPIC_API_KEY", "sk-ant-1").containsEntry("OPENROUTER_MODEL", "anthropic/claude")
                .containsEntry("PATH", "/usr/bin").doesNotContainKey("DATABASE_URL");
    }

    /** Issue 11: with ROOMOTE_PUSH=host the agent's environment has no GitHub token and no askpass script. */
    @Test
    void anAgentThatDoesNotPushGetsNoTokenAtAll() throws Exception {
        Settings config = Settings.of(Map.of("GH_TOKEN", "ghp_secretvalue", "GITHUB_SERVER_URL", "https://ghe.example.com"));

        Map<String, String> env = AgentEnvironment.build(IssueFixSettings.from(config), config, Map.of("PATH", "/usr/bin"),
                home, Optional.empty(), false);

        assertThat(env).doesNotContainKeys("GH_TOKEN", "GITHUB_TOKEN", "GH_ENTERPRISE_TOKEN", "GIT_ASKPASS")
                .containsEntry("GH_HOST", "ghe.example.com");
        assertThat(env.values()).noneMatch(v -> v.contains("ghp_secretvalue"));
        assertThat(home.resolve(".roomote-bin")).doesNotExist();
    }

    @Test
    void secretsOfRoomoteItselfCannotBeHandedToTheAgent() {
        assertThatThrownBy(() -> IssueFixSettings.from(Settings.of(Map.of("ROOMOTE_AGENT_ENV", "PATH,DATABASE_URL"))))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("DATABASE_URL");
    }
}
