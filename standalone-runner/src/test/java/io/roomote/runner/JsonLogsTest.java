package io.roomote.runner;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code ROOMOTE_LOG_FORMAT}: the process log of a real {@code roomote serve} as JSON lines with the job's MDC. */
class JsonLogsTest {

    @TempDir
    Path home;
    @TempDir
    Path out;

    @Test
    void everyLineIsJsonAndLinesAboutAJobCarryItsIdTypeAttemptAndRunner() throws Exception {
        List<JsonNode> lines = new ArrayList<>();
        long ok;
        long failed;
        try (RunnerProcess runner = new RunnerProcess(home, out.resolve("out.log"), Map.of("ROOMOTE_LOG_FORMAT", "json",
                "ROOMOTE_RUNNER_ID", "runner-json-test"))) {
            runner.awaitHealthy(Duration.ofSeconds(120));
            ok = runner.enqueue("example.hello", "{\"name\":\"Ada\"}");
            failed = runner.enqueue("example.hello", "{\"name\":\"nobody\"}");
            runner.awaitStatus(ok, "completed", Duration.ofSeconds(30));
            runner.awaitStatus(failed, "failed", Duration.ofSeconds(30));
            for (String line : runner.output().split("\n")) {
                if (!line.isBlank()) {
                    lines.add(RunnerFixture.MAPPER.readTree(line)); // throws on a line that is not JSON
                }
            }
        }
        assertThat(lines).isNotEmpty().allSatisfy(l -> {
            assertThat(l.get("level").isTextual()).isTrue();
            assertThat(l.get("loggerName").isTextual()).isTrue();
            assertThat(l.get("formattedMessage").isTextual()).isTrue();
        });
        for (long id : List.of(ok, failed)) {
            List<JsonNode> aboutJob = lines.stream()
                    .filter(l -> l.get("formattedMessage").asText().matches("(?s).*\\bjob " + id + "\\b.*")).toList();
            assertThat(aboutJob).as("lines about job %d", id).isNotEmpty().allSatisfy(l -> {
                JsonNode mdc = l.get("mdc");
                assertThat(mdc.path("jobId").asText()).isEqualTo(String.valueOf(id));
                assertThat(mdc.path("jobType").asText()).isEqualTo("example.hello");
                assertThat(mdc.path("attempt").asText()).isEqualTo("1");
                assertThat(mdc.path("runner").asText()).isEqualTo("runner-json-test");
            });
        }
        // Only the threads running a job carry its fields: pooled threads are cleared after each attempt.
        assertThat(lines.stream().filter(l -> l.path("mdc").has("jobId")).map(l -> l.get("threadName").asText()))
                .isNotEmpty().allMatch(t -> t.startsWith("roomote-worker-") || t.startsWith("roomote-job-"));
    }

    @Test
    void anUnknownFormatIsOneLineAndExitCode2() throws Exception {
        try (RunnerProcess runner = new RunnerProcess(home, out.resolve("bad.log"), Map.of("ROOMOTE_LOG_FORMAT", "xml"))) {
            assertThat(runner.awaitExit(Duration.ofSeconds(60))).isTrue();
            assertThat(runner.process().exitValue()).isEqualTo(2);
            assertThat(runner.output().strip()).isEqualTo(
                    "roomote: ROOMOTE_LOG_FORMAT must be text or json, got 'xml'; unset it for text");
        }
    }
}
