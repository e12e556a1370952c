package io.roomote.core.queue;

import io.roomote.core.store.JobSearchRepository;
import io.roomote.core.Roomote;
import io.roomote.core.jobs.Job;
import io.roomote.core.jobs.JobStatus;
import io.roomote.core.testing.EchoJobType;
import io.roomote.core.testing.QueueFixture;
import io.roomote.core.testing.TestJobType;
import io.roomote.spi.ValidationProblem;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;

import static io.roomote.core.testing.QueueFixture.json;
import static io.roomote.core.testing.QueueFixture.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Enqueue, validation, de-duplication, cancel and retry, without workers, on a real PostgreSQL. */
class JobQueueTest {

    private final QueueFixture fixture = new QueueFixture();
    private final TestJobType noop = new TestJobType("test.noop", (p, c) -> null);
    private final Roomote roomote = fixture.start(false, Map.of(), new EchoJobType(), noop);
    private final JobQueue queue = roomote.queue();

    @AfterEach
    void close() {
        fixture.close();
    }

    @Test
    void enqueueStoresAPendingJobWithTheOriginalColumns() {
        JobQueue.Enqueued enqueued = queue.enqueue(request("test.echo", "{\"message\":\"hi\"}"));

        Job job = queue.get(enqueued.job().id()).orElseThrow();
        assertThat(enqueued.created()).isTrue();
        assertThat(job.status()).isEqualTo(JobStatus.PENDING);
        assertThat(job.type()).isEqualTo("test.echo");
        assertThat(job.payload().get("message").asText()).isEqualTo("hi");
        assertThat(job.createdAt()).isNotNull();
        assertThat(job.startedAt()).isNull();
        assertThat(job.attempts()).isZero();
        assertThat(job.maxAttempts()).isEqualTo(3);
        assertThat(job.enqueuedJobId()).isEqualTo("test.echo-" + job.id());
    }

    @Test
    void everyPayloadProblemIsReportedWithItsPathAndNothingIsWritten() {
        assertThatThrownBy(() -> queue.enqueue(request("test.noop", "{\"invalid\":\"bad one\",\"alsoInvalid\":\"bad two\"}")))
                .isInstanceOfSatisfying(InvalidJobException.class, e -> assertThat(e.problems()).containsExactly(
                        new ValidationProblem("payload.invalid", "bad one"),
                        new ValidationProblem("payload.alsoInvalid", "bad two")));
        assertThatThrownBy(() -> queue.enqueue(request("test.echo", "{\"message\":\"x\",\"times\":\"three\"}")))
                .isInstanceOfSatisfying(InvalidJobException.class, e -> assertThat(e.problems()).singleElement()
                        .satisfies(p -> {
                            assertThat(p.path()).isEqualTo("payload.times");
                            assertThat(p.message()).contains("integer");
                        }));
        assertThatThrownBy(() -> queue.enqueue(request("test.echo", "{\"times\":0}")))
                .isInstanceOfSatisfying(InvalidJobException.class, e -> assertThat(e.problems())
                        .extracting(ValidationProblem::path).containsExactly("payload.message", "payload.times"));
        assertThat(fixture.countJobs()).isZero();
    }

    @Test
    void anUnknownTypeIsRefusedNamingTheKnownOnes() {
        assertThatThrownBy(() -> queue.enqueue(request("github.issue.fixx", "{}")))
                .isInstanceOfSatisfying(InvalidJobException.class, e -> assertThat(e.problems()).singleElement()
                        .satisfies(p -> {
                            assertThat(p.path()).isEqualTo("type");
                            assertThat(p.message()).contains("github.issue.fixx").contains("test.echo, test.noop");
                        }));
        assertThat(fixture.countJobs()).isZero();
    }

    @Test
    void theEnvelopeReportsAllItsProblemsAtOnce() {
        assertThatThrownBy(() -> EnqueueRequest.parse(json("{\"type\": 7, \"maxAttempts\": 0, \"dedupeKey\": \"\"}")))
                .isInstanceOfSatisfying(InvalidJobException.class, e -> assertThat(e.problems())
                        .extracting(ValidationProblem::path)
                        .containsExactly("type", "payload", "dedupeKey", "maxAttempts"));
        EnqueueRequest ok = EnqueueRequest.parse(json("{\"type\":\"test.noop\",\"payload\":{},\"maxAttempts\":5,\"dedupeKey\":\"k\"}"));
        assertThat(ok.maxAttempts()).isEqualTo(5);
        assertThat(ok.dedupeKey()).isEqualTo("k");
    }

    @Test
    void concurrentEnqueuesWithOneDedupeKeyCreateOneJob() throws Exception {
        int callers = 16;
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        List<Future<JobQueue.Enqueued>> results = new ArrayList<>();
        for (int i = 0; i < callers; i++) {
            results.add(pool.submit(() -> {
                go.await();
                return queue.enqueue(request("test.noop", "{\"key\":\"acme/app#42\"}"));
            }));
        }
        go.countDown();
        List<JobQueue.Enqueued> all = new ArrayList<>();
        for (Future<JobQueue.Enqueued> f : results) {
            all.add(f.get());
        }
        pool.shutdown();

        Set<Long> ids = all.stream().map(e -> e.job().id()).collect(Collectors.toSet());
        assertThat(ids).hasSize(1);
        assertThat(all.stream().filter(JobQueue.Enqueued::created)).hasSize(1);
        assertThat(fixture.countJobs()).isEqualTo(1);
        assertThat(queue.get(ids.iterator().next()).orElseThrow().dedupeKey()).isEqualTo("test.noop:acme/app#42");

        // Once the job is no longer active the key is free again.
        queue.cancel(ids.iterator().next());
        JobQueue.Enqueued again = queue.enqueue(request("test.noop", "{\"key\":\"acme/app#42\"}"));
        assertThat(again.created()).isTrue();
        assertThat(again.job().id()).isNotIn(ids);
    }

    @Test
    void anExplicitDedupeKeyWinsOverTheTypesKey() {
        long first = queue.enqueue(new EnqueueRequest("test.noop", json("{\"key\":\"a\"}"), "mine", null)).job().id();
        JobQueue.Enqueued second = queue.enqueue(new EnqueueRequest("test.noop", json("{\"key\":\"b\"}"), "mine", null));
        assertThat(second.created()).isFalse();
        assertThat(second.job().id()).isEqualTo(first);
    }

    @Test
    void cancellingAPendingJobEndsItAtOnceAndASecondCancelSaysItIsFinished() {
        long id = queue.enqueue(request("test.noop", "{}")).job().id();

        JobQueue.CancelResult result = queue.cancel(id);

        assertThat(result.outcome()).isEqualTo(JobQueue.CancelOutcome.CANCELLED);
        assertThat(result.job().status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(result.job().completedAt()).isNotNull();
        assertThat(queue.cancel(id).outcome()).isEqualTo(JobQueue.CancelOutcome.ALREADY_FINISHED);
        assertThat(queue.cancel(999_999).outcome()).isEqualTo(JobQueue.CancelOutcome.NOT_FOUND);
    }

    @Test
    void onlyFailedOrCancelledJobsCanBeRetried() {
        long pending = queue.enqueue(request("test.noop", "{}")).job().id();
        assertThat(queue.retry(pending).outcome()).isEqualTo(JobQueue.RetryOutcome.NOT_RETRYABLE);

        queue.cancel(pending);
        JobQueue.RetryResult retried = queue.retry(pending);
        assertThat(retried.outcome()).isEqualTo(JobQueue.RetryOutcome.REQUEUED);
        assertThat(retried.job().status()).isEqualTo(JobStatus.PENDING);
        assertThat(retried.job().attempts()).isZero();
        assertThat(retried.job().error()).isNull();
        assertThat(queue.retry(424_242).outcome()).isEqualTo(JobQueue.RetryOutcome.NOT_FOUND);
    }

    @Test
    void aRetryThatWouldDuplicateAnActiveDedupeKeyIsRefused() {
        long first = queue.enqueue(request("test.noop", "{\"key\":\"k\"}")).job().id();
        queue.cancel(first);
        queue.enqueue(request("test.noop", "{\"key\":\"k\"}"));

        assertThat(queue.retry(first).outcome()).isEqualTo(JobQueue.RetryOutcome.DUPLICATE_ACTIVE);
        assertThat(queue.get(first).orElseThrow().status()).isEqualTo(JobStatus.CANCELLED);
    }

    @Test
    void listsAreNewestFirstFilteredAndPaged() {
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(queue.enqueue(request("test.noop", "{}")).job().id());
        }
        ids.add(queue.enqueue(request("test.echo", "{\"message\":\"m\"}")).job().id());
        queue.cancel(ids.get(0));

        var page1 = queue.list(new JobSearchRepository.Filter(null, "test.noop", null, null, null), null, 2);
        assertThat(page1.jobs()).extracting(Job::id).containsExactly(ids.get(4), ids.get(3));
        var page2 = queue.list(new JobSearchRepository.Filter(null, "test.noop", null, null, null), page1.nextBeforeId(), 2);
        assertThat(page2.jobs()).extracting(Job::id).containsExactly(ids.get(2), ids.get(1));
        var page3 = queue.list(new JobSearchRepository.Filter(null, "test.noop", null, null, null), page2.nextBeforeId(), 2);
        assertThat(page3.jobs()).extracting(Job::id).containsExactly(ids.get(0));
        assertThat(page3.nextBeforeId()).isNull();
        assertThat(queue.list(new JobSearchRepository.Filter(JobStatus.CANCELLED, null, null, null, null), null, 10).jobs()).extracting(Job::id)
                .containsExactly(ids.get(0));
        assertThat(queue.counts()).containsEntry(JobStatus.PENDING, 5L).containsEntry(JobStatus.CANCELLED, 1L);
    }
}
