package io.roomote.agents.roocode;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.roomote.core.config.Settings;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The VS Code command line, its environment, the socket path and the StartNewTask data. */
class RooCodeLauncherTest {

    private static final Path USER_DATA = Path.of("/work/job-1/home/vscode-user-data");
    private static final Path WORKSPACE = Path.of("/work/job-1/repo");

    @Test
    void withoutADisplayVsCodeRunsUnderXvfb() {
        assertThat(VsCodeLauncher.command(Settings.of(Map.of()), Map.of("PATH", "/usr/bin"), USER_DATA, WORKSPACE))
                .containsExactly("xvfb-run", "--auto-servernum", "--server-num=1", "code", "--wait", "--log", "trace",
                        "--disable-workspace-trust", "--disable-gpu", "--disable-lcd-text", "--no-sandbox",
                        "--user-data-dir", USER_DATA.toString(), "--password-store=basic", "-n", WORKSPACE.toString());
    }

    @Test
    void withADisplayAConfiguredCodeRunsDirectlyWithItsExtensionsDir() {
        Settings config = Settings.of(Map.of("ROOMOTE_VSCODE_PATH", "/opt/vscode/bin/code",
                "ROOMOTE_VSCODE_EXTENSIONS_DIR", "/opt/roo/extensions"));

        assertThat(VsCodeLauncher.command(config, Map.of("DISPLAY", ":1"), USER_DATA, WORKSPACE))
                .containsExactly("/opt/vscode/bin/code", "--wait", "--log", "trace", "--disable-workspace-trust",
                        "--disable-gpu", "--disable-lcd-text", "--no-sandbox", "--user-data-dir", USER_DATA.toString(),
                        "--password-store=basic", "--extensions-dir", "/opt/roo/extensions", "-n", WORKSPACE.toString());
        assertThat(VsCodeLauncher.command(config, Map.of("DISPLAY", " "), USER_DATA, WORKSPACE)).startsWith("xvfb-run");
    }

    @Test
    void theEnvironmentIsTheAgentsPlusTheSocketAndAHome() {
        Path socket = Path.of("/tmp/roo-0badcafe.sock");

        assertThat(VsCodeLauncher.environment(Map.of("PATH", "/usr/bin", "GH_TOKEN", "t"), Path.of("/home/agent"), socket))
                .containsOnly(Map.entry("PATH", "/usr/bin"), Map.entry("GH_TOKEN", "t"), Map.entry("HOME", "/home/agent"),
                        Map.entry("ROO_CODE_IPC_SOCKET_PATH", "/tmp/roo-0badcafe.sock"));
        assertThat(VsCodeLauncher.environment(Map.of("HOME", "/given"), Path.of("/home/agent"), socket))
                .containsEntry("HOME", "/given");
    }

    @Test
    void socketPathsAreShortAndUnique() {
        Set<Path> seen = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            Path p = VsCodeLauncher.newSocketPath();
            assertThat(p.toString()).matches("/tmp/roo-[0-9a-f]{8}\\.sock");
            assertThat(p.toString().getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(VsCodeLauncher.MAX_SOCKET_PATH_BYTES);
            seen.add(p);
        }
        assertThat(seen).hasSize(200);
    }

    @Test
    void taskSettingsCarryKeyAndModelOnlyWhenGivenAndNeverNull() {
        ObjectMapper mapper = new ObjectMapper();

        ObjectNode without = RooTaskSettings.configuration(mapper, Optional.empty(), Optional.of("  "));
        assertThat(without.has("openRouterApiKey")).isFalse();
        assertThat(without.has("openRouterModelId")).isFalse();
        assertThat(without.path("apiProvider").asText()).isEqualTo("openrouter");
        assertThat(without.path("allowedCommands").toString()).isEqualTo("[\"*\"]");
        assertThat(RooTaskSettings.describe(without)).contains("model (Roo Code's default)", "OpenRouter key NOT set");

        ObjectNode with = RooTaskSettings.configuration(mapper, Optional.of("sk-or-secret"), Optional.of("openai/gpt-5"));
        assertThat(with.path("openRouterApiKey").asText()).isEqualTo("sk-or-secret");
        assertThat(with.path("openRouterModelId").asText()).isEqualTo("openai/gpt-5");
        assertThat(RooTaskSettings.describe(with)).contains("model openai/gpt-5", "OpenRouter key set").doesNotContain("sk-or-secret");

        ObjectNode data = RooTaskSettings.startNewTask(mapper, with, "the prompt");
        assertThat(data.toString()).doesNotContain("null");
        assertThat(data.path("newTab").asBoolean()).isTrue();
        assertThat(data.path("text").asText()).isEqualTo("the prompt");
        assertThat(data.has("images")).isFalse();
    }
}
