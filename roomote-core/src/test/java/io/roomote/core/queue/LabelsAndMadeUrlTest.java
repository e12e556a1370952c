package io.roomote.core.queue;

import io.roomote.core.Roomote;
import io.roomote.core.jobs.FinishedAs;
import io.roomote.core.jobs.Job;
import io.roomote.core.jobs.JobStatus;
import io.roomote.core.store.JobSearchRepository;
import io.roomote.core.testing.QueueFixture;
import io.roomote.core.testing.TestJobType;
import io.roomote.spi.JobDescription;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static io.roomote.core.testing.QueueFixture.awaitStatus;
import static io.roomote.core.testing.QueueFixture.enqueue;
import static io.roomote.core.testing.QueueFixture.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What lists read instead of a type's payload and result fields: the labels a type gives at enqueue
 * ({@code JobType.labels}) and the link of what a job made ({@code describe(...).made()}), stored when it completes.
 * All real: the queue, the worker pool and an embedded PostgreSQL; the job type is a test type whose payload's
 * "labels" are its labels and whose result's "link" is what it made.
 */
class LabelsAndMadeUrlTest {

    private static final Duration WITHIN = Duration.ofSeconds(30);

    private final QueueFixture fixture = new QueueFixture();

    @AfterEach
    void close() {
        fixture.close();
    }

    private static TestJobType madeType() {
        return new TestJobType("test.maker", (payload, ctx) -> payload.has("link")
                ? Map.of("link", payload.get("link").asText()) : Map.of("nothing", true),
                (payload, result) -> Optional.of(new JobDescription("Making", new JobDescription.Link("it", null),
                        result.flatMap(r -> Optional.ofNullable((String) r.get("link")))
                                .map(url -> new JobDescription.Made("Made", new JobDescription.Link("the thing", url))))));
    }

    @Test
    void labelsAreStoredAtEnqueueAndTheMadeLinkWhenTheJobCompletes() {
        Roomote roomote = fixture.start(true, Map.of(), madeType());
        long made = enqueue(roomote, "test.maker",
                "{\"labels\": {\"repo\": \"Acme/App\", \"issue\": \"12\"}, \"link\": \"https://example.com/made/12\"}");
        long plain = enqueue(roomote, "test.maker", "{\"labels\": {\"repo\": \"acme/app\"}}");

        Job madeJob = awaitStatus(roomote, made, JobStatus.COMPLETED, WITHIN);
        Job plainJob = awaitStatus(roomote, plain, JobStatus.COMPLETED, WITHIN);

        assertThat(madeJob.labels()).isEqualTo(Map.of("repo", "Acme/App", "issue", "12"));
        assertThat(madeJob.madeUrl()).isEqualTo("https://example.com/made/12");
        assertThat(FinishedAs.of(madeJob)).isEqualTo(FinishedAs.PULL_REQUEST);
        assertThat(plainJob.madeUrl()).isNull();
        assertThat(FinishedAs.of(plainJob)).isEqualTo(FinishedAs.COMPLETED);
        JobSearchRepository search = new JobSearchRepository(fixture.database(), QueueFixture.MAPPER);
        assertThat(search.search(new JobSearchRepository.Filter(null, null, "acme/app", "12", null), null, null, 10)
                .jobs()).extracting(JobSearchRepository.Summary::id).containsExactly(made);
        assertThat(search.search(JobSearchRepository.Filter.ALL.withFinishedAs(FinishedAs.PULL_REQUEST), null, null, 10)
                .jobs()).extracting(JobSearchRepository.Summary::prUrl).containsExactly("https://example.com/made/12");
    }

    @Test
    void labelsOfABatchAreStoredToo() {
        Roomote roomote = fixture.start(false, Map.of(), madeType());
        List<JobQueue.Enqueued> done = roomote.queue().enqueueAll(List.of(
                request("test.maker", "{\"labels\": {\"repo\": \"a/b\"}}"),
                request("test.maker", "{}")));

        assertThat(done).extracting(e -> e.job().labels()).containsExactly(Map.of("repo", "a/b"), Map.of());
        assertThat(roomote.queue().get(done.get(0).job().id()).orElseThrow().labels()).isEqualTo(Map.of("repo", "a/b"));
    }

    @Test
    void aLabelNameOutsideTheBoundsIsRefusedNamingTheType() {
        Roomote roomote = fixture.start(false, Map.of(), madeType());

        assertThatThrownBy(() -> enqueue(roomote, "test.maker", "{\"labels\": {\"Repo Name\": \"x\"}}"))
                .hasMessageContaining("test.maker").hasMessageContaining("Repo Name");
    }

    /** Label values come from payloads, which enqueuers write: a long value is stored cut, not refused. */
    @Test
    void aLongLabelValueFromThePayloadIsStoredCutNotRefused() {
        Roomote roomote = fixture.start(false, Map.of(), madeType());
        String emoji = "\uD83D\uDE00"; // one code point, two chars: the cut must not split it
        String longValue = "x".repeat(199) + emoji + "y".repeat(50);

        long id = enqueue(roomote, "test.maker", "{\"labels\": {\"title\": \"" + longValue + "\"}}");

        Map<String, String> labels = roomote.queue().get(id).orElseThrow().labels();
        assertThat(labels.get("title")).isEqualTo("x".repeat(199));
    }
}
