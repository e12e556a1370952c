package io.roomote.controller.docker;

import io.roomote.controller.LaunchedWorker;
import io.roomote.controller.ReapedWorker;
import io.roomote.controller.WorkerSpec;
import io.roomote.core.config.ConfigurationException;
import io.roomote.core.config.Settings;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The docker launcher against a RECORDING STAND-IN of the docker/podman command line ({@link RecordingEngine}):
 * no Docker engine runs here, so no container is started. Real: the launcher's command lines, the env file it
 * writes (read and stat-ed by the stand-in while "docker run" runs), its deletion, the parsing of scripted
 * {@code ps}/{@code inspect} output in docker's and podman's documented formats, and the error messages.
 */
class DockerWorkerLauncherTest {

    private static final Instant NOW = Instant.parse("2026-11-30T13:00:00Z");
    private static final String CONTAINER_ID = "4f1d2c3b4a5968778695a4b3c2d1e0f9a8b7c6d5e4f30211a0b9c8d7e6f5a4b3";
    private static final String SECRET_DB = "postgres://roomote:s3cr3t-db-pw@db:5432/roomote";
    private static final String SECRET_GH = "ghp_TopSecretTokenValue1234567890";

    @TempDir
    Path temp;
    Path envDir;
    RecordingEngine engine;

    @BeforeEach
    void setUp() throws IOException {
        envDir = Files.createDirectories(temp.resolve("env"));
        engine = new RecordingEngine(temp.resolve("engine"), "docker");
    }

    private DockerWorkerLauncher launcher(Map<String, String> extra) {
        Map<String, String> values = new HashMap<>();
        values.put("PATH", engine.path());
        values.put("ROOMOTE_DOCKER_ENV_DIR", envDir.toString());
        values.putAll(extra);
        return new DockerWorkerLauncher(DockerLauncherSettings.from(Settings.of(values)), Clock.fixed(NOW, ZoneOffset.UTC));
    }

    private static WorkerSpec spec() {
        return new WorkerSpec("ctl-1", "roomote-worker-ctl-1-7",
                Map.of("JOB_TIMEOUT", "30m", "ROOMOTE_SANDBOX", "bwrap"),
                Map.of("DATABASE_URL", SECRET_DB, "GH_TOKEN", SECRET_GH));
    }

    @Test
    void runsOneDetachedSelfRemovingContainerWithLabelsLimitsNetworkAndTheEnvFile() throws IOException {
        engine.answer("run", CONTAINER_ID + "\n", "", 0);
        DockerWorkerLauncher launcher = launcher(Map.of("ROOMOTE_WORKER_NETWORK", "roomote_default",
                "ROOMOTE_WORKER_SECURITY_OPTS", "seccomp=/etc/roomote/seccomp.json, no-new-privileges:true",
                "ROOMOTE_WORKER_RUNNER_IMAGE", "registry.example/roomote/runner:1.2.3",
                "ROOMOTE_WORKER_CPUS", "1.5", "ROOMOTE_WORKER_MEMORY", "3G", "ROOMOTE_WORKER_PIDS", "512"));

        LaunchedWorker worker = launcher.launch(spec());

        assertThat(worker).isEqualTo(new LaunchedWorker(CONTAINER_ID, "roomote-worker-ctl-1-7", NOW));
        List<List<String>> calls = engine.calls();
        assertThat(calls).hasSize(1);
        assertThat(calls.get(0)).containsExactly(engine.program("docker").toString(),
                "run", "-d", "--rm", "--name", "roomote-worker-ctl-1-7",
                "--label", "io.roomote.worker=true",
                "--label", "io.roomote.controller=ctl-1",
                "--label", "io.roomote.worker-name=roomote-worker-ctl-1-7",
                "--network", "roomote_default",
                "--security-opt", "seccomp=/etc/roomote/seccomp.json", "--security-opt", "no-new-privileges:true",
                "--cpus", "1.5", "--memory", "3g", "--pids-limit", "512",
                "--env-file", engine.envFilePath().toString(),
                "registry.example/roomote/runner:1.2.3", "worker", "--once");
    }

    @Test
    void defaultsAreTheRunnerImageTwoCpusFourGigabytesAndNoNetworkFlag() throws IOException {
        engine.answer("run", CONTAINER_ID + "\n", "", 0);
        launcher(Map.of()).launch(spec());

        List<String> run = engine.calls().get(0);
        assertThat(run).doesNotContain("--network", "--security-opt");
        assertThat(run).containsSubsequence("--cpus", "2", "--memory", "4g", "--pids-limit", "2048");
        assertThat(run.subList(run.size() - 3, run.size())).containsExactly("roomote/runner:latest", "worker", "--once");
    }

    @Test
    void theEnvFileHoldsSettingsAndSecretsIsPrivateWhileDockerRunsAndIsDeletedAfter() throws IOException {
        engine.answer("run", CONTAINER_ID + "\n", "", 0);
        launcher(Map.of()).launch(spec());

        assertThat(engine.envFileText()).isEqualTo("""
                DATABASE_URL=%s
                GH_TOKEN=%s
                JOB_TIMEOUT=30m
                ROOMOTE_SANDBOX=bwrap
                """.formatted(SECRET_DB, SECRET_GH));
        assertThat(engine.envFileMode()).isEqualTo("600");
        assertThat(engine.envFilePath().getParent()).isEqualTo(envDir);
        assertThat(engine.envFilePath()).doesNotExist();
        assertThat(envDir).isEmptyDirectory();
    }

    @Test
    void noSecretValueIsOnAnyCommandLineAndNoDockerSocketIsMounted() throws IOException {
        engine.answer("run", CONTAINER_ID + "\n", "", 0).answer("ps", "", "", 0);
        DockerWorkerLauncher launcher = launcher(Map.of());
        launcher.launch(spec());
        launcher.alive("ctl-1");
        launcher.reap("ctl-1");

        String argv = engine.rawLog();
        assertThat(argv).doesNotContain(SECRET_DB).doesNotContain("s3cr3t-db-pw").doesNotContain(SECRET_GH)
                .doesNotContain("docker.sock");
        assertThat(engine.calls().get(0)).doesNotContain("-v", "--volume", "--mount", "-e", "--env", "--privileged");
    }

    @Test
    void aFailedRunSaysWhyInOneLineAndStillDeletesTheEnvFile() throws IOException {
        engine.answer("run", "", "docker: Error response from daemon: pull access denied for roomote/runner.\n"
                + "See 'docker run --help'.\n", 125);

        assertThatThrownBy(() -> launcher(Map.of()).launch(spec()))
                .isInstanceOf(IOException.class)
                .hasMessage("docker run of worker roomote-worker-ctl-1-7 failed: docker: Error response from daemon:"
                        + " pull access denied for roomote/runner.");
        assertThat(engine.envFileMode()).isEqualTo("600");
        assertThat(engine.envFilePath()).doesNotExist();
        assertThat(envDir).isEmptyDirectory();
    }

    @Test
    void aMissingDockerIsOneClearMessageAndNoEnvFileIsWritten() {
        DockerWorkerLauncher launcher = new DockerWorkerLauncher(DockerLauncherSettings.from(Settings.of(Map.of(
                "PATH", temp.resolve("nowhere").toString(), "ROOMOTE_DOCKER_ENV_DIR", envDir.toString()))),
                Clock.systemUTC());

        assertThatThrownBy(() -> launcher.launch(spec())).isInstanceOf(IOException.class)
                .hasMessage("'docker' was not found on PATH: install Docker or Podman, or set ROOMOTE_DOCKER to docker,"
                        + " podman or the path of one of them");
        assertThatThrownBy(() -> launcher.alive("ctl-1")).isInstanceOf(IOException.class).hasMessageContaining("not found");
        assertThat(envDir).isEmptyDirectory();
    }

    @Test
    void anEngineThatIsDownFailsPsWithItsFirstErrorLine() throws IOException {
        engine.answer("ps", "", "Cannot connect to the Docker daemon at unix:///var/run/docker.sock."
                + " Is the docker daemon running?\nmore detail\n", 1);

        assertThatThrownBy(() -> launcher(Map.of()).alive("ctl-1")).isInstanceOf(IOException.class)
                .hasMessage("docker ps failed: Cannot connect to the Docker daemon at unix:///var/run/docker.sock."
                        + " Is the docker daemon running?");
    }

    @Test
    void aHungEngineIsCutOffAtTheCommandTimeout() throws IOException {
        engine.slow("ps", 60);

        assertThatThrownBy(() -> launcher(Map.of("ROOMOTE_DOCKER_TIMEOUT", "1s")).alive("ctl-1"))
                .isInstanceOf(IOException.class)
                .hasMessageEndingWith("ps did not finish within 1 s");
    }

    @Test
    void aliveListsTheControllersRunningWorkersFromTheirLabels() throws IOException {
        engine.answer("ps", """
                %s roomote-worker-ctl-1-1 2026-11-30 12:58:01 +0000 UTC
                0a1b2c3d4e5f roomote-worker-ctl-1-2 2026-11-30 13:59:30 +0100 CET

                77aa88bb99cc  2026-11-30 12:00:00 +0000 UTC
                """.formatted(CONTAINER_ID), "", 0);

        List<LaunchedWorker> alive = launcher(Map.of()).alive("ctl-1");

        assertThat(alive).containsExactly(
                new LaunchedWorker(CONTAINER_ID, "roomote-worker-ctl-1-1", Instant.parse("2026-11-30T12:58:01Z")),
                new LaunchedWorker("0a1b2c3d4e5f", "roomote-worker-ctl-1-2", Instant.parse("2026-11-30T12:59:30Z")),
                // A container whose name label was removed by hand still counts, under its id.
                new LaunchedWorker("77aa88bb99cc", "77aa88bb99cc", Instant.parse("2026-11-30T12:00:00Z")));
        assertThat(engine.calls().get(0)).containsExactly(engine.program("docker").toString(), "ps", "--no-trunc",
                "--filter", "label=io.roomote.controller=ctl-1", "--filter", "label=io.roomote.worker=true",
                "--format", "{{.ID}} {{.Label \"io.roomote.worker-name\"}} {{.CreatedAt}}");
    }

    @Test
    void aliveIsEmptyWhenNoWorkerRuns() throws IOException {
        engine.answer("ps", "", "", 0);
        assertThat(launcher(Map.of()).alive("ctl-1")).isEmpty();
    }

    @Test
    void reapRemovesExitedWorkersAndReportsTheirExitCodes() throws IOException {
        engine.answer("ps", "aaaaaaaaaaaa roomote-worker-ctl-1-1\nbbbbbbbbbbbb roomote-worker-ctl-1-2\ncccccccccccc roomote-worker-ctl-1-3\n", "", 0)
                .answer("inspect.aaaaaaaaaaaa", "0\n", "", 0)
                .answer("inspect.bbbbbbbbbbbb", "3\n", "", 0)
                // Removed by --rm between ps and inspect: no exit code, still reported as gone.
                .answer("inspect.cccccccccccc", "", "Error: No such object: cccccccccccc", 1)
                .answer("rm.cccccccccccc", "", "Error response from daemon: No such container: cccccccccccc", 1);

        List<ReapedWorker> reaped = launcher(Map.of()).reap("ctl-1");

        assertThat(reaped).containsExactly(
                new ReapedWorker("aaaaaaaaaaaa", "roomote-worker-ctl-1-1", OptionalInt.of(0)),
                new ReapedWorker("bbbbbbbbbbbb", "roomote-worker-ctl-1-2", OptionalInt.of(3)),
                new ReapedWorker("cccccccccccc", "roomote-worker-ctl-1-3", OptionalInt.empty()));
        String docker = engine.program("docker").toString();
        assertThat(engine.calls()).containsExactly(
                List.of(docker, "ps", "-a", "--no-trunc", "--filter", "status=exited", "--filter", "status=dead",
                        "--filter", "label=io.roomote.controller=ctl-1", "--filter", "label=io.roomote.worker=true",
                        "--format", "{{.ID}} {{.Label \"io.roomote.worker-name\"}}"),
                List.of(docker, "inspect", "--format", "{{.State.ExitCode}}", "aaaaaaaaaaaa"),
                List.of(docker, "rm", "aaaaaaaaaaaa"),
                List.of(docker, "inspect", "--format", "{{.State.ExitCode}}", "bbbbbbbbbbbb"),
                List.of(docker, "rm", "bbbbbbbbbbbb"),
                List.of(docker, "inspect", "--format", "{{.State.ExitCode}}", "cccccccccccc"),
                List.of(docker, "rm", "cccccccccccc"));
    }

    @Test
    void aContainerThatCannotBeRemovedIsLeftForTheNextReapWithoutHidingTheOthers() throws IOException {
        engine.answer("ps", "aaaaaaaaaaaa roomote-worker-ctl-1-1\nbbbbbbbbbbbb roomote-worker-ctl-1-2\n", "", 0)
                .answer("inspect", "1\n", "", 0)
                .answer("rm.aaaaaaaaaaaa", "", "Error response from daemon: removal of container aaaaaaaaaaaa is already in progress", 1);

        assertThat(launcher(Map.of()).reap("ctl-1"))
                .containsExactly(new ReapedWorker("bbbbbbbbbbbb", "roomote-worker-ctl-1-2", OptionalInt.of(1)));
    }

    @Test
    void podmanTakesTheSameFlagsAndReadsTheLabelFromItsLabelsMap() throws IOException {
        RecordingEngine podman = new RecordingEngine(temp.resolve("podman"), "podman");
        podman.answer("run", CONTAINER_ID + "\n", "", 0)
                // podman prints CreatedAt with fractions of a second.
                .answer("ps", "0a1b2c3d4e5f roomote-worker-ctl-1-1 2026-11-30 12:58:01.123456789 +0000 UTC\n", "", 0);
        DockerWorkerLauncher launcher = new DockerWorkerLauncher(DockerLauncherSettings.from(Settings.of(Map.of(
                "PATH", podman.path(), "ROOMOTE_DOCKER", "podman", "ROOMOTE_DOCKER_ENV_DIR", envDir.toString()))),
                Clock.fixed(NOW, ZoneOffset.UTC));

        launcher.launch(spec());
        List<LaunchedWorker> alive = launcher.alive("ctl-1");

        List<String> run = podman.calls().get(0);
        assertThat(run.get(0)).isEqualTo(podman.program("podman").toString());
        assertThat(run.subList(1, run.size())).containsExactly("run", "-d", "--rm", "--name", "roomote-worker-ctl-1-7",
                "--label", "io.roomote.worker=true", "--label", "io.roomote.controller=ctl-1",
                "--label", "io.roomote.worker-name=roomote-worker-ctl-1-7",
                "--cpus", "2", "--memory", "4g", "--pids-limit", "2048",
                "--env-file", podman.envFilePath().toString(), "roomote/runner:latest", "worker", "--once");
        assertThat(podman.calls().get(1)).contains("{{.ID}} {{index .Labels \"io.roomote.worker-name\"}} {{.CreatedAt}}");
        assertThat(alive).containsExactly(new LaunchedWorker("0a1b2c3d4e5f", "roomote-worker-ctl-1-1",
                Instant.parse("2026-11-30T12:58:01.123456789Z")));
        assertThat(podman.rawLog()).doesNotContain(SECRET_GH);
    }

    @Test
    void aValueTheEnvFileCannotCarryIsRefusedByNameWithoutShowingIt() {
        WorkerSpec bad = new WorkerSpec("ctl-1", "w-1", Map.of(), Map.of("GH_TOKEN", "line1\nline2-secret"));

        assertThatThrownBy(() -> launcher(Map.of()).launch(bad)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("GH_TOKEN").hasMessageNotContaining("line2-secret");
        assertThat(envDir).isEmptyDirectory();
    }

    @Test
    void namesThatCannotBeLabelsAreRefusedBeforeDockerRuns() throws IOException {
        WorkerSpec bad = new WorkerSpec("ctl 1", "w-1", Map.of(), Map.of());
        assertThatThrownBy(() -> launcher(Map.of()).launch(bad)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("controller id 'ctl 1'");
        assertThat(engine.calls()).isEmpty();
    }

    @Test
    void badSettingsNameTheSettingAndWhatItTakes() {
        assertThatThrownBy(() -> launcher(Map.of("ROOMOTE_DOCKER", "containerd")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("ROOMOTE_DOCKER must be docker, podman");
        assertThatThrownBy(() -> launcher(Map.of("ROOMOTE_WORKER_CPUS", "two")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("ROOMOTE_WORKER_CPUS");
        assertThatThrownBy(() -> launcher(Map.of("ROOMOTE_WORKER_MEMORY", "4gb")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("ROOMOTE_WORKER_MEMORY");
        assertThatThrownBy(() -> launcher(Map.of("ROOMOTE_WORKER_PIDS", "0")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("ROOMOTE_WORKER_PIDS");
        assertThatThrownBy(() -> launcher(Map.of("ROOMOTE_WORKER_NETWORK", "--privileged")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("ROOMOTE_WORKER_NETWORK");
        assertThatThrownBy(() -> launcher(Map.of("ROOMOTE_WORKER_RUNNER_IMAGE", "-v /:/host")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("ROOMOTE_WORKER_RUNNER_IMAGE");
        assertThatThrownBy(() -> launcher(Map.of("ROOMOTE_WORKER_SECURITY_OPTS", "seccomp=x, --privileged")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("ROOMOTE_WORKER_SECURITY_OPTS");
        assertThatThrownBy(() -> launcher(Map.of("ROOMOTE_DOCKER_TIMEOUT", "soon")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("ROOMOTE_DOCKER_TIMEOUT");
        assertThatThrownBy(() -> launcher(Map.of("ROOMOTE_DOCKER_ENV_DIR", temp.resolve("missing").toString())))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("ROOMOTE_DOCKER_ENV_DIR");
    }
}
