package io.roomote.jenkins.bridge.worker;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The chosen agent's program must be on the worker's PATH; otherwise one line says what to do. */
class AgentPresenceTest {

    @TempDir
    Path bin;

    private Path executable(String name) throws Exception {
        Path p = Files.writeString(bin.resolve(name), "#!/bin/sh\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        return p;
    }

    @Test
    void theDefaultAgentIsACommandLineAgentOfTheWorkerImage() throws Exception {
        String dockerfile = Files.readString(Path.of("..", "Dockerfile.worker"));
        assertThat(AgentPresence.DEFAULT_AGENT).isEqualTo("opencode");
        assertThat(dockerfile).contains("opencode-ai@");
    }

    @Test
    void aMissingCliAgentIsReported() throws Exception {
        executable("claude");
        String path = bin + File.pathSeparator + "/nonexistent";

        assertThat(AgentPresence.missing("claude", Map.of(), path)).isEmpty();
        assertThat(AgentPresence.missing("codex", Map.of(), path)).hasValueSatisfying(m -> assertThat(m)
                .startsWith("agent 'codex' cannot run: \"codex\" was not found on the PATH").contains("ROOMOTE_CODEX_PATH"));
        assertThat(AgentPresence.missing("codex", Map.of("ROOMOTE_CODEX_PATH", executable("my-codex").toString()), "")).isEmpty();
    }

    @Test
    void rooCodeWithoutVsCodePointsAtTheVsCodeImageOrACliAgent() throws Exception {
        assertThat(AgentPresence.missing("roo-code", Map.of(), bin.toString())).hasValueSatisfying(m -> assertThat(m)
                .contains("\"code\" was not found").contains("Dockerfile.worker").contains("opencode"));
        executable("code");
        assertThat(AgentPresence.missing("roo-code", Map.of(), bin.toString())).isEmpty();
    }

    @Test
    void otherAgentsAreNotChecked() {
        assertThat(AgentPresence.missing("command", Map.of(), "")).isEmpty();
        assertThat(AgentPresence.missing(null, Map.of(), "")).isEmpty();
    }
}
