package io.roomote.core.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.roomote.core.jobs.Job;
import io.roomote.core.jobs.JobStatus;
import io.roomote.core.store.Json;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** Agent tokens and cost are read from any finished job's result by field name, whatever its type. */
class JobMetricsTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final JobMetrics metrics = new JobMetrics(registry);

    @Test
    void countsTokensAndCostByAgentAndModel() throws Exception {
        metrics.jobFinished(job(JobStatus.COMPLETED, 1,
                "{\"agent\":\"codex\",\"model\":\"gpt-5\",\"tokensIn\":1200,\"tokensOut\":300,\"costUsd\":0.25}"));
        metrics.jobFinished(job(JobStatus.FAILED, 3,
                "{\"agent\":\"codex\",\"model\":\"gpt-5\",\"tokensIn\":800,\"tokensOut\":null,\"costUsd\":0.5}"));
        metrics.jobFinished(job(JobStatus.COMPLETED, 1, "{\"tokensIn\":10}"));
        metrics.jobFinished(job(JobStatus.COMPLETED, 1, "[1, 2]"));

        assertThat(registry.get("roomote.agent.tokens").tags("agent", "codex", "model", "gpt-5", "direction", "in").counter().count())
                .isEqualTo(2000);
        assertThat(registry.get("roomote.agent.tokens").tags("agent", "codex", "model", "gpt-5", "direction", "out").counter().count())
                .isEqualTo(300);
        assertThat(registry.get("roomote.agent.cost.usd").tags("agent", "codex", "model", "gpt-5").counter().count())
                .isEqualTo(0.75);
        assertThat(registry.get("roomote.agent.tokens").tags("agent", "unknown", "model", "unknown", "direction", "in").counter().count())
                .isEqualTo(10);
        assertThat(registry.get("roomote.jobs.finished").tags("type", "t", "status", "completed").counter().count()).isEqualTo(3);
        assertThat(registry.get("roomote.job.attempts").tags("type", "t", "status", "failed").summary().totalAmount()).isEqualTo(3);
    }

    private static Job job(JobStatus status, int attempts, String result) throws Exception {
        JsonNode r = Json.newMapper().readTree(result);
        Instant now = Instant.now();
        return new Job(1, "t", status, null, r, null, null, attempts, 3, now, now, now, now, null, null, null, null,
                false, null);
    }
}
