package io.roomote.core.store;

import io.roomote.core.jobs.Lease;
import io.roomote.core.jobs.NewJob;
import io.roomote.core.testing.QueueFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static io.roomote.core.testing.QueueFixture.json;
import static org.assertj.core.api.Assertions.assertThat;

/** Pausing a job type in the database stops every runner's claims of it; resuming lets them claim again. */
class JobTypePausesTest {

    private static final List<String> TYPES = List.of("test.paused", "test.other");

    private final QueueFixture fixture = new QueueFixture();
    private final JobRepository jobs = fixture.repository();
    private final JobTypePauses pauses = new JobTypePauses(fixture.database());

    @AfterEach
    void close() {
        fixture.close();
    }

    @Test
    void noRunnerClaimsAPausedTypeUntilItIsResumed() {
        long paused = jobs.insert(NewJob.of("test.paused", json("{}")), 3).job().id();
        long other = jobs.insert(NewJob.of("test.other", json("{}")), 3).job().id();

        assertThat(pauses.pause("test.paused", "test")).isTrue();
        assertThat(pauses.pause("test.paused", "test")).as("already paused").isFalse();
        List<Lease> runnerA = jobs.claim("runner-a", 10, Duration.ofMinutes(1), TYPES);
        List<Lease> runnerB = jobs.claim("runner-b", 10, Duration.ofMinutes(1), TYPES);

        assertThat(runnerA).extracting(Lease::jobId).containsExactly(other);
        assertThat(runnerB).isEmpty();
        assertThat(pauses.paused()).singleElement().satisfies(p -> {
            assertThat(p.type()).isEqualTo("test.paused");
            assertThat(p.by()).isEqualTo("test");
            assertThat(p.since()).isNotNull();
        });

        assertThat(pauses.resume("test.paused")).isTrue();
        assertThat(pauses.resume("test.paused")).as("not paused any more").isFalse();
        assertThat(pauses.paused()).isEmpty();
        assertThat(jobs.claim("runner-b", 10, Duration.ofMinutes(1), TYPES)).extracting(Lease::jobId).containsExactly(paused);
    }
}
