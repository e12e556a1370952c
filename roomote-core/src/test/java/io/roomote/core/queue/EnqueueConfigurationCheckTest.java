package io.roomote.core.queue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.roomote.core.testing.QueueFixture;
import io.roomote.spi.Configuration;
import io.roomote.spi.JobContext;
import io.roomote.spi.JobType;
import io.roomote.spi.ValidationProblem;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.roomote.core.testing.QueueFixture.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A job its type cannot run with the runner's settings is refused at enqueue, with nothing written. */
class EnqueueConfigurationCheckTest {

    /** Needs TEST_TOKEN to run; the payload's "tool" must be one whose key TOOL_KEY is set. */
    static final class NeedsToken implements JobType<ObjectNode, Object> {
        @Override
        public String id() {
            return "test.needs-token";
        }

        @Override
        public Class<ObjectNode> payloadType() {
            return ObjectNode.class;
        }

        @Override
        public List<ValidationProblem> configurationProblems(ObjectNode payload, Configuration config) {
            if (config.get("TEST_TOKEN").isEmpty()) {
                return List.of(new ValidationProblem("", "TEST_TOKEN is not set"));
            }
            if (payload.has("tool") && config.get("TOOL_KEY").isEmpty()) {
                return List.of(new ValidationProblem("tool", "needs TOOL_KEY"));
            }
            return List.of();
        }

        @Override
        public Object run(ObjectNode payload, JobContext context) {
            return null;
        }
    }

    private final QueueFixture fixture = new QueueFixture();

    @AfterEach
    void close() {
        fixture.close();
    }

    private static long jobs(JobQueue queue) {
        return queue.list(io.roomote.core.store.JobSearchRepository.Filter.ALL, null, 500).jobs().size();
    }

    @Test
    void aJobTheConfigurationCannotRunIsRefusedWithThePathAndReason() {
        JobQueue queue = fixture.start(false, Map.of(), new NeedsToken()).queue();

        assertThatThrownBy(() -> queue.enqueue(request("test.needs-token", "{}")))
                .isInstanceOfSatisfying(InvalidJobException.class, e -> assertThat(e.problems())
                        .containsExactly(new ValidationProblem("payload", "TEST_TOKEN is not set")));
        assertThat(jobs(queue)).isZero();
    }

    @Test
    void theProblemOfAFieldNamesTheField() {
        JobQueue queue = fixture.start(false, Map.of("TEST_TOKEN", "t0ken"), new NeedsToken()).queue();

        assertThatThrownBy(() -> queue.enqueue(request("test.needs-token", "{\"tool\":\"x\"}")))
                .isInstanceOfSatisfying(InvalidJobException.class, e -> assertThat(e.problems())
                        .containsExactly(new ValidationProblem("payload.tool", "needs TOOL_KEY")));
        assertThat(queue.enqueue(request("test.needs-token", "{}")).created()).isTrue();
        assertThat(jobs(queue)).isOne();
    }
}
