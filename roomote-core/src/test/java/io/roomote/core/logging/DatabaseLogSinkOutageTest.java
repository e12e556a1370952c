package io.roomote.core.logging;

import io.roomote.core.Roomote;
import io.roomote.core.config.Settings;
import io.roomote.core.jobs.Job;
import io.roomote.core.jobs.JobLogLine;
import io.roomote.core.jobs.JobStatus;
import io.roomote.core.jobs.NewJob;
import io.roomote.core.store.Database;
import io.roomote.core.store.DatabaseUrl;
import io.roomote.core.store.JobLogRepository;
import io.roomote.core.store.JobRepository;
import io.roomote.core.testing.QueueFixture;
import io.roomote.core.testing.RestartablePostgres;
import io.roomote.core.testing.TestJobType;
import io.roomote.core.types.JobTypeRegistry;
import io.roomote.spi.JobLogger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static io.roomote.core.testing.QueueFixture.enqueue;
import static io.roomote.core.testing.QueueFixture.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Job log lines across a database outage, against a real PostgreSQL that is stopped and started again
 * (same port, same data). The pool waits 500 ms for a connection instead of 10 s so that a few seconds of
 * outage span many failed writes, as a long outage would.
 */
class DatabaseLogSinkOutageTest {

    private static final Duration WITHIN = Duration.ofSeconds(60);

    private final RestartablePostgres postgres = new RestartablePostgres();
    private final Database database = new Database(DatabaseUrl.parse(postgres.jdbcUrl()), 10, Duration.ofMillis(500));
    private final JobRepository jobs = new JobRepository(database, QueueFixture.MAPPER);
    private final JobLogRepository logs = new JobLogRepository(database);
    private final List<AutoCloseable> closeables = new ArrayList<>();

    DatabaseLogSinkOutageTest() {
        database.migrate();
    }

    @AfterEach
    void close() throws Exception {
        postgres.start();
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
        database.close();
        postgres.close();
    }

    @Test
    void everyLineOfAJobThatCompletesIsStoredThoughTheDatabaseWasDownWhileItLogged() throws Exception {
        CountDownLatch loggedBefore = new CountDownLatch(1);
        CountDownLatch databaseDown = new CountDownLatch(1);
        CountDownLatch loggedDuring = new CountDownLatch(1);
        CountDownLatch databaseBack = new CountDownLatch(1);
        TestJobType type = new TestJobType("test.chatty", (p, ctx) -> {
            IntStream.range(0, 20).forEach(i -> ctx.log().info("before " + i));
            loggedBefore.countDown();
            databaseDown.await();
            IntStream.range(0, 300).forEach(i -> ctx.log().info("during " + i));
            loggedDuring.countDown();
            databaseBack.await();
            IntStream.range(0, 20).forEach(i -> ctx.log().info("after " + i));
            return Map.of("ok", true);
        });
        Roomote roomote = Roomote.start(Settings.of(Map.of("POLL_INTERVAL_MS", "200")), database,
                JobTypeRegistry.of(type), Files.createTempDirectory("home"), true);
        closeables.add(roomote);
        long id = enqueue(roomote, "test.chatty", "{}");

        assertThat(loggedBefore.await(30, TimeUnit.SECONDS)).isTrue();
        await().atMost(WITHIN).ignoreExceptions().until(() -> logs.read(id, 0, 1000).size() >= 20);
        postgres.stop();
        databaseDown.countDown();
        assertThat(loggedDuring.await(30, TimeUnit.SECONDS)).isTrue();
        Thread.sleep(5_000); // many failed writes: today's sink gives up after three
        postgres.start();
        databaseBack.countDown();

        // Right after the restart the pool may still be reconnecting: reads may fail for a moment.
        await().atMost(WITHIN).ignoreExceptions().until(() -> roomote.queue().get(id).orElseThrow().status() == JobStatus.COMPLETED);
        Job done = roomote.queue().get(id).orElseThrow();

        assertThat(done.attempts()).isEqualTo(1);
        List<String> expected = new ArrayList<>();
        IntStream.range(0, 20).forEach(i -> expected.add("before " + i));
        IntStream.range(0, 300).forEach(i -> expected.add("during " + i));
        IntStream.range(0, 20).forEach(i -> expected.add("after " + i));
        await().atMost(WITHIN).ignoreExceptions().untilAsserted(() -> assertThat(userLines(id)).containsExactlyElementsOf(expected));
    }

    @Test
    void pastTheBufferLinesAreCountedAndTheJobsLogSaysHowManyWereDropped() throws Exception {
        long id = jobs.insert(NewJob.of("test.work", json("{}")), 3).job().id();
        DatabaseLogSink sink = new DatabaseLogSink(logs, new DatabaseLogSink.Limits(100, 1_000_000));
        closeables.add(sink);
        sink.write(id, 1, JobLogger.Level.INFO, "before");
        sink.flush();

        postgres.stop();
        for (int i = 0; i < 1_000; i++) {
            sink.write(id, 1, JobLogger.Level.INFO, "during " + i);
        }
        Thread.sleep(3_000);
        postgres.start();
        await().atMost(WITHIN).ignoreExceptions().until(() -> logs.read(id, 0, 10_000).stream().anyMatch(l -> l.line().startsWith("[roomote]")));
        sink.write(id, 1, JobLogger.Level.INFO, "after");
        sink.flush();

        await().atMost(WITHIN).ignoreExceptions().until(() -> logs.read(id, 0, 10_000).stream().anyMatch(l -> l.line().equals("after")));
        List<String> lines = logs.read(id, 0, 10_000).stream().map(JobLogLine::line).toList();
        assertThat(lines.get(0)).isEqualTo("before");
        assertThat(lines.get(lines.size() - 1)).isEqualTo("after");
        List<String> kept = lines.subList(1, lines.size() - 2);
        String marker = lines.get(lines.size() - 2);
        assertThat(marker).matches("\\[roomote] \\d+ log line\\(s\\) of this job were dropped here: .*");
        long dropped = Long.parseLong(marker.split(" ")[1]);
        // The first lines are kept (the buffer's 100 and the batch being retried), the rest counted.
        assertThat(kept.size()).isBetween(100, 100 + 500);
        assertThat(kept).containsExactlyElementsOf(IntStream.range(0, kept.size()).mapToObj(i -> "during " + i).toList());
        assertThat(kept.size() + dropped).isEqualTo(1_000);
    }

    private List<String> userLines(long id) {
        return logs.read(id, 0, 10_000).stream().map(JobLogLine::line)
                .filter(l -> l.startsWith("before ") || l.startsWith("during ") || l.startsWith("after "))
                .toList();
    }
}
