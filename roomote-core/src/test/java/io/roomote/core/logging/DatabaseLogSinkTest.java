package io.roomote.core.logging;

import io.roomote.core.jobs.JobLogLine;
import io.roomote.core.jobs.NewJob;
import io.roomote.core.store.JobLogRepository;
import io.roomote.core.testing.QueueFixture;
import io.roomote.spi.JobLogger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;

import static io.roomote.core.testing.QueueFixture.json;
import static org.assertj.core.api.Assertions.assertThat;

/** The job log sink against a real PostgreSQL, when the database is up. */
class DatabaseLogSinkTest {

    private final QueueFixture fixture = new QueueFixture();
    private final JobLogRepository logs = new JobLogRepository(fixture.database());

    @AfterEach
    void close() {
        fixture.close();
    }

    @Test
    void linesTheDatabaseRefusesCostOnlyThemselvesNotTheOtherLinesOfTheirBatch() {
        long id = fixture.repository().insert(NewJob.of("test.work", json("{}")), 3).job().id();
        long deleted = id + 1_000; // no such job: the foreign key refuses its lines
        try (DatabaseLogSink sink = new DatabaseLogSink(logs)) {
            for (int i = 0; i < 200; i++) {
                sink.write(id, 1, JobLogger.Level.INFO, "line " + i);
                sink.write(deleted, 1, JobLogger.Level.INFO, "lost " + i);
            }
            sink.flush();
        }

        assertThat(logs.read(id, 0, 1_000)).extracting(JobLogLine::line)
                .containsExactlyElementsOf(IntStream.range(0, 200).mapToObj(i -> "line " + i).toList());
        assertThat(logs.read(deleted, 0, 1_000)).isEmpty();
    }

    @Test
    void whileTheDatabaseTakesWritesAFullBufferSlowsTheWriterDownAndLosesNothing() {
        long id = fixture.repository().insert(NewJob.of("test.work", json("{}")), 3).job().id();
        try (DatabaseLogSink sink = new DatabaseLogSink(logs, new DatabaseLogSink.Limits(10, 1_000_000))) {
            for (int i = 0; i < 2_000; i++) {
                sink.write(id, 1, JobLogger.Level.INFO, "line " + i);
            }
            sink.flush();
        }

        List<String> lines = logs.read(id, 0, 10_000).stream().map(JobLogLine::line).toList();
        assertThat(lines).containsExactlyElementsOf(IntStream.range(0, 2_000).mapToObj(i -> "line " + i).toList());
    }

    @Test
    void detachTakesOneAttemptsBufferedLinesInOrderAndLeavesTheRestToTheWriter() {
        long a = fixture.repository().insert(NewJob.of("test.work", json("{}")), 3).job().id();
        long b = fixture.repository().insert(NewJob.of("test.work", json("{}")), 3).job().id();
        // A long linger keeps every line buffered until it is detached or flushed.
        try (DatabaseLogSink sink = new DatabaseLogSink(logs, DatabaseLogSink.Limits.DEFAULT, Duration.ofHours(1))) {
            sink.write(a, 1, JobLogger.Level.INFO, "a1");
            sink.write(b, 1, JobLogger.Level.INFO, "b1");
            sink.write(a, 2, JobLogger.Level.INFO, "a, another attempt");
            sink.write(a, 1, JobLogger.Level.WARN, "a2");

            List<JobLogRepository.Entry> taken = sink.detach(a, 1);
            assertThat(taken).extracting(JobLogRepository.Entry::line).containsExactly("a1", "a2");
            assertThat(taken).extracting(JobLogRepository.Entry::level).containsExactly("INFO", "WARN");
            assertThat(logs.read(a, 0, 100)).as("nothing stored yet: the lines linger").isEmpty();
            assertThat(sink.detach(a, 1)).as("taken once").isEmpty();

            sink.flush(); // returns: the detached lines are the caller's now
            assertThat(logs.read(a, 0, 100)).extracting(JobLogLine::line).containsExactly("a, another attempt");
            assertThat(logs.read(b, 0, 100)).extracting(JobLogLine::line).containsExactly("b1");

            sink.restore(taken); // given back: stored the usual way
            sink.flush();
            assertThat(logs.read(a, 0, 100)).extracting(JobLogLine::line)
                    .containsExactly("a, another attempt", "a1", "a2");
        }
    }

    @Test
    void aLineIsWrittenAfterItsLingerWithoutAnyFlush() {
        long id = fixture.repository().insert(NewJob.of("test.work", json("{}")), 3).job().id();
        try (DatabaseLogSink sink = new DatabaseLogSink(logs, DatabaseLogSink.Limits.DEFAULT, Duration.ofMillis(50))) {
            sink.write(id, 1, JobLogger.Level.INFO, "live");
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20))
                    .until(() -> logs.read(id, 0, 10).size() == 1);
        }
    }
}
