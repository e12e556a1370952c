package io.roomote.core.types;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.roomote.core.config.Settings;
import io.roomote.core.jobs.Job;
import io.roomote.core.jobs.JobStatus;
import io.roomote.core.store.Json;
import io.roomote.core.testing.EchoJobType;
import io.roomote.spi.Configuration;
import io.roomote.spi.JobContext;
import io.roomote.spi.JobType;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the platform says of a job comes from its type: here, the agent named in a Slack thread's first message.
 * The runner once decided that itself, by the fix job types' names and a payload field called {@code agent}.
 */
class JobDescriptionsTest {

    private static final ObjectMapper JSON = Json.newMapper();

    /** A job type that is not a GitHub one and still drives an agent: its payload says which, else a setting. */
    static final class Translate implements JobType<Translate.Payload, Object> {
        record Payload(String text, String engine) {
        }

        @Override
        public String id() {
            return "team.translate";
        }

        @Override
        public Class<Payload> payloadType() {
            return Payload.class;
        }

        @Override
        public Optional<String> agent(Payload payload, Configuration config) {
            return Optional.of(payload.engine() != null ? payload.engine() : config.get("TRANSLATE_AGENT", "opencode"));
        }

        @Override
        public Object run(Payload payload, JobContext context) {
            return null;
        }
    }

    private final JobDescriptions descriptions = new JobDescriptions(JobTypeRegistry.of(new Translate(), new EchoJobType()),
            JSON, Settings.of(Map.of("TRANSLATE_AGENT", "claude")));

    @Test
    void theAgentIsTheOneTheJobsTypeNamesForItsPayload() throws Exception {
        assertThat(descriptions.agentOf(job("team.translate", "{\"text\":\"hi\",\"engine\":\"codex\"}"))).contains("codex");
        assertThat(descriptions.agentOf(job("team.translate", "{\"text\":\"hi\"}"))).contains("claude");
    }

    @Test
    void aTypeThatNamesNoAgentAPayloadThatDoesNotBindOrAnUnknownTypeGiveNone() throws Exception {
        // A payload field called "agent" means nothing to the platform by itself.
        assertThat(descriptions.agentOf(job("test.echo", "{\"message\":\"x\",\"agent\":\"codex\"}"))).isEmpty();
        assertThat(descriptions.agentOf(job("team.translate", "{\"text\":{\"not\":\"a string\"}}"))).isEmpty();
        assertThat(descriptions.agentOf(job("gone.type", "{\"agent\":\"codex\"}"))).isEmpty();
        assertThat(descriptions.agentOf(job("team.translate", "[1]"))).isEmpty();
    }

    private static Job job(String type, String payload) throws Exception {
        Instant now = Instant.now();
        return new Job(7, type, JobStatus.PENDING, JSON.readTree(payload), null, null, null, 0, 3, now, now, null, null,
                null, null, null, null, false, null);
    }
}
