package io.roomote.core.store;

import io.roomote.core.jobs.JobStatus;
import io.roomote.core.jobs.Lease;
import io.roomote.core.jobs.NewJob;
import io.roomote.core.testing.QueueFixture;
import io.roomote.spi.ModelCall;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;

import static io.roomote.core.testing.QueueFixture.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The model calls kept with a job, on a real (embedded) PostgreSQL migrated by the real migrations. */
class ModelCallRepositoryTest {

    private static final List<String> TYPES = List.of("test.calls");
    private static final Instant AT = Instant.parse("2026-11-30T12:00:00.123456Z");

    private final QueueFixture fixture = new QueueFixture();
    private final JobRepository jobs = fixture.repository();
    private final ModelCallRepository calls = new ModelCallRepository(fixture.database());

    @AfterEach
    void close() {
        fixture.close();
    }

    private long newJob() {
        return jobs.insert(NewJob.of("test.calls", json("{}")), 3).job().id();
    }

    private static ModelCall call(String model, Long in, Long out, Double cost, int status, String error) {
        return new ModelCall(AT, "openrouter", model, in, out, cost, status, 1234, error);
    }

    @Test
    void storesEveryFieldAndListsOldestFirstWithTotals() {
        long id = newJob();
        calls.record(id, 1, call("anthropic/claude-sonnet-4", 1200L, 340L, 0.0123, 200, null));
        calls.record(id, 1, new ModelCall(AT.plusSeconds(5), "anthropic", null, null, null, null, 402, 3,
                "budget of $1.00 spent"));
        calls.record(id, 1, call("openai/gpt-4.1", 800L, 60L, 0.5, 200, null));

        List<ModelCallRepository.StoredModelCall> stored = calls.list(id, 100);

        assertThat(stored).extracting(s -> s.call().model())
                .containsExactly("anthropic/claude-sonnet-4", null, "openai/gpt-4.1");
        assertThat(stored.get(0).jobId()).isEqualTo(id);
        assertThat(stored.get(0).call()).isEqualTo(call("anthropic/claude-sonnet-4", 1200L, 340L, 0.0123, 200, null));
        assertThat(stored.get(1).call()).isEqualTo(new ModelCall(AT.plusSeconds(5), "anthropic", null, null, null, null,
                402, 3, "budget of $1.00 spent"));
        assertThat(calls.totals(id)).isEqualTo(new ModelCallRepository.Totals(3, 2000, 400, 0.5123));
        assertThat(calls.list(id, 2)).hasSize(2);
        assertThat(calls.list(id, stored.get(0).id(), 100)).extracting(ModelCallRepository.StoredModelCall::id)
                .containsExactly(stored.get(1).id(), stored.get(2).id());
        assertThat(calls.tail(id, 2)).extracting(s -> s.call().model()).containsExactly(null, "openai/gpt-4.1");
    }

    @Test
    void aJobWithoutCallsHasEmptyTotalsAndACostOnlyWhenSomeCallHadOne() {
        long none = newJob();
        long unpriced = newJob();
        calls.record(unpriced, 1, call("m", 10L, null, null, 200, null));

        assertThat(calls.list(none, 10)).isEmpty();
        assertThat(calls.totals(none)).isEqualTo(ModelCallRepository.Totals.NONE);
        assertThat(calls.totals(unpriced)).isEqualTo(new ModelCallRepository.Totals(1, 10, 0, null));
    }

    @Test
    void callsAreLabelledWithTheirRunAcrossARetryByHandAsTheLogIs() {
        long id = newJob();
        Lease first = jobs.claim("runner-a", 1, Duration.ofMinutes(1), TYPES).get(0);
        calls.record(id, first.job().attempts(), new ModelCall(Instant.now(), "p", "first", 1L, 1L, null, 200, 1, null));
        assertThat(jobs.fail(id, first.token(), "boom", null)).isTrue();
        assertThat(jobs.requeue(id)).isPresent();
        Lease second = jobs.claim("runner-b", 1, Duration.ofMinutes(1), TYPES).get(0);
        calls.record(id, second.job().attempts(), new ModelCall(Instant.now(), "p", "second", 1L, 1L, null, 200, 1, null));

        assertThat(second.job().attempts()).as("a retry by hand starts the attempts again").isEqualTo(1);
        assertThat(calls.list(id, 10)).extracting(s -> s.call().model() + "@" + s.run())
                .containsExactly("first@1", "second@2");
    }

    @Test
    void aJobWithNoRecordedRunKeepsTheAttemptNumber() {
        // A Jenkins step's row is inserted as processing, so no run is recorded for it.
        long id = newJob();
        calls.record(id, 1, call("m", 1L, 1L, null, 200, null));

        assertThat(calls.list(id, 10).get(0).run()).isEqualTo(1);
    }

    @Test
    void longAndUnstorableTextsAreBoundedAtInsert() {
        long id = newJob();
        String longModel = "m".repeat(5_000);
        String longError = "e".repeat(ModelCallRepository.MAX_ERROR - 1) + "\uD83D\uDE00" + "tail";
        calls.record(id, 1, new ModelCall(AT, "p".repeat(1_000), longModel, 1L, 1L, null, 502, 9, longError));
        calls.record(id, 1, new ModelCall(AT, "p", "nul\0model\uD800", 1L, 1L, null, 200, 9, null));

        List<ModelCallRepository.StoredModelCall> stored = calls.list(id, 10);
        ModelCall bounded = stored.get(0).call();
        assertThat(bounded.provider()).hasSize(ModelCallRepository.MAX_PROVIDER).endsWith("…");
        assertThat(bounded.model()).hasSize(ModelCallRepository.MAX_MODEL).startsWith("mmm").endsWith("…");
        assertThat(bounded.error()).hasSizeLessThanOrEqualTo(ModelCallRepository.MAX_ERROR).endsWith("e…")
                .as("never half a surrogate pair").doesNotContain("\uD83D");
        assertThat(stored.get(1).call().model()).isEqualTo("nul\uFFFDmodel\uFFFD");
    }

    @Test
    void boundingKeepsTextsThatFitAsTheyAre() {
        assertThat(ModelCallRepository.bounded("abcde", 5)).isEqualTo("abcde");
        assertThat(ModelCallRepository.bounded("abcdef", 5)).isEqualTo("abcd…");
        assertThat(ModelCallRepository.bounded("abcd\uD83D\uDE00", 6)).isEqualTo("abcd\uD83D\uDE00");
        assertThat(ModelCallRepository.bounded("abcd\uD83D\uDE00x", 6)).isEqualTo("abcd…");
        assertThat(ModelCallRepository.bounded(null, 5)).isNull();
    }

    @Test
    void aCallOfAJobThatDoesNotExistIsRefusedWithAStoreException() {
        assertThatThrownBy(() -> calls.record(987_654, 1, call("m", 1L, 1L, null, 200, null)))
                .isInstanceOf(StoreException.class).hasMessageContaining("987654");
    }

    @Test
    void deletingAJobDeletesItsCalls() {
        long id = newJob();
        Lease lease = jobs.claim("runner-a", 1, Duration.ofMinutes(1), TYPES).get(0);
        calls.record(id, 1, call("m", 1L, 1L, 0.1, 200, null));
        assertThat(jobs.complete(id, lease.token(), null)).isTrue();
        long kept = newJob();
        calls.record(kept, 1, call("kept", 1L, 1L, 0.1, 200, null));

        assertThat(fixture.start(false, java.util.Map.of()).queue().delete(id).outcome())
                .isEqualTo(io.roomote.core.queue.JobQueue.DeleteOutcome.DELETED);

        assertThat(callRows(id)).isZero();
        assertThat(calls.list(kept, 10)).hasSize(1);
    }

    @Test
    void cleaningOldJobsDeletesTheirCalls() {
        long id = newJob();
        Lease lease = jobs.claim("runner-a", 1, Duration.ofMinutes(1), TYPES).get(0);
        calls.record(id, 1, call("m", 1L, 1L, 0.1, 200, null));
        assertThat(jobs.fail(id, lease.token(), "boom", null)).isTrue();
        fixture.sql("UPDATE cloud_jobs SET completed_at = now() - interval '40 days' WHERE id = " + id);
        long active = newJob();
        calls.record(active, 1, call("kept", 1L, 1L, 0.1, 200, null));

        long deleted = fixture.start(false, java.util.Map.of()).queue()
                .clean(EnumSet.of(JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED), Duration.ofDays(30));

        assertThat(deleted).isEqualTo(1);
        assertThat(callRows(id)).isZero();
        assertThat(calls.list(active, 10)).hasSize(1);
    }

    private long callRows(long jobId) {
        try (var c = fixture.database().connection();
             var ps = c.prepareStatement("SELECT count(*) FROM cloud_job_model_calls WHERE job_id = ?")) {
            ps.setLong(1, jobId);
            try (var rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
