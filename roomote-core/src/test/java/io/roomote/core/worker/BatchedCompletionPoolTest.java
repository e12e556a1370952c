package io.roomote.core.worker;

import io.roomote.core.Roomote;
import io.roomote.core.jobs.JobStatus;
import io.roomote.core.queue.EnqueueRequest;
import io.roomote.core.queue.JobQueue;
import io.roomote.core.testing.QueueFixture;
import io.roomote.core.testing.TestJobType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.roomote.core.testing.QueueFixture.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The pool's wiring of batched completion, on a real PostgreSQL with a real worker pool: 16 workers drain
 * no-op jobs, every job is completed exactly once, and completions that finished together shared a commit.
 */
class BatchedCompletionPoolTest {

    private final QueueFixture fixture = new QueueFixture();

    @AfterEach
    void close() {
        fixture.close();
    }

    @Test
    void sixteenWorkersCompleteEveryJobOnceAndShareCommits() throws Exception {
        Roomote api = fixture.start(false, Map.of(), new TestJobType("test.noop", (p, c) -> null));
        List<EnqueueRequest> batch = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            batch.add(request("test.noop", "{\"n\":" + i + "}"));
        }
        api.queue().enqueueAll(batch);

        fixture.start(true, Map.of("MAX_WORKERS", "16"), new TestJobType("test.noop", (p, c) -> null));
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(100))
                .until(() -> api.queue().counts().get(JobStatus.COMPLETED) == 400);

        try (Connection c = fixture.database().connection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*), count(DISTINCT completed_at), max(attempts),"
                     + " count(*) FILTER (WHERE lease_token IS NOT NULL) FROM cloud_jobs")) {
            rs.next();
            assertThat(rs.getLong(1)).isEqualTo(400);
            // completed_at is now(): the start of the transaction that recorded the job. Far fewer distinct values
            // than jobs means many jobs were recorded by shared commits (separate transactions starting in the
            // same microsecond could explain a few, not a hundred).
            assertThat(rs.getLong(2)).isLessThan(300);
            assertThat(rs.getInt(3)).isEqualTo(1);
            assertThat(rs.getLong(4)).isZero();
        }
    }
}
