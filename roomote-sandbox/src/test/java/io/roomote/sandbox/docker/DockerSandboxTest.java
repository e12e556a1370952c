package io.roomote.sandbox.docker;

import io.roomote.core.config.Settings;
import io.roomote.sandbox.Bridge;
import io.roomote.sandbox.Sandbox;
import io.roomote.sandbox.SandboxSettings;
import io.roomote.sandbox.SandboxSpec;
import io.roomote.sandbox.Sandboxes;
import io.roomote.sandbox.bridge.BridgeScript;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * No Docker engine runs here, so "docker" is a recording stand-in: a shell script first on the PATH the
 * settings read, which appends its arguments to a file (and answers {@code ps} with two container ids).
 * Real: the settings, the command line built, the processes started for cleanUp and the sweep.
 */
class DockerSandboxTest {

    @TempDir
    Path dir;

    private Path record;
    private Path bin;

    @BeforeEach
    void recordingDocker() throws Exception {
        record = dir.resolve("docker-calls.txt");
        bin = Files.createDirectories(dir.resolve("bin"));
        Path docker = Files.writeString(bin.resolve("docker"), "#!/bin/sh\n"
                + "{ for a in \"$@\"; do printf '%s\\n' \"$a\"; done; echo '--end--'; } >> '" + record + "'\n"
                + "if [ \"$1\" = ps ] && [ -f '" + dir.resolve("leftovers") + "' ]; then cat '" + dir.resolve("leftovers") + "'; fi\n");
        docker.toFile().setExecutable(true);
    }

    private Sandbox dockerSandbox() {
        SandboxSettings settings = SandboxSettings.from(Settings.of(Map.of("ROOMOTE_SANDBOX", "docker",
                        "ROOMOTE_WORKER_IMAGE", "example/worker:7", "ROOMOTE_SANDBOX_CPUS", "1.5",
                        "ROOMOTE_SANDBOX_MEMORY", "3g", "ROOMOTE_SANDBOX_PIDS", "256")),
                Map.of("PATH", bin + ":/usr/bin:/bin"));
        assertThat(settings.startupProblem()).isEmpty();
        return Sandboxes.create(settings);
    }

    private List<List<String>> calls() throws Exception {
        List<List<String>> calls = new ArrayList<>();
        if (!Files.exists(record)) {
            return calls;
        }
        List<String> current = new ArrayList<>();
        for (String line : Files.readAllLines(record)) {
            if (line.equals("--end--")) {
                calls.add(current);
                current = new ArrayList<>();
            } else {
                current.add(line);
            }
        }
        return calls;
    }

    private static String runnerId(String flag) throws Exception {
        Process id = new ProcessBuilder("id", flag).start();
        return new String(id.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    }

    private SandboxSpec spec() throws Exception {
        Path ws = Files.createDirectories(dir.resolve("work/job-42/workspace"));
        Path home = Files.createDirectories(dir.resolve("work/job-42/home"));
        Path bridge = Files.createDirectories(dir.resolve("bridges/b-5f2c"));
        return new SandboxSpec(42, ws, home, bridge, List.of(new Bridge("gateway.sock", 8077), new Bridge("proxy.sock", 3128)),
                List.of(), List.of(dir.resolve("roomote-home")));
    }

    @Test
    void theCommandLineIsExactlyTheDocumentedOne() throws Exception {
        SandboxSpec spec = spec();
        String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest("b-5f2c".getBytes(StandardCharsets.UTF_8)), 0, 4);
        // The values of these variables exist only in the environment the caller starts docker with.
        Map<String, String> agentEnv = Map.of("HOME", spec.home().toString(), "OPENAI_API_KEY", "sk-job-token-98765",
                "HTTPS_PROXY", "http://127.0.0.1:3128");

        List<String> c = dockerSandbox().command(spec, List.of("agent", "--prompt", "it's $(x)"), agentEnv.keySet());

        String ws = spec.workspace().toString();
        String home = spec.home().toString();
        String br = spec.bridgeDir().toString();
        List<String> expected = new ArrayList<>(List.of(bin.resolve("docker").toString(), "run", "--rm", "--init",
                "--name", "roomote-job-42-" + hash,
                "--label", "io.roomote.managed=true", "--label", "io.roomote.job=42",
                "--network", "none", "--read-only", "--tmpfs", "/tmp", "--cap-drop", "ALL",
                "--security-opt", "no-new-privileges", "--user", runnerId("-u") + ":" + runnerId("-g"),
                "--cpus", "1.5", "--memory", "3g", "--pids-limit", "256",
                "-v", ws + ":" + ws, "-v", home + ":" + home, "-v", br + ":" + br + ":ro", "-w", ws,
                "-e", "HOME", "-e", "HTTPS_PROXY", "-e", "OPENAI_API_KEY",
                "example/worker:7", "/bin/sh", "-c"));
        assertThat(c.subList(0, expected.size())).isEqualTo(expected);
        String script = c.get(expected.size());
        assertThat(script).isEqualTo(BridgeScript.script(spec.bridges(), spec.bridgeDir(), "socat"))
                .contains("exec \"$S\" TCP-LISTEN:8077,bind=127.0.0.1,fork,reuseaddr UNIX-CONNECT:gateway.sock")
                .contains("exec \"$S\" TCP-LISTEN:3128,bind=127.0.0.1,fork,reuseaddr UNIX-CONNECT:proxy.sock")
                .contains("S='socat'");
        assertThat(c.subList(expected.size() + 1, c.size())).containsExactly("roomote-sandbox", "agent", "--prompt", "it's $(x)");
        // HOME's value is also a mount; the others appear nowhere.
        assertThat(c).noneMatch(arg -> arg.contains("sk-job-token-98765") || arg.contains("http://127.0.0.1:3128"));
        assertThat(calls()).as("building the command runs nothing").isEmpty();
    }

    @Test
    void aNameThatWouldCarryAValueIsRefused() throws Exception {
        SandboxSpec spec = spec();
        assertThatThrownBy(() -> dockerSandbox().command(spec, List.of("agent"), Set.of("OPENAI_API_KEY=sk-123")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("not an environment variable name: 'OPENAI_API_KEY=…'");
    }

    @Test
    void pathsThatDockersVolumeSyntaxWouldSplitAreRefused() throws Exception {
        SandboxSpec good = spec();
        Path colon = Files.createDirectories(dir.resolve("ws:evil"));
        SandboxSpec bad = new SandboxSpec(1, colon, good.home(), good.bridgeDir(), List.of(), List.of(), List.of());
        assertThatThrownBy(() -> dockerSandbox().command(bad, List.of("agent"), Set.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("':'");
    }

    @Test
    void cleanUpRemovesTheJobsContainer() throws Exception {
        SandboxSpec spec = spec();
        Sandbox sandbox = dockerSandbox();
        sandbox.cleanUp(spec);
        assertThat(calls()).containsExactly(List.of("rm", "-f", DockerSandbox.containerName(spec)));
        assertThat(DockerSandbox.containerName(spec)).startsWith("roomote-job-42-").matches("[a-zA-Z0-9][a-zA-Z0-9_.-]+");
    }

    @Test
    void theSweepRemovesEveryManagedContainer() throws Exception {
        Files.writeString(dir.resolve("leftovers"), "3f1e2d\n9a8b7c\n");
        DockerLeftovers leftovers = ((DockerSandbox) dockerSandbox()).leftovers().orElseThrow();

        assertThat(leftovers.sweep()).containsExactly("3f1e2d", "9a8b7c");
        assertThat(calls()).containsExactly(
                List.of("ps", "-aq", "--filter", "label=io.roomote.managed=true"),
                List.of("rm", "-f", "3f1e2d", "9a8b7c"));
    }

    @Test
    void aSweepWithNothingLeftRemovesNothing() throws Exception {
        DockerLeftovers leftovers = ((DockerSandbox) dockerSandbox()).leftovers().orElseThrow();
        assertThat(leftovers.sweep()).isEmpty();
        assertThat(calls()).containsExactly(List.of("ps", "-aq", "--filter", "label=io.roomote.managed=true"));
    }

    @Test
    void theRunnersIdsComeFromProcStatus() {
        assertThat(RunnerUser.parseStatus("Name:\tjava\nUid:\t1000\t1000\t1000\t1000\nGid:\t1001\t1001\t1001\t1001\n"))
                .contains(new RunnerUser(1000, 1001));
        assertThat(RunnerUser.parseStatus("Name:\tjava\n")).isEmpty();
    }
}
