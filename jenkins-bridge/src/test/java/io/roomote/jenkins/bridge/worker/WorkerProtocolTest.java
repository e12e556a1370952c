package io.roomote.jenkins.bridge.worker;

import io.roomote.jenkins.bridge.step.FixStepArgumentsTest;

import io.roomote.jenkins.bridge.step.FixStepArguments;
import io.roomote.jenkins.bridge.step.FixStepPlan;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class WorkerProtocolTest {

    @Test
    void theRequestFileNeverHoldsASecret() throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        FixStepPlan plan = new FixStepArguments(7, "acme/app", null, null, "codex", null, 10, null).plan(
                new FixStepArguments.Context(Map.of("GITHUB_API_URL", "https://api.github.com"),
                        Optional.of(FixStepArgumentsTest.TOKEN), Optional.of(FixStepArgumentsTest.KEY), List.of(), Map.of()));

        WorkerProtocol.Request request = WorkerProtocol.request(12, plan, mapper, 30, "/ws@tmp/roomote/work");
        String json = request.toJson(mapper);

        assertThat(json).doesNotContain(FixStepArgumentsTest.TOKEN).doesNotContain(FixStepArgumentsTest.KEY)
                .contains("\"GITHUB_API_URL\"").contains("\"agent\" : \"codex\"");
        WorkerProtocol.Request back = WorkerProtocol.Request.fromJson(mapper, json);
        assertThat(back).isEqualTo(request);
        assertThat(back.timeoutSeconds()).isEqualTo(600);
        assertThat(back.payload().get("issue").asInt()).isEqualTo(7);
    }

    @Test
    void theCommandStartsTheWorkerMainClass() {
        assertThat(WorkerProtocol.command(null, List.of("/a.jar", "/b.jar"), ":", "/ws@tmp/roomote/run-1"))
                .containsExactly("java", "-Xmx512m", "-Djava.awt.headless=true",
                        "-Dslf4j.internal.verbosity=ERROR", "-cp", "/a.jar:/b.jar",
                        "io.roomote.jenkins.bridge.worker.FixStepMain", "/ws@tmp/roomote/run-1");
        assertThat(WorkerProtocol.command("/opt/jdk/bin/java", List.of("x.jar"), ";", "c").get(0)).isEqualTo("/opt/jdk/bin/java");
    }

    @Test
    void exitCodesAreExplained() {
        assertThat(WorkerProtocol.explainExit(127, "java")).contains("\"java\" was not found").contains("Java 17");
        assertThat(WorkerProtocol.explainExit(143, "java")).contains("killed (signal 15)");
        assertThat(WorkerProtocol.explainExit(4, "java")).endsWith("see the log above");
    }
}
