package io.roomote.core.store;

import io.roomote.core.testing.TestDatabases;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The review rounds on a pull request are found by the labels their type gave ({@code repo}, {@code pr}), the
 * repository case-insensitively; a payload naming the pull request without labels is not read. Real PostgreSQL
 * (zonky's binaries); rows are inserted as the queue stores them.
 */
class PullRequestJobsTest {

    private final Database db = TestDatabases.fresh();

    @AfterEach
    void close() {
        db.close();
    }

    @Test
    void roundsAreFoundByTheirRepoAndPrLabels() throws SQLException {
        try (Connection c = db.connection(); Statement st = c.createStatement()) {
            st.execute("INSERT INTO cloud_jobs (id, type, payload, labels) VALUES"
                    + " (1, 'rounds', '{}', '{\"repo\": \"Acme/Web\", \"pr\": \"31\"}'),"
                    + " (2, 'rounds', '{}', '{\"repo\": \"acme/web\", \"pr\": \"32\"}'),"
                    + " (3, 'other', '{}', '{\"repo\": \"acme/web\", \"pr\": \"31\"}'),"
                    + " (4, 'rounds', '{\"repo\": \"acme/web\", \"pr\": 31}', '{}'),"
                    + " (5, 'rounds', '{}', '{\"repo\": \"acme/web\", \"pr\": \"31\"}')");
            st.execute("INSERT INTO cloud_jobs (id, type, status, payload, result, labels) VALUES"
                    + " (6, 'opener', 'completed', '{}', '{\"prNumber\": 31}', '{\"repo\": \"acme/WEB\"}')");
        }
        PullRequestJobs jobs = new PullRequestJobs(db, Json.newMapper());

        assertThat(jobs.rounds("rounds", "acme/web", 31, 10)).extracting(PullRequestJobs.PullRequestJob::id)
                .containsExactly(1L, 5L);
        assertThat(jobs.rounds("rounds", "acme/web", 31, 1)).extracting(PullRequestJobs.PullRequestJob::id)
                .containsExactly(1L);
        assertThat(jobs.openedBy("opener", "Acme/Web", 31)).map(PullRequestJobs.PullRequestJob::id).hasValue(6L);
        assertThat(jobs.openedBy("opener", "acme/web", 32)).isEmpty();
    }
}
