package io.roomote.core.store;

import io.roomote.core.jobs.NewJob;
import io.roomote.core.testing.QueueFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.OffsetDateTime;

import static io.roomote.core.testing.QueueFixture.json;
import static org.assertj.core.api.Assertions.assertThat;

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
}
