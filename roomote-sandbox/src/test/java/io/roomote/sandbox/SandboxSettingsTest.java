package io.roomote.sandbox;

import io.roomote.core.host.Executables;

import io.roomote.core.config.ConfigurationException;
import io.roomote.core.config.Settings;
import io.roomote.sandbox.bwrap.BwrapSandbox;
import io.roomote.sandbox.docker.DockerSandbox;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Settings from plain maps; program lookups use PATHs made of temp folders (the real bwrap where noted). */
class SandboxSettingsTest {

    @TempDir
    Path dir;

    private Path userHome;
    private Path userDir;

    private SandboxSettings read(Map<String, String> values, String path) throws IOException {
        userHome = Files.createDirectories(dir.resolve("runner-home"));
        userDir = Files.createDirectories(dir.resolve("runner-cwd"));
        return SandboxSettings.from(Settings.of(values), Map.of("PATH", path), userHome, userDir);
    }

    private Path binWith(String... programs) throws IOException {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        for (String p : programs) {
            Path f = Files.writeString(bin.resolve(p), "#!/bin/sh\nexit 0\n");
            f.toFile().setExecutable(true);
        }
        return bin;
    }

    @Test
    void defaults() throws Exception {
        SandboxSettings s = read(Map.of(), binWith("bwrap").toString());

        assertThat(s.mode()).contains(SandboxMode.BWRAP);
        assertThat(s.explicit()).isFalse();
        assertThat(s.bwrapCommand()).isEqualTo("bwrap");
        assertThat(s.dockerCommand()).isEqualTo("docker");
        assertThat(s.workerImage()).isEqualTo("roomote/worker:latest");
        assertThat(s.cpus()).isEqualTo("2");
        assertThat(s.memory()).isEqualTo("4g");
        assertThat(s.pidsLimit()).isEqualTo(1024);
        assertThat(s.readPaths()).isEmpty();
        assertThat(s.startupWarning()).isEmpty();
        // The existing default places, then the runner's HOME and working directory.
        List<Path> expected = new java.util.ArrayList<>(SandboxSettings.DEFAULT_HIDDEN.stream().filter(Files::exists).toList());
        expected.add(userHome);
        expected.add(userDir);
        assertThat(s.hiddenPaths()).containsExactlyElementsOf(expected);
        assertThat(s.hiddenPaths()).contains(Path.of("/tmp"));
    }

    @Test
    void extraHiddenAndReadablePaths() throws Exception {
        SandboxSettings s = read(Map.of("ROOMOTE_SANDBOX_HIDE", "/srv/secrets:/opt/keys/:",
                "ROOMOTE_SANDBOX_READ", "/root/.nvm:/home/ci/tools"), binWith("bwrap").toString());
        assertThat(s.hiddenPaths()).endsWith(Path.of("/srv/secrets"), Path.of("/opt/keys"));
        assertThat(s.readPaths()).containsExactly(Path.of("/root/.nvm"), Path.of("/home/ci/tools"));
    }

    @Test
    void aRunnerStartedInTheRootFolderDoesNotHideTheWholeSystem() throws Exception {
        SandboxSettings s = SandboxSettings.from(Settings.of(Map.of()), Map.of("PATH", binWith("bwrap").toString()),
                dir, Path.of("/"));
        assertThat(s.hiddenPaths()).doesNotContain(Path.of("/"));
    }

    @Test
    void withoutBubblewrapAndWithoutAChoiceTheRunnerMustNotStart() throws Exception {
        SandboxSettings s = read(Map.of(), binWith("socat").toString());

        assertThat(s.mode()).isEmpty();
        assertThat(s.explicit()).isFalse();
        assertThat(s.startupProblem()).hasValueSatisfying(m -> assertThat(m)
                .contains("apt-get install bubblewrap").contains("ROOMOTE_SANDBOX=none").doesNotContain("\n"));
        assertThatThrownBy(() -> Sandboxes.create(s)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("bubblewrap");
    }

    @Test
    void bubblewrapFoundThroughItsSetting() throws Exception {
        Path bwrap = binWith("my-bwrap").resolve("my-bwrap");
        SandboxSettings s = read(Map.of("ROOMOTE_BWRAP_PATH", bwrap.toString()), "/nonexistent");
        assertThat(s.mode()).contains(SandboxMode.BWRAP);
    }

    @Test
    void explicitNoneWarnsAtEveryStartAndNeedsNothing() throws Exception {
        SandboxSettings s = read(Map.of("ROOMOTE_SANDBOX", "none"), dir.toString());

        assertThat(s.mode()).contains(SandboxMode.NONE);
        assertThat(s.explicit()).isTrue();
        assertThat(s.startupProblem()).isEmpty();
        assertThat(s.startupWarning()).hasValueSatisfying(m -> assertThat(m)
                .contains("NOT contained").contains("secrets").doesNotContain("\n"));
        assertThat(Sandboxes.create(s)).isInstanceOf(NoSandbox.class);
    }

    @Test
    void explicitBwrapWithTheRealBubblewrapHasNoProblem() throws Exception {
        SandboxSettings s = read(Map.of("ROOMOTE_SANDBOX", " BWRAP "), System.getenv("PATH"));
        assertThat(s.mode()).contains(SandboxMode.BWRAP);
        assertThat(s.explicit()).isTrue();
        assertThat(s.startupProblem()).isEmpty();
        assertThat(Sandboxes.create(s)).isInstanceOf(BwrapSandbox.class);
    }

    @Test
    void explicitBwrapWithoutSocatSaysSo() throws Exception {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Files.createSymbolicLink(bin.resolve("bwrap"), Executables.find("bwrap", System.getenv("PATH")).orElseThrow());
        SandboxSettings s = read(Map.of("ROOMOTE_SANDBOX", "bwrap"), bin.toString());
        assertThat(s.startupProblem()).hasValueSatisfying(m -> assertThat(m).contains("apt-get install socat"));
    }

    @Test
    void explicitDockerWithoutDockerSaysWhatToInstall() throws Exception {
        SandboxSettings s = read(Map.of("ROOMOTE_SANDBOX", "docker"), binWith("bwrap").toString());
        assertThat(s.mode()).contains(SandboxMode.DOCKER);
        assertThat(s.startupProblem()).hasValueSatisfying(m -> assertThat(m)
                .contains("docker").contains("ROOMOTE_DOCKER_PATH").doesNotContain("\n"));
        assertThat(Sandboxes.create(s)).isInstanceOf(DockerSandbox.class);
    }

    @Test
    void dockerLimitsAreRead() throws Exception {
        SandboxSettings s = read(Map.of("ROOMOTE_SANDBOX", "docker", "ROOMOTE_WORKER_IMAGE", "registry.example.com:5000/team/worker@sha256:abc",
                "ROOMOTE_SANDBOX_CPUS", "1.5", "ROOMOTE_SANDBOX_MEMORY", "512m", "ROOMOTE_SANDBOX_PIDS", "200"), dir.toString());
        assertThat(s.workerImage()).isEqualTo("registry.example.com:5000/team/worker@sha256:abc");
        assertThat(s.cpus()).isEqualTo("1.5");
        assertThat(s.memory()).isEqualTo("512m");
        assertThat(s.pidsLimit()).isEqualTo(200);
    }

    @Test
    void badValuesNameTheSettingAndWhatItTakes() throws Exception {
        Map<String, String> cases = new HashMap<>();
        cases.put("ROOMOTE_SANDBOX=podman", "ROOMOTE_SANDBOX must be bwrap, docker or none, got 'podman'");
        cases.put("ROOMOTE_SANDBOX_CPUS=0", "ROOMOTE_SANDBOX_CPUS must be a number of CPUs above 0");
        cases.put("ROOMOTE_SANDBOX_CPUS=two", "ROOMOTE_SANDBOX_CPUS must be a number of CPUs above 0");
        cases.put("ROOMOTE_SANDBOX_MEMORY=4x", "ROOMOTE_SANDBOX_MEMORY must be an amount of memory");
        cases.put("ROOMOTE_SANDBOX_MEMORY=0g", "ROOMOTE_SANDBOX_MEMORY must be an amount of memory");
        cases.put("ROOMOTE_SANDBOX_PIDS=0", "ROOMOTE_SANDBOX_PIDS must be a whole number of at least 1, got '0'");
        cases.put("ROOMOTE_SANDBOX_PIDS=lots", "ROOMOTE_SANDBOX_PIDS must be a whole number of at least 1, got 'lots'");
        cases.put("ROOMOTE_WORKER_IMAGE=--privileged", "ROOMOTE_WORKER_IMAGE must be a docker image reference");
        cases.put("ROOMOTE_WORKER_IMAGE=img with space", "ROOMOTE_WORKER_IMAGE must be a docker image reference");
        cases.put("ROOMOTE_SANDBOX_HIDE=/ok:relative/dir", "ROOMOTE_SANDBOX_HIDE takes absolute host paths separated by ':', got 'relative/dir'");
        cases.put("ROOMOTE_SANDBOX_READ=tools", "ROOMOTE_SANDBOX_READ takes absolute host paths separated by ':', got 'tools'");
        cases.put("ROOMOTE_SANDBOX_HIDE=/", "ROOMOTE_SANDBOX_HIDE cannot name the root folder");
        String path = binWith("bwrap").toString();
        for (var c : cases.entrySet()) {
            String[] kv = c.getKey().split("=", 2);
            assertThatThrownBy(() -> read(Map.of(kv[0], kv[1]), path)).as(c.getKey())
                    .isInstanceOf(ConfigurationException.class).hasMessageStartingWith(c.getValue());
        }
    }

    @Test
    void anEmptySettingCountsAsUnset() throws Exception {
        SandboxSettings s = read(Map.of("ROOMOTE_SANDBOX", " "), binWith("bwrap").toString());
        assertThat(s.explicit()).isFalse();
        assertThat(s.mode()).isEqualTo(Optional.of(SandboxMode.BWRAP));
    }
}
