package io.roomote.runner;

import io.roomote.core.testing.TestDatabases;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code ROOMOTE_LAUNCHER=docker} reaches the docker launcher from the controller role: a pending job makes the
 * controller run {@code docker run … worker --once}. No Docker engine runs here: {@code docker} is a recording
 * stand-in (a shell script that writes its arguments down and answers {@code ps} with nothing).
 */
class ControllerLauncherWiringTest {

    @TempDir
    Path temp;

    private RunnerFixture runner;

    @AfterEach
    void stop() {
        if (runner != null) {
            runner.close();
        }
    }

    @Test
    void aPendingJobMakesTheControllerRunADockerWorker() throws Exception {
        Path bin = Files.createDirectories(temp.resolve("bin"));
        Path calls = temp.resolve("docker-calls.txt");
        Path docker = bin.resolve("docker");
        Files.writeString(docker, "#!/bin/sh\necho \"$*\" >> '" + calls + "'\n"
                + "case \"$1\" in run) echo 0123456789abcdef ;; esac\nexit 0\n");
        Files.setPosixFilePermissions(docker, PosixFilePermissions.fromString("rwx------"));
        String db = TestDatabases.freshJdbcUrl();
        runner = new RunnerFixture(temp.resolve("home"), Map.of("DATABASE_URL", db,
                "ROOMOTE_LAUNCHER", "docker", "ROOMOTE_DOCKER", docker.toString(), "ROOMOTE_CONTROLLER_ID", "wiring-test",
                "ROOMOTE_SANDBOX", "none", "MAX_WORKERS", "2"), RoomoteService.Role.CONTROLLER);

        runner.enqueue("example.hello", "{\"name\":\"docker\"}");

        await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(calls)
                && Files.readString(calls).lines().anyMatch(l -> l.startsWith("run ")));
        String run = Files.readString(calls).lines().filter(l -> l.startsWith("run ")).findFirst().orElseThrow();
        assertThat(run).contains("--label io.roomote.controller=wiring-test").contains("--env-file")
                .endsWith("roomote/runner:latest worker --once");
        // The worker's settings travel in the env file, never on the command line.
        assertThat(run).doesNotContain("DATABASE_URL").doesNotContain(db.replaceAll("^jdbc:postgresql://", ""));
    }
}
