package io.roomote.core.store;

import io.roomote.core.jobs.NewJob;
import io.roomote.core.testing.QueueFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

import static io.roomote.core.testing.QueueFixture.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The concurrency-key rule sits inside the claim's ordered index walk (docs/PERFORMANCE.md): the plan of the real
 * claim scan, on a real (embedded) PostgreSQL, with the settings the claim uses.
 */
class ClaimPlanTest {

    private final QueueFixture fixture = new QueueFixture();

    @AfterEach
    void close() {
        fixture.close();
    }

    /** A table of some age: many finished jobs, some pending (a tenth of them keyed), a few processing. */
    private void agedTable() {
        JobRepository jobs = fixture.repository();
        jobs.insert(new NewJob("t", json("{}"), null, null, "k"), 3);
        fixture.sql("INSERT INTO cloud_jobs (type, payload, status, concurrency_key, completed_at)"
                + " SELECT 't', '{}', 'completed', CASE WHEN g % 10 = 0 THEN 'k' || g END, now()"
                + " FROM generate_series(1, 20000) g");
        fixture.sql("INSERT INTO cloud_jobs (type, payload, concurrency_key)"
                + " SELECT 't', '{}', CASE WHEN g % 10 = 0 THEN 'k' || (g % 50) END FROM generate_series(1, 2000) g");
        fixture.sql("INSERT INTO cloud_jobs (type, payload, status, concurrency_key, lease_expires_at)"
                + " SELECT 't', '{}', 'processing', 'p' || g, now() + interval '1 hour' FROM generate_series(1, 20) g");
        fixture.sql("ANALYZE cloud_jobs");
    }

    /** EXPLAIN of {@code scan} with the claim's planner settings; {@code time} is bound first unless absent. */
    private String explain(String scan, boolean bindTime, OffsetDateTime time) throws Exception {
        StringBuilder plan = new StringBuilder();
        try (Connection c = fixture.database().connection()) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.execute("SET LOCAL enable_bitmapscan = off; SET LOCAL enable_sort = off");
            }
            try (PreparedStatement ps = c.prepareStatement("EXPLAIN " + scan)) {
                int i = 1;
                if (bindTime) {
                    QueueTime.bind(ps, time, i++);
                }
                ps.setArray(i++, c.createArrayOf("text", new Object[] {"t"}));
                ps.setInt(i, 5);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        plan.append(rs.getString(1)).append('\n');
                    }
                }
            }
            c.rollback();
        }
        return plan.toString();
    }

    @Test
    void theClaimStillWalksThePendingIndexInOrderAndProbesTheKeyIndexesOnlyForKeyedRows() throws Exception {
        agedTable();
        String plan = explain(JobRepository.CLAIM_SCAN, true, null);
        assertThat(plan)
                .contains("Index Scan using cloud_jobs_pending_idx on cloud_jobs q")
                .contains("cloud_jobs_pending_key_idx")
                .doesNotContain("Sort")
                .doesNotContain("Seq Scan on cloud_jobs ");
    }

    /**
     * The queue's time parameter ({@link QueueTime}) leaves the claim's plan as it was: with NULL bound, as in
     * production, PostgreSQL folds {@code coalesce(NULL, now())} to {@code now()} when it plans, so the plan is the
     * bare {@code now()} version's, node for node and cost for cost (only the condition's spelling differs). With an
     * instant bound (tests), and as a generic plan (a server-prepared statement planned once for any parameter),
     * the claim is still the ordered walk of the pending index.
     */
    @Test
    void theQueueTimeParameterLeavesTheClaimPlanAsWithNow() throws Exception {
        agedTable();
        String withNow = explain(JobRepository.CLAIM_SCAN.replace(QueueTime.NOW, "now()"), false, null);
        String production = explain(JobRepository.CLAIM_SCAN, true, null);
        String test = explain(JobRepository.CLAIM_SCAN, true, OffsetDateTime.parse("2030-01-01T00:00:00Z"));

        assertThat(withNow).contains("Index Cond: (run_at <= now())");
        assertThat(production).contains("Index Cond: (run_at <= COALESCE(now()))");
        assertThat(production.replace("COALESCE(now())", "now()")).isEqualTo(withNow);
        assertThat(test).contains("Index Scan using cloud_jobs_pending_idx on cloud_jobs q").doesNotContain("Sort")
                .doesNotContain("Seq Scan on cloud_jobs ");

        // A server-prepared statement (pgjdbc prepares one after 5 executions): PostgreSQL's default plan cache mode
        // compares a generic plan with the custom ones after 5 runs; here it keeps custom plans (NULL folded).
        assertThat(prepared("auto")).contains("Index Cond: (run_at <= COALESCE(now()))");
        String generic = prepared("force_generic_plan");
        assertThat(generic).contains("Index Cond: (run_at <= COALESCE($1, now()))")
                .contains("Index Scan using cloud_jobs_pending_idx on cloud_jobs q").doesNotContain("Sort")
                .doesNotContain("Seq Scan on cloud_jobs ");
    }

    /** The claim scan as a prepared statement run 6 times with NULL for the time, then its plan, in {@code mode}. */
    private String prepared(String mode) throws Exception {
        int[] n = {0};
        String numbered = java.util.regex.Pattern.compile("\\?").matcher(JobRepository.CLAIM_SCAN)
                .replaceAll(m -> "\\$" + ++n[0]);
        StringBuilder plan = new StringBuilder();
        try (Connection c = fixture.database().connection(); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            st.execute("SET LOCAL enable_bitmapscan = off; SET LOCAL enable_sort = off;"
                    + " SET LOCAL plan_cache_mode = " + mode);
            st.execute("PREPARE claim_scan AS " + numbered);
            for (int i = 0; i < 6; i++) {
                st.execute("EXECUTE claim_scan(NULL, '{t}', 5)");
            }
            try (ResultSet rs = st.executeQuery("EXPLAIN EXECUTE claim_scan(NULL, '{t}', 5)")) {
                while (rs.next()) {
                    plan.append(rs.getString(1)).append('\n');
                }
            }
            st.execute("DEALLOCATE claim_scan"); // a session's prepared statement outlives the rollback
            c.rollback();
        }
        return plan.toString();
    }

    /**
     * The claim as the repository sends it (its one statement string, autocommit, as the pool hands out
     * connections), its plan and the planner settings in force reported by auto_explain on the connection: the
     * ordered walk of the pending index, with bitmap scans and sorts off (with stale statistics — a young table,
     * a burst of jobs — the planner may otherwise read every pending row through a bitmap and sort them all, as the
     * bench caught it doing), and the settings reset afterwards. They once said {@code SET LOCAL}, which PostgreSQL
     * ignores outside a transaction block, with a warning: claims then ran with the planner's own choice.
     */
    @Test
    void theClaimAsSentRunsWithItsPlannerSettingsAndResetsThem() throws Exception {
        agedTable();
        List<String> notices = new ArrayList<>();
        int claimed = 0;
        try (Connection c = fixture.database().connection(); Statement st = c.createStatement()) {
            st.execute("LOAD 'auto_explain'");
            st.execute("SET auto_explain.log_min_duration = 0; SET auto_explain.log_level = notice;"
                    + " SET auto_explain.log_settings = on");
            try (PreparedStatement ps = c.prepareStatement(JobRepository.CLAIM)) {
                JobRepository.bindClaim(ps, null, "test", 5, 60_000, List.of("t"));
                for (boolean rows = ps.execute(); rows || ps.getUpdateCount() != -1; rows = ps.getMoreResults()) {
                    if (rows) {
                        try (ResultSet rs = ps.getResultSet()) {
                            while (rs.next()) {
                                claimed++;
                            }
                        }
                    }
                }
                for (SQLWarning w = ps.getWarnings(); w != null; w = w.getNextWarning()) {
                    notices.add(w.getMessage());
                }
            }
            assertThat(setting(st, "enable_bitmapscan")).isEqualTo("on");
            assertThat(setting(st, "enable_sort")).isEqualTo("on");
        }
        assertThat(claimed).isEqualTo(5);
        String plans = String.join("\n", notices);
        assertThat(plans).contains("Index Scan using cloud_jobs_pending_idx on cloud_jobs q")
                .contains("enable_bitmapscan = 'off'").contains("enable_sort = 'off'")
                .doesNotContain("Bitmap Heap Scan").doesNotContain("Sort Key")
                .doesNotContain("can only be used in transaction blocks");
    }

    /** A claim the database refuses rolls back its planner settings with it: the pooled connection keeps none. */
    @Test
    void aRefusedClaimLeavesTheConnectionsPlannerSettingsAsTheyWere() throws Exception {
        fixture.sql("INSERT INTO cloud_jobs (type, payload) VALUES ('t', '{}')");
        try (Connection c = fixture.database().connection(); Statement st = c.createStatement()) {
            try (PreparedStatement ps = c.prepareStatement(JobRepository.CLAIM)) {
                // A lease this long is out of interval range: the claim's update fails after the settings ran.
                JobRepository.bindClaim(ps, null, "test", 5, Long.MAX_VALUE, List.of("t"));
                assertThatThrownBy(ps::execute).hasMessageContaining("out of range");
            }
            assertThat(setting(st, "enable_bitmapscan")).isEqualTo("on");
            assertThat(setting(st, "enable_sort")).isEqualTo("on");
        }
        assertThat(fixture.repository().find(1).orElseThrow().status().dbValue()).isEqualTo("pending");
    }

    private static String setting(Statement st, String name) throws Exception {
        try (ResultSet rs = st.executeQuery("SHOW " + name)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
