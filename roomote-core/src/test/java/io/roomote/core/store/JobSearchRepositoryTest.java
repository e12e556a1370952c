package io.roomote.core.store;

import io.roomote.core.jobs.JobStatus;
import io.roomote.core.jobs.FinishedAs;
import io.roomote.core.store.JobSearchRepository.Filter;
import io.roomote.core.testing.TestDatabases;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The dashboard's queries on a real PostgreSQL, including the paths that only large tables take. */
class JobSearchRepositoryTest {

    private Database db;
    private JobSearchRepository search;

    @BeforeEach
    void setUp() {
        db = TestDatabases.fresh();
        search = new JobSearchRepository(db, Json.newMapper());
    }

    @AfterEach
    void tearDown() {
        db.close();
    }

    private void sql(String... statements) {
        try (Connection c = db.connection(); Statement st = c.createStatement()) {
            for (String s : statements) {
                st.execute(s);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String rows(int n, String status, String payload, String completedAgo) {
        return "INSERT INTO cloud_jobs (type, status, payload, started_at, completed_at) SELECT 't', '" + status + "', "
                + payload + ", now() - " + completedAgo + " - interval '1 minute', "
                + (status.equals("pending") || status.equals("processing") ? "NULL" : "now() - " + completedAgo)
                + " FROM generate_series(1, " + n + ") g";
    }

    @Test
    void countsAreExactUpToTheLimitAndTheEstimateAboveIt() {
        sql(rows(12_000, "completed", "jsonb_build_object('name', 'n' || g)", "interval '2 hours'"),
                rows(7, "failed", "'{}'", "interval '2 hours'"),
                "ANALYZE cloud_jobs");

        var counts = search.counts();

        assertThat(counts.get(JobStatus.FAILED)).isEqualTo(new QueueStats.StatusCount(7, false));
        assertThat(counts.get(JobStatus.PENDING)).isEqualTo(new QueueStats.StatusCount(0, false));
        assertThat(counts.get(JobStatus.COMPLETED).estimated()).isTrue();
        assertThat(counts.get(JobStatus.COMPLETED).value()).isBetween(10_001L, 14_000L);
    }

    @Test
    void textSearchFindsCommonWordsAmongTheNewestAndRareOnesBeyondTheWindow() {
        sql("INSERT INTO cloud_jobs (type, status, payload) VALUES ('t', 'completed', '{\"title\": \"the rare needle\"}')",
                rows(JobSearchRepository.TEXT_WINDOW + 500, "completed", "jsonb_build_object('title', 'common words ' || g)",
                        "interval '1 hour'"));

        var rare = search.search(new Filter(null, null, null, null, "NEEDLE"), null, null, 10);
        var common = search.search(new Filter(null, null, null, null, "common words"), null, null, 10);
        var older = search.search(new Filter(null, null, null, null, "common words"), common.olderCursor(), null, 10);
        var none = search.search(new Filter(JobStatus.FAILED, null, null, null, "common"), null, null, 10);
        var escaped = search.search(new Filter(null, null, null, null, "%"), null, null, 10);

        assertThat(rare.jobs()).extracting(JobSearchRepository.Summary::title).containsExactly("the rare needle");
        assertThat(rare.olderCursor()).isNull();
        assertThat(common.jobs()).hasSize(10);
        assertThat(common.olderCursor()).isNotNull();
        assertThat(common.jobs().get(0).id()).isGreaterThan(common.jobs().get(9).id());
        assertThat(older.jobs()).hasSize(10);
        assertThat(older.jobs().get(0).id()).isLessThan(common.jobs().get(9).id());
        assertThat(none.jobs()).isEmpty();
        assertThat(escaped.jobs()).as("% is a character, not a wildcard").isEmpty();
    }

    @Test
    void statsCountThroughputPerHourLatencyAndTheLocalRunner() {
        sql(rows(3, "completed", "'{}'", "interval '10 minutes'"),
                rows(2, "failed", "'{}'", "interval '20 minutes'"),
                rows(4, "completed", "'{}'", "interval '5 hours 10 minutes'"),
                rows(1, "completed", "'{}'", "interval '3 days'"),
                "INSERT INTO cloud_jobs (type, status, payload, created_at, run_at, started_at, lease_owner, heartbeat_at)"
                        + " VALUES ('t', 'processing', '{}', now(), now(), now(), 'other-runner', now())",
                "INSERT INTO cloud_jobs (type, status, payload, created_at) VALUES ('t', 'pending', '{}', now() - interval '3 minutes')");

        QueueStats stats = search.stats("me", 5);

        assertThat(stats.throughput().lastHour(FinishedAs.COMPLETED)).isEqualTo(3);
        assertThat(stats.throughput().lastHour(FinishedAs.FAILED)).isEqualTo(2);
        assertThat(stats.throughput().finishedLastDay()).isEqualTo(9);
        assertThat(stats.throughput().hourly()).hasSize(24);
        assertThat(stats.throughput().hourly().get(23)).isEqualTo(5);
        assertThat(stats.throughput().hourly().get(18)).isEqualTo(4);
        assertThat(stats.latency().sample()).isEqualTo(5);
        assertThat(stats.runners()).extracting(QueueStats.RunnerLoad::owner).containsExactly("me", "other-runner");
        assertThat(stats.runners().get(0)).isEqualTo(new QueueStats.RunnerLoad("me", 0, 5, null, true));
        assertThat(stats.runners().get(1).busy()).isEqualTo(1);
        assertThat(stats.runners().get(1).capacity()).isNull();
        assertThat(Duration.between(stats.oldestPendingAt(), Instant.now()).toMinutes()).isBetween(2L, 4L);
        assertThat(stats.total()).isEqualTo(12);
    }

    /** Skipped and no-change jobs have status failed, but they are not failures: each way of ending has its count. */
    @Test
    void finishedJobsAreCountedAndListedByHowTheyEndedFromTheGenericResultFields() {
        sql(rows(6, "failed", "'{\"outcome\":\"skipped\"}'", "interval '10 minutes'"),
                rows(2, "failed", "'{\"outcome\":\"no_changes\"}'", "interval '10 minutes'"),
                rows(3, "failed", "'{\"outcome\":\"agent_failed\"}'", "interval '10 minutes'"),
                rows(4, "completed", "'{\"outcome\":\"pr_opened\",\"prUrl\":\"https://github.com/o/r/pull/1\"}'", "interval '10 minutes'"),
                rows(5, "completed", "'{\"greeting\":\"hi\"}'", "interval '10 minutes'"),
                rows(1, "cancelled", "'{\"outcome\":\"cancelled\"}'", "interval '10 minutes'"),
                "INSERT INTO cloud_jobs (type, status, payload, error, completed_at) VALUES ('t', 'failed', '{}',"
                        + " 'timed out after 30m', now())",
                "INSERT INTO cloud_jobs (type, status, payload, result, completed_at) VALUES ('t', 'failed', '{}',"
                        + " '{\"outcome\":\"timed_out\"}', now())");
        sql("UPDATE cloud_jobs SET result = payload, payload = '{}' WHERE payload <> '{}'");
        // What the worker stores when a type describes what a job made (JobType.describe(...).made()).
        sql("UPDATE cloud_jobs SET made_url = result ->> 'prUrl' WHERE result ? 'prUrl'");

        var counts = search.finishedCounts();
        var stats = search.stats(null, null);
        var skipped = search.search(JobSearchRepository.Filter.ALL.withFinishedAs(FinishedAs.SKIPPED), null, null, 50);

        assertThat(counts).containsEntry(FinishedAs.SKIPPED, new QueueStats.StatusCount(6, false))
                .containsEntry(FinishedAs.NO_CHANGES, new QueueStats.StatusCount(2, false))
                .containsEntry(FinishedAs.FAILED, new QueueStats.StatusCount(3, false))
                .containsEntry(FinishedAs.PULL_REQUEST, new QueueStats.StatusCount(4, false))
                .containsEntry(FinishedAs.COMPLETED, new QueueStats.StatusCount(5, false))
                .containsEntry(FinishedAs.TIMED_OUT, new QueueStats.StatusCount(2, false))
                .containsEntry(FinishedAs.CANCELLED, new QueueStats.StatusCount(1, false));
        assertThat(stats.finished()).isEqualTo(counts);
        assertThat(stats.throughput().lastHour(FinishedAs.SKIPPED)).isEqualTo(6);
        assertThat(stats.throughput().lastHour(FinishedAs.FAILED)).isEqualTo(3);
        assertThat(skipped.jobs()).hasSize(6).allSatisfy(j -> assertThat(j.finishedAs()).isEqualTo(FinishedAs.SKIPPED));
        assertThat(search.search(JobSearchRepository.Filter.ALL, null, null, 50).jobs())
                .filteredOn(j -> j.status() == io.roomote.core.jobs.JobStatus.FAILED)
                .extracting(JobSearchRepository.Summary::finishedAs).doesNotContainNull();
    }

    /**
     * repo= and issue= match the labels a job type gave (JobType.labels), and "made something" is made_url: core
     * reads no payload or result field of a type. Rows whose payload or result has such fields without labels or
     * made_url (as a type that gives none would store) are not matched.
     */
    @Test
    void repoAndIssueFilterByLabelsAndFinishedAsMadeFollowsTheMadeLink() {
        sql("INSERT INTO cloud_jobs (type, status, payload, labels) VALUES"
                        + " ('t', 'pending', '{}', '{\"repo\": \"Acme/App\", \"issue\": \"7\"}'),"
                        + " ('t', 'pending', '{}', '{\"repo\": \"acme/tools\", \"issue\": \"8\"}'),"
                        + " ('t', 'pending', '{}', '{\"repo\": \"other/app\", \"issue\": \"7\"}'),"
                        + " ('t', 'pending', '{\"repo\": \"acme/app\", \"issue\": 7}', '{}')",
                "INSERT INTO cloud_jobs (type, status, payload, result, made_url, completed_at) VALUES"
                        + " ('t', 'completed', '{}', '{}', 'https://example.com/made/1', now()),"
                        + " ('t', 'completed', '{}', '{\"prUrl\": \"https://github.com/o/r/pull/1\"}', NULL, now())");

        var exact = search.search(new JobSearchRepository.Filter(null, null, "acme/app", null, null), null, null, 50);
        var owner = search.search(new JobSearchRepository.Filter(null, null, "ACME", null, null), null, null, 50);
        var issue = search.search(new JobSearchRepository.Filter(null, null, null, "7", null), null, null, 50);
        var made = search.search(JobSearchRepository.Filter.ALL.withFinishedAs(FinishedAs.PULL_REQUEST), null, null, 50);

        assertThat(exact.jobs()).extracting(JobSearchRepository.Summary::repo).containsExactly("Acme/App");
        assertThat(exact.jobs().get(0).issue()).isEqualTo("7");
        assertThat(owner.jobs()).extracting(JobSearchRepository.Summary::repo).containsExactly("acme/tools", "Acme/App");
        assertThat(issue.jobs()).extracting(JobSearchRepository.Summary::repo).containsExactly("other/app", "Acme/App");
        assertThat(made.jobs()).extracting(JobSearchRepository.Summary::prUrl).containsExactly("https://example.com/made/1");
        assertThat(search.finishedCounts()).containsEntry(FinishedAs.PULL_REQUEST, new QueueStats.StatusCount(1, false))
                .containsEntry(FinishedAs.COMPLETED, new QueueStats.StatusCount(1, false));
    }

    @Test
    void cleaningDeletesOldFinishedJobsInBatchesAndKeepsTheRest() {
        sql(rows(2_500, "completed", "'{}'", "interval '10 days'"),
                rows(3, "failed", "'{}'", "interval '10 days'"),
                rows(4, "completed", "'{}'", "interval '1 day'"),
                "INSERT INTO cloud_jobs (type, status, payload, created_at) VALUES ('t', 'pending', '{}', now() - interval '30 days')");
        JobRepository jobs = new JobRepository(db, Json.newMapper());

        long deleted = jobs.deleteFinishedBefore(EnumSet.of(JobStatus.COMPLETED), Instant.now().minus(Duration.ofDays(7)), 1000);

        assertThat(deleted).isEqualTo(2_500);
        var left = search.counts();
        assertThat(left.get(JobStatus.COMPLETED).value()).isEqualTo(4);
        assertThat(left.get(JobStatus.FAILED).value()).isEqualTo(3);
        assertThat(left.get(JobStatus.PENDING).value()).isEqualTo(1);
        assertThat(search.types(10)).isEqualTo(List.of("t"));
    }
}
