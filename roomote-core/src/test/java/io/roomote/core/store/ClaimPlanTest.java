package io.roomote.core.store;

import io.roomote.core.jobs.NewJob;
import io.roomote.core.testing.QueueFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;

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

    @Test
    void theClaimStillWalksThePendingIndexInOrderAndProbesTheKeyIndexesOnlyForKeyedRows() throws Exception {
        JobRepository jobs = fixture.repository();
        jobs.insert(new NewJob("t", json("{}"), null, null, "k"), 3);
        // A table of some age: many finished jobs, some pending (a tenth of them keyed), a few processing.
        fixture.sql("INSERT INTO cloud_jobs (type, payload, status, concurrency_key, completed_at)"
                + " SELECT 't', '{}', 'completed', CASE WHEN g % 10 = 0 THEN 'k' || g END, now()"
                + " FROM generate_series(1, 20000) g");
        fixture.sql("INSERT INTO cloud_jobs (type, payload, concurrency_key)"
                + " SELECT 't', '{}', CASE WHEN g % 10 = 0 THEN 'k' || (g % 50) END FROM generate_series(1, 2000) g");
        fixture.sql("INSERT INTO cloud_jobs (type, payload, status, concurrency_key, lease_expires_at)"
                + " SELECT 't', '{}', 'processing', 'p' || g, now() + interval '1 hour' FROM generate_series(1, 20) g");
        StringBuilder plan = new StringBuilder();
        try (Connection c = fixture.database().connection()) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.execute("ANALYZE cloud_jobs");
                st.execute("SET LOCAL enable_bitmapscan = off; SET LOCAL enable_sort = off");
            }
            try (PreparedStatement ps = c.prepareStatement("EXPLAIN " + JobRepository.CLAIM_SCAN)) {
                ps.setArray(1, c.createArrayOf("text", new Object[] {"t"}));
                ps.setInt(2, 5);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        plan.append(rs.getString(1)).append('\n');
                    }
                }
            }
            c.rollback();
        }
        assertThat(plan.toString())
                .contains("Index Scan using cloud_jobs_pending_idx on cloud_jobs q")
                .contains("cloud_jobs_pending_key_idx")
                .doesNotContain("Sort")
                .doesNotContain("Seq Scan on cloud_jobs ");
    }
}
