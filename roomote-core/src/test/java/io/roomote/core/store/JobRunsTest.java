package io.roomote.core.store;

import io.roomote.core.jobs.JobLogLine;
import io.roomote.core.jobs.Lease;
import io.roomote.core.jobs.NewJob;
import io.roomote.core.testing.QueueFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static io.roomote.core.testing.QueueFixture.json;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 15: after a retry by hand the attempts start again at 1, and the log showed two runs both labelled
 * attempt 1 while the job's fields kept only the last run. Every run is recorded with its own times and outcome,
 * and its log lines carry its run number.
 */
class JobRunsTest {

    private static final List<String> TYPES = List.of("test.runs");

    private final QueueFixture fixture = new QueueFixture();
    private final JobRepository jobs = fixture.repository();
    private final JobLogRepository logs = new JobLogRepository(fixture.database());
    private final JobSearchRepository search = new JobSearchRepository(fixture.database(), QueueFixture.MAPPER);

    @AfterEach
    void close() {
        fixture.close();
    }

    @Test
    void eachRunHasItsOwnTimesOutcomeAndLogSectionAcrossARetryByHand() {
        long id = jobs.insert(NewJob.of("test.runs", json("{}")), 1).job().id();

        Lease first = jobs.claim("runner-a", 1, Duration.ofMinutes(1), TYPES).get(0);
        logs.append(List.of(new JobLogRepository.Entry(id, first.job().attempts(), "info", "first run", Instant.now())));
        assertThat(jobs.fail(id, first.token(), "boom", null)).isTrue();
        assertThat(jobs.requeue(id)).isPresent();
        Lease second = jobs.claim("runner-b", 1, Duration.ofMinutes(1), TYPES).get(0);
        logs.append(List.of(new JobLogRepository.Entry(id, second.job().attempts(), "info", "second run", Instant.now())));

        assertThat(second.job().attempts()).as("a retry by hand starts the attempts again").isEqualTo(1);
        List<JobSearchRepository.Run> runs = search.runs(id);
        assertThat(runs).hasSize(2);
        assertThat(runs.get(0)).satisfies(r -> {
            assertThat(r.run()).isEqualTo(1);
            assertThat(r.attempt()).isEqualTo(1);
            assertThat(r.runner()).isEqualTo("runner-a");
            assertThat(r.status()).isEqualTo("failed");
            assertThat(r.error()).isEqualTo("boom");
            assertThat(r.finishedAt()).isAfterOrEqualTo(r.startedAt());
        });
        assertThat(runs.get(1)).satisfies(r -> {
            assertThat(r.run()).isEqualTo(2);
            assertThat(r.attempt()).isEqualTo(1);
            assertThat(r.runner()).isEqualTo("runner-b");
            assertThat(r.finishedAt()).isNull();
            assertThat(r.status()).isNull();
        });
        assertThat(logs.read(id, 0, 10)).extracting(JobLogLine::line, JobLogLine::attempt)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("first run", 1), org.assertj.core.groups.Tuple.tuple("second run", 2));

        assertThat(jobs.complete(id, second.token(), null)).isTrue();
        assertThat(search.runs(id).get(1).status()).isEqualTo("completed");
    }
}
