package io.roomote.core.queue;

import io.roomote.core.Roomote;
import io.roomote.core.jobs.Job;
import io.roomote.core.jobs.JobStatus;
import io.roomote.core.store.JobRepository;
import io.roomote.core.testing.EchoJobType;
import io.roomote.core.testing.QueueFixture;
import io.roomote.core.testing.TestJobType;
import io.roomote.spi.ValidationProblem;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.roomote.core.testing.QueueFixture.json;
import static io.roomote.core.testing.QueueFixture.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link JobQueue#enqueueAll}: all or nothing, dedupe keys, order of answers, one wake-up; real PostgreSQL. */
class EnqueueAllTest {

    private final QueueFixture fixture = new QueueFixture();
    private final TestJobType noop = new TestJobType("test.noop", (p, c) -> null);
    private final Roomote roomote = fixture.start(false, Map.of(), new EchoJobType(), noop);
    private final JobQueue queue = roomote.queue();

    @AfterEach
    void close() {
        fixture.close();
    }

    @Test
    void aBatchIsStoredInOrderWithEachItemsOwnSettings() {
        List<EnqueueRequest> batch = new ArrayList<>();
        for (int i = 0; i < 250; i++) {
            batch.add(request("test.echo", "{\"message\":\"m" + i + "\"}"));
        }
        batch.add(new EnqueueRequest("test.noop", json("{\"n\":1}"), "explicit-key", 7));

        List<JobQueue.Enqueued> answers = queue.enqueueAll(batch);

        assertThat(answers).hasSize(251).allMatch(JobQueue.Enqueued::created);
        for (int i = 0; i < 250; i++) {
            Job stored = queue.get(answers.get(i).job().id()).orElseThrow();
            assertThat(stored.type()).isEqualTo("test.echo");
            assertThat(stored.payload().get("message").asText()).isEqualTo("m" + i);
            assertThat(stored.status()).isEqualTo(JobStatus.PENDING);
            assertThat(stored.maxAttempts()).isEqualTo(3);
            assertThat(stored.dedupeKey()).isNull();
        }
        Job last = queue.get(answers.get(250).job().id()).orElseThrow();
        assertThat(last.dedupeKey()).isEqualTo("explicit-key");
        assertThat(last.maxAttempts()).isEqualTo(7);
        assertThat(last.payload()).isEqualTo(json("{\"n\":1}"));
        assertThat(fixture.countJobs()).isEqualTo(251);
    }

    @Test
    void oneBadItemRefusesTheWholeBatchNamingEachItemsIndex() {
        List<EnqueueRequest> batch = List.of(
                request("test.echo", "{\"message\":\"fine\"}"),
                request("test.noop", "{\"invalid\":\"bad one\"}"),
                request("test.echo", "{\"message\":\"fine too\"}"),
                request("no.such.type", "{}"),
                new EnqueueRequest("test.echo", json("{\"message\":\"nul \\u0000 inside\"}"), null, null));

        assertThatThrownBy(() -> queue.enqueueAll(batch))
                .isInstanceOfSatisfying(InvalidJobException.class, e -> {
                    assertThat(e.problems()).extracting(ValidationProblem::path)
                            .containsExactly("jobs[1].payload.invalid", "jobs[3].type", "jobs[4].payload.message");
                    assertThat(e.problems().get(0).message()).isEqualTo("bad one");
                    assertThat(e.problems().get(1).message()).contains("no.such.type");
                });
        assertThat(fixture.countJobs()).isZero();
        assertThatThrownBy(() -> queue.enqueueAll(List.of()))
                .isInstanceOfSatisfying(InvalidJobException.class, e -> assertThat(e.problems())
                        .extracting(ValidationProblem::path).containsExactly("jobs"));
    }

    @Test
    void anItemWhoseKeyAnActiveJobHoldsGetsThatJobAndAFinishedHolderDoesNotCount() {
        Job active = queue.enqueue(request("test.noop", "{\"key\":\"acme/app#1\"}")).job();
        Job finished = queue.enqueue(request("test.noop", "{\"key\":\"acme/app#2\"}")).job();
        fixture.sql("UPDATE cloud_jobs SET status = 'completed', completed_at = now() WHERE id = " + finished.id());

        List<JobQueue.Enqueued> answers = queue.enqueueAll(List.of(
                request("test.noop", "{\"key\":\"acme/app#1\"}"),
                request("test.noop", "{\"key\":\"acme/app#2\"}"),
                request("test.noop", "{}")));

        assertThat(answers.get(0).created()).isFalse();
        assertThat(answers.get(0).job().id()).isEqualTo(active.id());
        assertThat(answers.get(0).job().status()).isEqualTo(JobStatus.PENDING);
        assertThat(answers.get(1).created()).isTrue();
        assertThat(answers.get(1).job().id()).isNotEqualTo(finished.id());
        assertThat(answers.get(2).created()).isTrue();
        assertThat(fixture.countJobs()).isEqualTo(4);
    }

    @Test
    void itemsSharingAKeyWithinTheBatchBecomeTheFirstOnesJob() {
        List<JobQueue.Enqueued> answers = queue.enqueueAll(List.of(
                request("test.noop", "{\"key\":\"k\",\"n\":1}"),
                request("test.noop", "{\"key\":\"other\"}"),
                request("test.noop", "{\"key\":\"k\",\"n\":2}"),
                request("test.noop", "{\"key\":\"k\",\"n\":3}")));

        assertThat(answers).extracting(JobQueue.Enqueued::created).containsExactly(true, true, false, false);
        long first = answers.get(0).job().id();
        assertThat(answers.get(2).job().id()).isEqualTo(first);
        assertThat(answers.get(3).job().id()).isEqualTo(first);
        assertThat(queue.get(first).orElseThrow().payload().get("n").asInt()).isEqualTo(1);
        assertThat(fixture.countJobs()).isEqualTo(2);
    }

    @Test
    void concurrentBatchesWithOneKeyCreateOneJob() throws Exception {
        int callers = 8;
        java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(callers);
        List<java.util.concurrent.Future<List<JobQueue.Enqueued>>> results = new ArrayList<>();
        for (int i = 0; i < callers; i++) {
            int caller = i;
            results.add(pool.submit(() -> {
                go.await();
                return queue.enqueueAll(List.of(request("test.echo", "{\"message\":\"own " + caller + "\"}"),
                        request("test.noop", "{\"key\":\"acme/app#42\"}")));
            }));
        }
        go.countDown();
        java.util.Set<Long> keyed = new java.util.HashSet<>();
        int created = 0;
        for (var f : results) {
            List<JobQueue.Enqueued> answers = f.get();
            assertThat(answers.get(0).created()).isTrue();
            keyed.add(answers.get(1).job().id());
            created += answers.get(1).created() ? 1 : 0;
        }
        pool.shutdown();

        assertThat(keyed).hasSize(1);
        assertThat(created).isEqualTo(1);
        assertThat(fixture.countJobs()).isEqualTo(callers + 1);
    }

    @Test
    void aBatchWakesIdleWorkersWithOneNotificationPerType() throws Exception {
        try (Connection listener = fixture.database().connection(); Statement st = listener.createStatement()) {
            st.execute("LISTEN " + JobRepository.JOBS_CHANNEL);

            queue.enqueueAll(List.of(
                    request("test.echo", "{\"message\":\"a\"}"),
                    request("test.echo", "{\"message\":\"b\"}"),
                    request("test.noop", "{}"),
                    request("test.echo", "{\"message\":\"c\"}")));

            List<String> received = new ArrayList<>();
            long deadline = System.nanoTime() + 5_000_000_000L;
            // Notifications of one commit arrive together; read until a quiet second has passed.
            while (System.nanoTime() < deadline) {
                PGNotification[] batch = listener.unwrap(PGConnection.class).getNotifications(1000);
                if (batch == null || batch.length == 0) {
                    if (!received.isEmpty()) {
                        break;
                    }
                    continue;
                }
                for (PGNotification n : batch) {
                    received.add(n.getParameter());
                }
            }
            assertThat(received).containsExactlyInAnyOrder("test.echo", "test.noop");
        }
    }

    @Test
    void aBatchStoresEachJobsConcurrencyKeyAsSingleEnqueueDoes() {
        List<JobQueue.Enqueued> answers = queue.enqueueAll(List.of(
                QueueFixture.request("test.noop", "{\"concurrencyKey\":\"acme/app#7\"}"),
                QueueFixture.request("test.noop", "{}")));
        long single = queue.enqueue(QueueFixture.request("test.noop", "{\"concurrencyKey\":\"acme/app#7\"}")).job().id();

        java.util.function.LongFunction<String> keyOf = id -> fixture.text("SELECT concurrency_key FROM cloud_jobs WHERE id = " + id);
        assertThat(keyOf.apply(answers.get(0).job().id())).isEqualTo("test.noop:acme/app#7").isEqualTo(keyOf.apply(single));
        assertThat(keyOf.apply(answers.get(1).job().id())).isNull();
    }
}
