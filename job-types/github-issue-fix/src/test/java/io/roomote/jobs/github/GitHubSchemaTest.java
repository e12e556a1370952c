package io.roomote.jobs.github;

import io.roomote.core.store.Database;
import io.roomote.core.store.DatabaseUrl;
import io.roomote.core.testing.OldCoreSchema;
import io.roomote.core.testing.TestDatabases;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fix module's own tables (GitHubSchema), on a fresh database and on one migrated by the code from before they
 * left core. Real PostgreSQL (zonky's binaries) and real Flyway; nothing stands in.
 */
class GitHubSchemaTest {

    @Test
    void aFreshDatabaseGetsTheTablesFromTheModulesHistoryOnly() throws SQLException {
        try (Database db = new Database(DatabaseUrl.parse(TestDatabases.freshJdbcUrl()), 2)) {
            db.migrate();
            assertThat(db.migrate(GitHubSchema.SCHEMA)).isEqualTo(3);

            assertThat(strings(db, "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"))
                    .contains("github_deliveries", "github_issue_comments", "roomote_github_schema_history");
            assertThat(strings(db, "SELECT script FROM roomote_schema_history")).noneMatch(s -> s.contains("github"));
            assertThat(strings(db, "SELECT version FROM roomote_github_schema_history WHERE success AND type = 'SQL'"))
                    .containsExactly("1", "2", "3");
            assertThat(db.migrate()).isZero();
            assertThat(db.migrate(GitHubSchema.SCHEMA)).isZero();
        }
    }

    @Test
    void aDatabaseOfTheOldCodeKeepsItsDeliveriesAndCommentIds() throws SQLException {
        try (Database db = new Database(DatabaseUrl.parse(TestDatabases.freshJdbcUrl()), 2)) {
            OldCoreSchema.migrate(db);
            execute(db, "INSERT INTO cloud_jobs (id, type, payload) VALUES (41, 'github.issue.fix', '{}'),"
                    + " (42, 'github.issue.fix', '{}')");
            execute(db, "INSERT INTO cloud_jobs (id, type, status, payload, result) VALUES"
                    + " (43, 'github.issue.fix', 'completed', '{\"repo\": \"Acme/App\", \"issue\": 7}',"
                    + "  '{\"outcome\": \"pr_opened\", \"prUrl\": \"https://github.com/Acme/App/pull/9\"}'),"
                    + " (44, 'github.pr.revise', 'pending', '{\"repo\": \"Acme/App\", \"pr\": 9}', NULL),"
                    + " (45, 'example.hello', 'completed', '{\"repo\": \"x/y\"}', '{\"prUrl\": \"https://e.x/1\"}')");
            execute(db, "UPDATE cloud_jobs SET github_comment_id = 9001 WHERE id = 41");
            execute(db, "INSERT INTO github_deliveries (delivery_id, event, action, status, response, job_id)"
                    + " VALUES ('d-1', 'issues', 'labeled', 202, '{\"jobId\": 41}', 41)");

            // What a runner of the new code does at start: core's migrations, then the extension's.
            assertThat(db.migrate()).isZero();
            assertThat(db.migrate(GitHubSchema.SCHEMA)).isEqualTo(3);

            assertThat(strings(db, "SELECT delivery_id || ' ' || status || ' ' || response::text || ' ' || job_id"
                    + " FROM github_deliveries")).containsExactly("d-1 202 {\"jobId\": 41} 41");
            assertThat(strings(db, "SELECT job_id || ':' || comment_id FROM github_issue_comments"))
                    .containsExactly("41:9001");
            assertThat(strings(db, "SELECT column_name FROM information_schema.columns WHERE table_schema ="
                    + " current_schema() AND table_name = 'cloud_jobs'")).doesNotContain("github_comment_id");
            // Labels and made links of this module's older jobs, as its types give them today; others untouched.
            assertThat(strings(db, "SELECT id || ' ' || labels::text || ' ' || coalesce(made_url, '-') FROM cloud_jobs"
                    + " WHERE id >= 43 ORDER BY id")).containsExactly(
                    "43 {\"repo\": \"Acme/App\", \"issue\": \"7\"} https://github.com/Acme/App/pull/9",
                    "44 {\"pr\": \"9\", \"repo\": \"Acme/App\"} -",
                    "45 {} -");

            assertThat(db.migrate()).isZero();
            assertThat(db.migrate(GitHubSchema.SCHEMA)).isZero();
            assertThat(strings(db, "SELECT count(*) FROM github_issue_comments")).containsExactly("1");
        }
    }

    private static void execute(Database db, String sql) throws SQLException {
        try (Connection c = db.connection(); Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    private static List<String> strings(Database db, String sql) throws SQLException {
        try (Connection c = db.connection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            List<String> out = new ArrayList<>();
            while (rs.next()) {
                out.add(rs.getString(1));
            }
            return out;
        }
    }
}
