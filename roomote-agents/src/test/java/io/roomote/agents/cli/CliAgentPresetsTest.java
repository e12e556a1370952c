package io.roomote.agents.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.roomote.agents.AgentDriver;
import io.roomote.agents.AgentOutcome;
import io.roomote.agents.AgentRequest;
import io.roomote.agents.AgentUsage;
import io.roomote.core.config.ConfigurationException;
import io.roomote.core.config.Settings;
import io.roomote.core.execution.CancellationSignal;
import io.roomote.spi.JobLogger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

/**
 * The exact command lines, environments and config files of every preset, and how their output is read.
 * claude, gemini, qwen and aider cannot run here; this is what proves their invocation.
 */
class CliAgentPresetsTest {

    private static final String PROMPT = "Fix issue #7.";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path root;

    private final CollectingJobLogger log = new CollectingJobLogger();

    private AgentRequest request(Map<String, String> env, Map<String, String> settings, Optional<String> model) throws Exception {
        Path workspace = Files.createDirectories(root.resolve("workspace"));
        Path home = Files.createDirectories(root.resolve("home"));
        Map<String, String> environment = new HashMap<>(Map.of("PATH", "/usr/bin:/bin"));
        environment.putAll(env);
        return new AgentRequest(7, PROMPT, workspace, home, environment, model, log, new CancellationSignal(),
                Instant.now().plus(Duration.ofMinutes(1)), Settings.of(settings));
    }

    private AgentRequest openRouter(Optional<String> model) throws Exception {
        return request(Map.of("OPENROUTER_API_KEY", "or-key"), Map.of(), model);
    }

    private Path promptFile() {
        return root.resolve("home/roomote-prompt.md");
    }

    @Test
    void everyPresetIsRegisteredUnderItsName() {
        List<String> listed = ServiceLoader.load(AgentDriver.class).stream().map(p -> p.type().getName()).toList();
        assertThat(listed).contains(CodexAgentDriver.class.getName(), OpenCodeAgentDriver.class.getName(),
                ClaudeAgentDriver.class.getName(), GeminiAgentDriver.class.getName(), QwenAgentDriver.class.getName(),
                AiderAgentDriver.class.getName());
        assertThat(List.of(new CodexAgentDriver(), new OpenCodeAgentDriver(), new ClaudeAgentDriver(), new GeminiAgentDriver(),
                new QwenAgentDriver(), new AiderAgentDriver()))
                .extracting(AgentDriver::name).containsExactly("codex", "opencode", "claude", "gemini", "qwen", "aider");
        assertThat(new OpenCodeAgentDriver().pathSetting()).isEqualTo("ROOMOTE_OPENCODE_PATH");
    }

    @Test
    void everyPresetGetsAPrivateHomeAndXdgFolders() throws Exception {
        AgentRequest request = openRouter(Optional.empty());
        Path home = request.agentHome();
        for (CliAgentDriver driver : List.of(new CodexAgentDriver(), new OpenCodeAgentDriver(), new ClaudeAgentDriver(),
                new QwenAgentDriver(), new AiderAgentDriver())) {
            Map<String, String> env = driver.extraEnvironment(request);
            assertThat(env).as(driver.name()).contains(entry("HOME", home.toString()),
                    entry("XDG_CONFIG_HOME", home.resolve(".config").toString()),
                    entry("XDG_DATA_HOME", home.resolve(".local/share").toString()),
                    entry("XDG_STATE_HOME", home.resolve(".local/state").toString()),
                    entry("XDG_CACHE_HOME", home.resolve(".cache").toString()));
        }
        assertThat(home.resolve(".local/share")).isDirectory();
        assertThat(home.resolve(".cache")).isDirectory();
    }

    // ---- codex -------------------------------------------------------------------------------------------

    @Test
    void codexRunsExecWithJsonOutputNoApprovalsAndTheOpenRouterModelByDefault() throws Exception {
        CodexAgentDriver codex = new CodexAgentDriver();
        AgentRequest request = request(Map.of("OPENROUTER_API_KEY", "or-key"), Map.of("ROOMOTE_CODEX_PATH", "/opt/codex"),
                Optional.empty());

        assertThat(codex.command(request, promptFile())).containsExactly("/opt/codex", "exec",
                "--dangerously-bypass-approvals-and-sandbox", "--skip-git-repo-check", "--color", "never", "--json",
                "-m", "openai/gpt-5-codex", PROMPT);
        Map<String, String> env = codex.extraEnvironment(request);
        assertThat(env).containsEntry("CODEX_HOME", request.agentHome().resolve(".codex").toString());
        assertThat(env).doesNotContainKey("OPENROUTER_API_KEY"); // already in the request's environment
        assertThat(Files.readString(request.agentHome().resolve(".codex/config.toml"))).isEqualTo("""
                # Written by Roomote for one job; see docs/agents/cli-agents.md
                model = "openai/gpt-5-codex"
                model_provider = "roomote"
                approval_policy = "never"
                sandbox_mode = "danger-full-access"
                check_for_update_on_startup = false

                [model_providers.roomote]
                name = "OpenRouter"
                base_url = "https://openrouter.ai/api/v1"
                env_key = "OPENROUTER_API_KEY"
                wire_api = "responses"
                request_max_retries = 2
                stream_max_retries = 2

                [analytics]
                enabled = false

                [feedback]
                enabled = false

                [features]
                plugins = false
                remote_plugin = false
                apps = false
                plugin_sharing = false
                unbounded_connection_retries = false
                """);
        assertThat(Files.getPosixFilePermissions(request.agentHome().resolve(".codex/config.toml")))
                .containsExactlyInAnyOrder(java.nio.file.attribute.PosixFilePermission.OWNER_READ,
                        java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
    }

    @Test
    void codexUsesTheConfiguredBaseUrlOrItsOwnOpenAiKey() throws Exception {
        CodexAgentDriver codex = new CodexAgentDriver();
        AgentRequest local = request(Map.of("OPENROUTER_API_KEY", "k"), Map.of("ROOMOTE_AGENT_BASE_URL", "http://127.0.0.1:9/v1/",
                "ROOMOTE_CODEX_MAX_RETRIES", "0"), Optional.of("gpt-5.5"));
        assertThat(codex.configToml(local)).contains("model = \"gpt-5.5\"\n", "name = \"roomote\"\n",
                "base_url = \"http://127.0.0.1:9/v1\"\n", "env_key = \"OPENROUTER_API_KEY\"\n", "request_max_retries = 0\n",
                "stream_max_retries = 0\n");

        AgentRequest openAi = request(Map.of("OPENAI_API_KEY", "sk", "OPENROUTER_API_KEY", "k"), Map.of(), Optional.empty());
        String toml = codex.configToml(openAi);
        assertThat(toml).contains("base_url = \"https://api.openai.com/v1\"\n", "env_key = \"OPENAI_API_KEY\"\n")
                .doesNotContain("model = ");
        assertThat(codex.command(openAi, promptFile())).doesNotContain("-m");

        assertThatThrownBy(() -> codex.command(request(Map.of(), Map.of(), Optional.empty()), promptFile()))
                .isInstanceOf(ConfigurationException.class)
                .hasMessage("agent 'codex' needs OPENROUTER_API_KEY (or OPENAI_API_KEY) in the agent's environment");
        assertThatThrownBy(() -> codex.configToml(request(Map.of("OPENROUTER_API_KEY", "k"), Map.of("ROOMOTE_CODEX_MAX_RETRIES", "-1"),
                Optional.empty()))).isInstanceOf(ConfigurationException.class).hasMessageContaining("ROOMOTE_CODEX_MAX_RETRIES");
        assertThat(CodexAgentDriver.quote("a \"b\" \\ c\n")).isEqualTo("\"a \\\"b\\\" \\\\ c\\n\"");
    }

    @Test
    void codexEventsBecomeReadableLinesAndUsage() {
        AtomicReference<AgentUsage> usage = new AtomicReference<>(AgentUsage.UNKNOWN);
        CodexAgentDriver codex = new CodexAgentDriver();
        for (String line : List.of(
                "{\"type\":\"thread.started\",\"thread_id\":\"t\"}",
                "{\"type\":\"turn.started\"}",
                "{\"type\":\"item.started\",\"item\":{\"id\":\"i1\",\"type\":\"command_execution\",\"command\":\"bash -lc 'git push'\",\"aggregated_output\":\"\",\"exit_code\":null,\"status\":\"in_progress\"}}",
                "{\"type\":\"item.completed\",\"item\":{\"id\":\"i1\",\"type\":\"command_execution\",\"command\":\"bash -lc 'git push'\",\"aggregated_output\":\"rejected\\nhint\\n\",\"exit_code\":1,\"status\":\"failed\"}}",
                "{\"type\":\"item.completed\",\"item\":{\"id\":\"i2\",\"type\":\"file_change\",\"changes\":[{\"path\":\"/w/a.txt\",\"kind\":\"add\"},{\"path\":\"/w/b.txt\",\"kind\":\"update\"}],\"status\":\"completed\"}}",
                "{\"type\":\"item.completed\",\"item\":{\"id\":\"i3\",\"type\":\"agent_message\",\"text\":\"All done.\"}}",
                "{\"type\":\"turn.completed\",\"usage\":{\"input_tokens\":1200,\"cached_input_tokens\":200,\"output_tokens\":30}}",
                "{\"type\":\"turn.completed\",\"usage\":{\"input_tokens\":100,\"cached_input_tokens\":0,\"output_tokens\":5}}",
                "not json at all")) {
            codex.onOutput(line, log, usage);
        }
        assertThat(log.texts()).containsExactly(
                "$ bash -lc 'git push'",
                "[exit 1] bash -lc 'git push'",
                "  rejected ⏎ hint",
                "files changed: add /w/a.txt, update /w/b.txt",
                "codex: All done.",
                "codex: turn completed (tokens in 1200, cached 200, out 30)",
                "codex: turn completed (tokens in 100, cached 0, out 5)",
                "not json at all");
        assertThat(log.lines().get(1).level()).isEqualTo(JobLogger.Level.WARN);
        assertThat(usage.get()).isEqualTo(new AgentUsage(1300L, 35L, null, null));
    }

    @Test
    void codexTurnFailuresAreLoggedAsErrors() {
        AtomicReference<AgentUsage> usage = new AtomicReference<>(AgentUsage.UNKNOWN);
        new CodexAgentDriver().onOutput("{\"type\":\"error\",\"message\":\"unexpected status 500\"}", log, usage);
        new CodexAgentDriver().onOutput("{\"type\":\"turn.failed\",\"error\":{\"message\":\"stream disconnected\"}}", log, usage);
        assertThat(log.lines()).containsExactly(
                new CollectingJobLogger.Line(JobLogger.Level.WARN, "codex: error: unexpected status 500"),
                new CollectingJobLogger.Line(JobLogger.Level.ERROR, "codex: turn failed: stream disconnected"));
        assertThat(usage.get()).isEqualTo(AgentUsage.UNKNOWN);
    }

    // ---- opencode ----------------------------------------------------------------------------------------

    @Test
    void opencodeGetsItsWholeConfigInlineAndItsKeyByReference() throws Exception {
        OpenCodeAgentDriver opencode = new OpenCodeAgentDriver();
        AgentRequest request = openRouter(Optional.empty());

        assertThat(opencode.command(request, promptFile())).containsExactly("opencode", "run", "--title", "Roomote job 7",
                "--format", "json", "-m", "roomote/anthropic/claude-sonnet-4.5", PROMPT);
        Map<String, String> env = opencode.extraEnvironment(request);
        assertThat(env).contains(entry("OPENCODE_DISABLE_AUTOUPDATE", "1"), entry("OPENCODE_DISABLE_MODELS_FETCH", "1"),
                entry("OPENCODE_DISABLE_LSP_DOWNLOAD", "1"), entry("OPENCODE_DISABLE_SHARE", "1"),
                entry("OPENCODE_DISABLE_DEFAULT_PLUGINS", "1"), entry("OPENCODE_PURE", "1"));
        JsonNode config = JSON.readTree(env.get("OPENCODE_CONFIG_CONTENT"));
        assertThat(config).isEqualTo(JSON.readTree("""
                {"autoupdate":false,"share":"disabled",
                 "model":"roomote/anthropic/claude-sonnet-4.5","small_model":"roomote/anthropic/claude-sonnet-4.5",
                 "permission":{"edit":"allow","bash":"allow","webfetch":"deny"},
                 "provider":{"roomote":{"npm":"@ai-sdk/openai-compatible","name":"OpenRouter",
                   "options":{"baseURL":"https://openrouter.ai/api/v1","apiKey":"{env:OPENROUTER_API_KEY}"},
                   "models":{"anthropic/claude-sonnet-4.5":{"name":"anthropic/claude-sonnet-4.5","tool_call":true,
                     "limit":{"context":128000,"output":16384}}}}}}
                """));
        assertThat(env.get("OPENCODE_CONFIG_CONTENT")).doesNotContain("or-key");

        AgentRequest local = request(Map.of("OPENROUTER_API_KEY", "k"), Map.of("ROOMOTE_AGENT_BASE_URL", "http://127.0.0.1:9/v1"),
                Optional.of("m"));
        JsonNode localConfig = JSON.readTree(opencode.configJson(local));
        assertThat(localConfig.at("/provider/roomote/options/baseURL").asText()).isEqualTo("http://127.0.0.1:9/v1");
        assertThat(localConfig.at("/model").asText()).isEqualTo("roomote/m");
        // opencode has no key of its own: without the OpenRouter key it cannot run
        assertThatThrownBy(() -> opencode.command(request(Map.of("ANTHROPIC_API_KEY", "a"), Map.of(), Optional.empty()), promptFile()))
                .isInstanceOf(ConfigurationException.class).hasMessage("agent 'opencode' needs OPENROUTER_API_KEY in the agent's environment");
    }

    @Test
    void opencodeEventsBecomeReadableLinesAndUsage() {
        AtomicReference<AgentUsage> usage = new AtomicReference<>(AgentUsage.UNKNOWN);
        OpenCodeAgentDriver opencode = new OpenCodeAgentDriver();
        for (String line : List.of(
                "{\"type\":\"step_start\",\"part\":{\"type\":\"step-start\"}}",
                "{\"type\":\"tool_use\",\"part\":{\"type\":\"tool\",\"tool\":\"edit\",\"state\":{\"status\":\"completed\",\"input\":{\"filePath\":\"/w/a.txt\",\"oldString\":\"x\",\"newString\":\"y\"},\"output\":\"\"}}}",
                "{\"type\":\"tool_use\",\"part\":{\"type\":\"tool\",\"tool\":\"bash\",\"state\":{\"status\":\"completed\",\"input\":{\"command\":\"git commit -m x\"},\"output\":\"nothing to commit\\n\",\"metadata\":{\"exit\":1}}}}",
                "{\"type\":\"tool_use\",\"part\":{\"type\":\"tool\",\"tool\":\"write\",\"state\":{\"status\":\"error\",\"input\":{\"filePath\":\"/w/b.txt\"},\"error\":\"read it first\"}}}",
                "{\"type\":\"step_finish\",\"part\":{\"type\":\"step-finish\",\"tokens\":{\"input\":1000,\"output\":20,\"reasoning\":0,\"cache\":{\"read\":500,\"write\":0}},\"cost\":0}}",
                "{\"type\":\"text\",\"part\":{\"type\":\"text\",\"text\":\"Done.\\n\"}}",
                "{\"type\":\"step_finish\",\"part\":{\"type\":\"step-finish\",\"tokens\":{\"input\":100,\"output\":2,\"cache\":{\"read\":0,\"write\":0}},\"cost\":0.01}}",
                "{\"type\":\"error\",\"error\":{\"name\":\"APIError\",\"data\":{\"message\":\"rate limited\"}}}")) {
            opencode.onOutput(line, log, usage);
        }
        assertThat(log.texts()).containsExactly(
                "edit /w/a.txt",
                "[exit 1] git commit -m x",
                "  nothing to commit",
                "[write failed] write /w/b.txt: read it first",
                "opencode: Done.",
                "opencode: error: rate limited");
        assertThat(usage.get()).isEqualTo(new AgentUsage(1600L, 22L, 0.01, null));
    }

    // ---- claude ------------------------------------------------------------------------------------------

    @Test
    void claudeRunsHeadlessWithStreamJsonAndGoesThroughOpenRoutersAnthropicEndpoint() throws Exception {
        ClaudeAgentDriver claude = new ClaudeAgentDriver();
        AgentRequest request = openRouter(Optional.empty());

        assertThat(claude.command(request, promptFile())).containsExactly("claude", "-p", "--dangerously-skip-permissions",
                "--output-format", "stream-json", "--verbose", "--model", "anthropic/claude-sonnet-4.5", PROMPT);
        Map<String, String> env = claude.extraEnvironment(request);
        assertThat(env).contains(entry("CLAUDE_CONFIG_DIR", request.agentHome().resolve(".claude").toString()),
                entry("DISABLE_AUTOUPDATER", "1"), entry("DISABLE_TELEMETRY", "1"), entry("DISABLE_ERROR_REPORTING", "1"),
                entry("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1"),
                entry("ANTHROPIC_BASE_URL", "https://openrouter.ai/api"), entry("ANTHROPIC_AUTH_TOKEN", "or-key"),
                entry("ANTHROPIC_API_KEY", ""));
        assertThat(env.containsKey("IS_SANDBOX")).isEqualTo(CliAgentDriver.isRoot());

        Map<String, String> local = claude.extraEnvironment(request(Map.of("OPENROUTER_API_KEY", "k"),
                Map.of("ROOMOTE_AGENT_BASE_URL", "http://127.0.0.1:9/v1"), Optional.empty()));
        assertThat(local).containsEntry("ANTHROPIC_BASE_URL", "http://127.0.0.1:9");
    }

    @Test
    void claudeWithItsOwnKeyUsesAnthropicAndItsOwnDefaultModel() throws Exception {
        ClaudeAgentDriver claude = new ClaudeAgentDriver();
        AgentRequest request = request(Map.of("ANTHROPIC_API_KEY", "sk-ant", "OPENROUTER_API_KEY", "or"), Map.of(), Optional.empty());

        assertThat(claude.command(request, promptFile())).containsExactly("claude", "-p", "--dangerously-skip-permissions",
                "--output-format", "stream-json", "--verbose", PROMPT);
        assertThat(claude.extraEnvironment(request)).doesNotContainKeys("ANTHROPIC_BASE_URL", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_API_KEY");
    }

    @Test
    void claudeStreamBecomesReadableLinesAndItsResultGivesUsageAndCost() {
        AtomicReference<AgentUsage> usage = new AtomicReference<>(AgentUsage.UNKNOWN);
        ClaudeAgentDriver claude = new ClaudeAgentDriver();
        for (String line : List.of(
                "{\"type\":\"system\",\"subtype\":\"init\",\"model\":\"claude-sonnet-4-5\",\"tools\":[\"Bash\"]}",
                "{\"type\":\"assistant\",\"message\":{\"content\":[{\"type\":\"text\",\"text\":\"Let me fix it.\"},{\"type\":\"tool_use\",\"id\":\"t1\",\"name\":\"Edit\",\"input\":{\"file_path\":\"/w/a.txt\",\"old_string\":\"x\",\"new_string\":\"y\"}}]}}",
                "{\"type\":\"user\",\"message\":{\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"t1\",\"content\":\"ok\"}]}}",
                "{\"type\":\"assistant\",\"message\":{\"content\":[{\"type\":\"tool_use\",\"id\":\"t2\",\"name\":\"Bash\",\"input\":{\"command\":\"git push\"}}]}}",
                "{\"type\":\"user\",\"message\":{\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"t2\",\"is_error\":true,\"content\":[{\"type\":\"text\",\"text\":\"denied\"}]}]}}",
                "{\"type\":\"result\",\"subtype\":\"success\",\"is_error\":false,\"num_turns\":3,\"result\":\"Done\",\"total_cost_usd\":0.0123,\"usage\":{\"input_tokens\":10,\"cache_creation_input_tokens\":100,\"cache_read_input_tokens\":1000,\"output_tokens\":50}}")) {
            claude.onOutput(line, log, usage);
        }
        assertThat(log.texts()).containsExactly(
                "claude: session started (model claude-sonnet-4-5)",
                "claude: Let me fix it.",
                "edit /w/a.txt",
                "  ok",
                "$ git push",
                "  [tool error] denied",
                "claude: success after 3 turns");
        assertThat(usage.get()).isEqualTo(new AgentUsage(1110L, 50L, 0.0123, null));
    }

    // ---- gemini ------------------------------------------------------------------------------------------

    @Test
    void geminiNeedsItsOwnKeyAndWritesSettingsThatTurnOffUpdatesAndStatistics() throws Exception {
        GeminiAgentDriver gemini = new GeminiAgentDriver();
        assertThatThrownBy(() -> gemini.command(openRouter(Optional.empty()), promptFile()))
                .isInstanceOf(ConfigurationException.class)
                .hasMessage("agent 'gemini' needs GEMINI_API_KEY in the agent's environment (it cannot use OpenRouter)");

        AgentRequest request = request(Map.of("GEMINI_API_KEY", "g"), Map.of("ROOMOTE_GEMINI_PATH", "/opt/gemini"), Optional.of("gemini-2.5-pro"));
        assertThat(gemini.command(request, promptFile())).containsExactly("/opt/gemini", "--yolo", "--output-format",
                "stream-json", "-m", "gemini-2.5-pro", "-p", PROMPT);
        gemini.extraEnvironment(request);
        assertThat(JSON.readTree(request.agentHome().resolve(".gemini/settings.json").toFile())).isEqualTo(JSON.readTree("""
                {"general":{"disableAutoUpdate":true,"disableUpdateNag":true},
                 "privacy":{"usageStatisticsEnabled":false},
                 "telemetry":{"enabled":false},
                 "security":{"auth":{"selectedType":"gemini-api-key"}}}
                """));
        assertThat(gemini.command(request(Map.of("GEMINI_API_KEY", "g"), Map.of(), Optional.empty()), promptFile()))
                .doesNotContain("-m");
    }

    // ---- qwen --------------------------------------------------------------------------------------------

    @Test
    void qwenIsConfiguredThroughTheOpenAiVariables() throws Exception {
        QwenAgentDriver qwen = new QwenAgentDriver();
        AgentRequest request = openRouter(Optional.empty());

        assertThat(qwen.command(request, promptFile())).containsExactly("qwen", "--auth-type", "openai", "--yolo", PROMPT);
        assertThat(qwen.extraEnvironment(request)).contains(entry("OPENAI_BASE_URL", "https://openrouter.ai/api/v1"),
                entry("OPENAI_API_KEY", "or-key"), entry("OPENAI_MODEL", "qwen/qwen3-coder"));
        assertThat(JSON.readTree(request.agentHome().resolve(".qwen/settings.json").toFile()).at("/privacy/usageStatisticsEnabled")
                .asBoolean(true)).isFalse();

        Map<String, String> own = qwen.extraEnvironment(request(Map.of("OPENAI_API_KEY", "sk"), Map.of(), Optional.of("qwen3-coder-plus")));
        assertThat(own).doesNotContainKeys("OPENAI_BASE_URL", "OPENAI_API_KEY").containsEntry("OPENAI_MODEL", "qwen3-coder-plus");
    }

    // ---- aider -------------------------------------------------------------------------------------------

    @Test
    void aiderTakesThePromptFromAFileAndKeepsItsHistoriesOutOfTheWorkspace() throws Exception {
        AiderAgentDriver aider = new AiderAgentDriver();
        AgentRequest request = openRouter(Optional.empty());
        Path home = request.agentHome();

        assertThat(aider.command(request, promptFile())).containsExactly("aider", "--message-file", promptFile().toString(),
                "--yes-always", "--no-check-update", "--analytics-disable", "--no-show-release-notes",
                "--no-show-model-warnings", "--no-pretty", "--no-fancy-input", "--no-gitignore",
                "--chat-history-file", home.resolve("aider.chat.history.md").toString(),
                "--input-history-file", home.resolve("aider.input.history").toString(),
                "--model", "openrouter/anthropic/claude-sonnet-4.5");
        assertThat(aider.command(request, promptFile())).doesNotContain("--no-auto-commits");
        assertThat(aider.extraEnvironment(request)).doesNotContainKeys("OPENAI_API_BASE", "OPENAI_API_KEY");

        AgentRequest local = request(Map.of("OPENROUTER_API_KEY", "k"), Map.of("ROOMOTE_AGENT_BASE_URL", "http://127.0.0.1:9/v1"),
                Optional.of("m"));
        assertThat(aider.command(local, promptFile())).endsWith("--model", "openai/m");
        assertThat(aider.extraEnvironment(local)).contains(entry("OPENAI_API_BASE", "http://127.0.0.1:9/v1"), entry("OPENAI_API_KEY", "k"));

        AgentRequest own = request(Map.of("ANTHROPIC_API_KEY", "a"), Map.of(), Optional.empty());
        assertThat(aider.command(own, promptFile())).doesNotContain("--model");
    }

    // ---- shared ------------------------------------------------------------------------------------------

    @Test
    void aPromptTooLongForOneArgumentIsRefusedWithAClearMessage() throws Exception {
        AgentRequest base = openRouter(Optional.empty());
        AgentRequest huge = new AgentRequest(7, "x".repeat(200_000), base.workspace(), base.agentHome(), base.environment(),
                base.model(), log, base.cancellation(), base.deadline(), base.config());
        assertThatThrownBy(() -> new CodexAgentDriver().command(huge, promptFile()))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("200000 bytes");
        // aider reads it from the file: no limit
        assertThat(new AiderAgentDriver().command(huge, promptFile())).contains(promptFile().toString());
    }

    @Test
    void anEventThatCannotBeReadIsLoggedRawAndDoesNotStopTheOutput() {
        AtomicReference<AgentUsage> usage = new AtomicReference<>(AgentUsage.UNKNOWN);
        CliAgentDriver throwing = new CliAgentDriver() {
            @Override
            public String name() {
                return "throwing";
            }

            @Override
            protected String defaultBinary() {
                return "true";
            }

            @Override
            protected Map<String, String> agentEnvironment(AgentRequest request) {
                return Map.of();
            }

            @Override
            protected Optional<String> startedModel(AgentRequest request) {
                return Optional.empty();
            }

            @Override
            protected List<String> command(AgentRequest request, Path promptFile) {
                return List.of("true");
            }

            @Override
            protected boolean onEvent(JsonNode event, JobLogger log, AtomicReference<AgentUsage> u) {
                throw new IllegalStateException("unexpected shape");
            }
        };
        throwing.onOutput("{\"type\":\"x\"}", log, usage);
        throwing.onOutput("next line", log, usage);
        new CodexAgentDriver().onOutput("{\"type\":\"something.new\",\"x\":1}", log, usage);

        assertThat(log.texts()).containsExactly("cannot read agent event: java.lang.IllegalStateException: unexpected shape",
                "{\"type\":\"x\"}", "next line", "{\"type\":\"something.new\",\"x\":1}");
        assertThat(throwing.pathSetting()).isEqualTo("ROOMOTE_THROWING_PATH");
    }

    /**
     * The whole process path with a stand-in for the claude binary: the real flags reach it, it runs in the
     * workspace with the private HOME, and usage comes from its result event even though it exits 0 after
     * doing nothing — FINISHED is only what it says.
     */
    @Test
    void aStandInClaudeBinaryReceivesTheFlagsAndItsResultIsRead() throws Exception {
        Path fake = root.resolve("fake-claude");
        Path seen = root.resolve("seen.txt");
        Files.writeString(fake, """
                #!/bin/sh
                { echo "args: $*"; echo "home: $HOME"; echo "config: $CLAUDE_CONFIG_DIR"; echo "pwd: $(pwd)"; } > '%s'
                echo '{"type":"system","subtype":"init","model":"m1"}'
                echo 'plain stderr-ish line'
                echo '{"type":"result","subtype":"success","is_error":false,"num_turns":1,"total_cost_usd":0.5,"usage":{"input_tokens":7,"output_tokens":3}}'
                exit 0
                """.formatted(seen));
        fake.toFile().setExecutable(true);
        AgentRequest base = request(Map.of("ANTHROPIC_API_KEY", "a"), Map.of("ROOMOTE_CLAUDE_PATH", fake.toString()), Optional.of("m1"));

        AgentOutcome outcome = new ClaudeAgentDriver().run(base);

        assertThat(outcome.status()).isEqualTo(AgentOutcome.Status.FINISHED);
        assertThat(outcome.usage()).isEqualTo(new AgentUsage(7L, 3L, 0.5, "m1"));
        assertThat(Files.readAllLines(seen)).containsExactly(
                "args: -p --dangerously-skip-permissions --output-format stream-json --verbose --model m1 " + PROMPT,
                "home: " + base.agentHome(),
                "config: " + base.agentHome().resolve(".claude"),
                "pwd: " + base.workspace());
        assertThat(log.texts()).contains("claude: session started (model m1)", "plain stderr-ish line", "claude: success after 1 turns");
    }

    /** gemini's assistant text comes in chunks; they are logged as one line, per run. */
    @Test
    void aStandInGeminiBinarysChunkedMessageIsLoggedAsOneLine() throws Exception {
        Path fake = root.resolve("fake-gemini");
        Files.writeString(fake, """
                #!/bin/sh
                echo '{"type":"init","session_id":"s","model":"gemini-x"}'
                echo '{"type":"message","role":"user","content":"prompt"}'
                echo '{"type":"message","role":"assistant","content":"Hello ","delta":true}'
                echo '{"type":"message","role":"assistant","content":"world.","delta":true}'
                echo '{"type":"tool_use","tool_name":"run_shell_command","tool_id":"1","parameters":{"command":"git status"}}'
                echo '{"type":"tool_result","tool_id":"1","status":"success","output":"clean"}'
                echo '{"type":"result","status":"success","stats":{"total_tokens":30,"input_tokens":20,"output_tokens":10,"duration_ms":5,"tool_calls":1}}'
                exit 3
                """);
        fake.toFile().setExecutable(true);
        AgentRequest request = request(Map.of("GEMINI_API_KEY", "g"), Map.of("ROOMOTE_GEMINI_PATH", fake.toString()), Optional.empty());

        AgentOutcome outcome = new GeminiAgentDriver().run(request);

        assertThat(outcome.status()).isEqualTo(AgentOutcome.Status.FAILED);
        assertThat(outcome.message()).isEqualTo("agent exited with code 3");
        assertThat(outcome.usage()).isEqualTo(new AgentUsage(20L, 10L, null, null));
        assertThat(log.texts()).containsSubsequence("gemini: session started (model gemini-x)", "gemini: Hello world.",
                "$ git status", "  clean", "gemini: success");
    }
}
