package io.roomote.core.queue;

import io.roomote.core.Roomote;
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
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static io.roomote.core.testing.QueueFixture.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Single enqueues under way together share a statement and a commit ({@link EnqueueBatcher}), each caller still
 * getting its own answer, on a real PostgreSQL through {@link JobQueue#enqueue}.
 */
class EnqueueBatcherTest {

    private final QueueFixture fixture = new QueueFixture();

    @AfterEach
    void close() {
        fixture.close();
    }

    private Roomote api() {
        return fixture.start(false, Map.of(), new TestJobType("test.noop", (p, c) -> null));
    }

    /** Runs {@code each} enqueues on each of 8 threads at once: {@code body} gets the thread and the number. */
    private static void onEightThreads(int each, ThreadBody body) throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int thread = t;
                done.add(threads.submit(() -> {
                    for (int i = 0; i < each; i++) {
                        body.run(thread, i);
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(2, TimeUnit.MINUTES);
            }
        } finally {
            threads.shutdownNow();
        }
    }

    @FunctionalInterface
    private interface ThreadBody {
        void run(int thread, int i);
    }

    @Test
    void concurrentEnqueuesShareCommitsAndEachCallerGetsItsOwnJob() throws Exception {
        Roomote api = api();
        Set<Long> ids = ConcurrentHashMap.newKeySet();
        onEightThreads(50, (thread, i) -> {
            JobQueue.Enqueued e = api.queue().enqueue(request("test.noop", "{\"thread\":" + thread + ",\"i\":" + i + "}"));
            assertThat(e.created()).isTrue();
            assertThat(e.job().payload().get("thread").asInt()).isEqualTo(thread);
            assertThat(e.job().payload().get("i").asInt()).isEqualTo(i);
            ids.add(e.job().id());
        });
        assertThat(ids).hasSize(400);
        try (Connection c = fixture.database().connection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*), count(DISTINCT created_at) FROM cloud_jobs")) {
            rs.next();
            assertThat(rs.getLong(1)).isEqualTo(400);
            // created_at is now(): the start of the inserting transaction. Far fewer distinct values than jobs means
            // enqueues shared transactions (separate ones starting in the same microsecond could explain a few).
            assertThat(rs.getLong(2)).isLessThan(300);
        }
    }

    @Test
    void concurrentEnqueuesWithOneDedupeKeyGetOneJob() throws Exception {
        Roomote api = api();
        Set<Long> ids = ConcurrentHashMap.newKeySet();
        Set<Boolean> created = ConcurrentHashMap.newKeySet();
        onEightThreads(20, (thread, i) -> {
            JobQueue.Enqueued e = api.queue().enqueue(new EnqueueRequest("test.noop",
                    QueueFixture.json("{\"i\":" + i + "}"), "same-key", null));
            ids.add(e.job().id());
            created.add(e.created());
        });
        assertThat(ids).hasSize(1);
        assertThat(created).containsExactlyInAnyOrder(true, false);
        assertThat(fixture.countJobs()).isEqualTo(1);
    }

    /**
     * A job the database refuses (a trigger here, standing for any refusal validation cannot foresee) fails its own
     * caller only: the jobs queued with it in one shared statement are written one by one and stored. While a slow
     * first insert holds the write, the others queue behind it and go together.
     */
    @Test
    void aJobTheDatabaseRefusesFailsOnlyItsOwnCaller() throws Exception {
        Roomote api = api();
        fixture.sql("CREATE FUNCTION test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                + " IF NEW.payload ? 'slow' THEN PERFORM pg_sleep(1); END IF;"
                + " IF NEW.payload ? 'refuse' THEN RAISE EXCEPTION 'refused by the test trigger'; END IF;"
                + " RETURN NEW; END $$");
        fixture.sql("CREATE TRIGGER test_refuse BEFORE INSERT ON cloud_jobs FOR EACH ROW EXECUTE FUNCTION test_refuse()");
        ExecutorService threads = Executors.newFixedThreadPool(7);
        try {
            Future<?> slow = threads.submit(() -> api.queue().enqueue(request("test.noop", "{\"slow\":true}")));
            // The slow insert holds the write: the next callers queue behind it.
            await().atMost(Duration.ofSeconds(20)).until(() -> "1".equals(
                    fixture.text("SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep'")));
            CountDownLatch go = new CountDownLatch(1);
            List<Future<JobQueue.Enqueued>> fine = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                int n = i;
                fine.add(threads.submit(() -> {
                    go.await();
                    return api.queue().enqueue(request("test.noop", "{\"n\":" + n + "}"));
                }));
            }
            Future<JobQueue.Enqueued> refused = threads.submit(() -> {
                go.await();
                return api.queue().enqueue(request("test.noop", "{\"refuse\":true}"));
            });
            go.countDown();
            slow.get(1, TimeUnit.MINUTES);
            for (Future<JobQueue.Enqueued> f : fine) {
                assertThat(f.get(1, TimeUnit.MINUTES).created()).isTrue();
            }
            assertThatThrownBy(() -> refused.get(1, TimeUnit.MINUTES)).rootCause()
                    .hasMessageContaining("refused by the test trigger");
        } finally {
            threads.shutdownNow();
        }
        assertThat(fixture.countJobs()).isEqualTo(6);
    }
}
