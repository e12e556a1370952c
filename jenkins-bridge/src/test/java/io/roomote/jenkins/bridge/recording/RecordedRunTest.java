package io.roomote.jenkins.bridge.recording;

import io.roomote.jenkins.bridge.step.FixStepArgumentsTest;

import io.roomote.jenkins.bridge.step.FixStepArguments;
import io.roomote.jenkins.bridge.step.FixStepPlan;
import io.roomote.jenkins.bridge.step.FixStepResult;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.roomote.core.jobs.Job;
import io.roomote.core.jobs.JobStatus;
import io.roomote.core.jobs.NewJob;
import io.roomote.core.store.Database;
import io.roomote.core.store.JobLogRepository;
import io.roomote.core.store.JobRepository;
import io.roomote.core.testing.TestDatabases;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** Jenkins runs recorded in a real PostgreSQL's cloud_jobs, as the standalone dashboard reads them. */
class RecordedRunTest {

    private final ObjectMapper mapper = new ObjectMapper();
    private final Database db = TestDatabases.fresh();
    private final JobRepository jobs = new JobRepository(db, mapper);

    @AfterEach
    void tearDown() {
        db.close();
    }

    private FixStepPlan plan(int issue) throws Exception {
        return new FixStepArguments(issue, "Acme/App", null, null, "claude", null, null, null).plan(
                new FixStepArguments.Context(Map.of(), Optional.of(FixStepArgumentsTest.TOKEN), Optional.empty(), List.of(), Map.of()));
    }

    @Test
    void aRunIsProcessingWhileItRunsThenCompletedWithItsResult() throws Exception {
        RecordedRun run = RecordedRun.begin(db, mapper, plan(7), "jenkins:https://ci.example.com/job/fix/12/", Duration.ofMinutes(35));

        Job row = jobs.find(run.jobId()).orElseThrow();
        assertThat(row.status()).isEqualTo(JobStatus.PROCESSING);
        assertThat(row.type()).isEqualTo("github.issue.fix");
        assertThat(row.payload()).isEqualTo(mapper.readTree("{\"repo\":\"Acme/App\",\"issue\":7,\"agent\":\"claude\"}"));
        assertThat(row.payload().toString()).doesNotContain(FixStepArgumentsTest.TOKEN);
        assertThat(row.dedupeKey()).isEqualTo("acme/app#7");
        // The labels the fix type gives, so the lists' repo= and issue= filters find Jenkins runs too.
        assertThat(row.labels()).isEqualTo(Map.of("repo", "Acme/App", "issue", "7"));
        assertThat(row.leaseOwner()).isEqualTo("jenkins:https://ci.example.com/job/fix/12/");
        assertThat(row.attempts()).isEqualTo(1);
        assertThat(row.maxAttempts()).isEqualTo(1);
        assertThat(row.startedAt()).isNotNull();
        assertThat(row.leaseExpiresAt()).isAfter(row.startedAt().plus(Duration.ofMinutes(34)));
        // A standalone enqueue of the same issue meanwhile finds this run.
        JobRepository.Inserted dup = jobs.insert(new NewJob("github.issue.fix", mapper.readTree("{\"repo\":\"acme/app\",\"issue\":7}"),
                "acme/app#7", null), 3);
        assertThat(dup.created()).isFalse();
        assertThat(dup.job().id()).isEqualTo(run.jobId());
        // No queue worker claims it.
        assertThat(jobs.claim("runner-1", 5, Duration.ofMinutes(1), List.of("github.issue.fix"))).isEmpty();

        run.log("INFO", "run by Jenkins: https://ci.example.com/job/fix/12/");
        boolean recorded = run.finish(new FixStepResult(run.jobId(), "Acme/App", 7, "completed", "pr_opened",
                "https://github.com/acme/app/pull/101", 101, "fix-7", null, 1, "claude", null, 0.25, null, null, 1000L,
                null, null), mapper);

        assertThat(recorded).isTrue();
        Job done = jobs.find(run.jobId()).orElseThrow();
        assertThat(done.status()).isEqualTo(JobStatus.COMPLETED);
        assertThat(done.completedAt()).isNotNull();
        assertThat(done.result().get("prUrl").asText()).isEqualTo("https://github.com/acme/app/pull/101");
        assertThat(done.madeUrl()).as("finished as pr on the dashboard").isEqualTo("https://github.com/acme/app/pull/101");
        assertThat(done.leaseOwner()).isNull();
        assertThat(new JobLogRepository(db).read(run.jobId(), 0, 100)).extracting(l -> l.line())
                .containsExactly("run by Jenkins: https://ci.example.com/job/fix/12/",
                        "Roomote Acme/App#7: pull request https://github.com/acme/app/pull/101 — pr_opened, cost $0.25");
    }

    @Test
    void failuresAndCancelsAreRecordedAsSuch() throws Exception {
        RecordedRun begun = RecordedRun.begin(db, mapper, plan(8), "jenkins:x", Duration.ofMinutes(5));
        // As after a controller restart: only the id and the lease token were kept.
        RecordedRun failed = RecordedRun.resume(db, mapper, begun.jobId(), begun.token());
        assertThat(RecordedRun.resume(db, mapper, begun.jobId(), begun.token() + 1000)
                .finish(FixStepResult.failedWithoutResult(begun.jobId(), "Acme/App", 8, "not mine"), mapper)).isFalse();
        failed.finish(FixStepResult.failedWithoutResult(failed.jobId(), "Acme/App", 8, "worker died"), mapper);
        assertThat(jobs.find(failed.jobId()).orElseThrow()).satisfies(j -> {
            assertThat(j.status()).isEqualTo(JobStatus.FAILED);
            assertThat(j.error()).isEqualTo("worker died");
        });

        RecordedRun cancelled = RecordedRun.begin(db, mapper, plan(9), "jenkins:x", Duration.ofMinutes(5));
        assertThat(cancelled.cancelRequested()).isFalse();
        jobs.requestCancel(cancelled.jobId());
        assertThat(cancelled.cancelRequested()).isTrue();
        cancelled.finish(new FixStepResult(cancelled.jobId(), "Acme/App", 9, "cancelled", "cancelled", null, null, null,
                "roomote/wip/9-" + cancelled.jobId(), null, null, null, null, null, null, null, "cancelled by request", null), mapper);
        assertThat(jobs.find(cancelled.jobId()).orElseThrow().status()).isEqualTo(JobStatus.CANCELLED);
    }

    @Test
    void anIssueAlreadyActiveElsewhereIsRecordedWithoutTheKey() throws Exception {
        long standalone = jobs.insert(new NewJob("github.issue.fix", mapper.readTree("{\"repo\":\"acme/app\",\"issue\":10}"),
                "acme/app#10", null), 3).job().id();

        RecordedRun run = RecordedRun.begin(db, mapper, plan(10), "jenkins:x", Duration.ofMinutes(5));

        assertThat(run.heldBy()).contains(standalone);
        assertThat(run.jobId()).isNotEqualTo(standalone);
        assertThat(jobs.find(run.jobId()).orElseThrow().dedupeKey()).isNull();
    }

    @Test
    void aRunWhoseJenkinsDiedIsFailedByTheReaperWhenItsLeaseExpires() throws Exception {
        RecordedRun run = RecordedRun.begin(db, mapper, plan(11), "jenkins:https://ci.example.com/job/fix/13/", Duration.ofMillis(1));
        Thread.sleep(20);

        List<Job> reclaimed = jobs.reclaimExpired(new io.roomote.core.util.Backoff(Duration.ofSeconds(1), Duration.ofMinutes(1)));

        assertThat(reclaimed).singleElement().satisfies(j -> {
            assertThat(j.id()).isEqualTo(run.jobId());
            assertThat(j.status()).isEqualTo(JobStatus.FAILED);
            assertThat(j.error()).contains("jenkins:https://ci.example.com/job/fix/13/").contains("no attempts left");
        });
        assertThat(run.finish(FixStepResult.failedWithoutResult(run.jobId(), "Acme/App", 11, "late"), mapper)).isFalse();
    }
}
