package io.roomote.core.execution;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.roomote.core.Roomote;
import io.roomote.core.config.Settings;
import io.roomote.core.jobs.JobLogLine;
import io.roomote.core.jobs.JobStatus;
import io.roomote.core.logging.SecretRedactor;
import io.roomote.core.store.Database;
import io.roomote.core.store.Json;
import io.roomote.core.store.ModelCallRepository;
import io.roomote.core.testing.CollectingLogSink;
import io.roomote.core.testing.QueueFixture;
import io.roomote.core.testing.TestDatabases;
import io.roomote.core.testing.TestJobType;
import io.roomote.core.types.JobTypeRegistry;
import io.roomote.spi.JobContext;
import io.roomote.spi.ModelCall;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import static io.roomote.core.testing.QueueFixture.json;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A job's model calls, reported through {@link JobContext#modelCalls()}, are kept with the job by the core's
 * runner. Everything here is real: the queue, the worker pool, the embedded PostgreSQL; the "gateway" is the test
 * job type itself, which reports calls as the model gateway will.
 */
class ModelCallRecordingTest {

    private static final String SECRET = "ghp_abcdefghijklmnopqrstuvwxyz0123456789";

    @TempDir
    Path workRoot;

    private final ScheduledExecutorService timers = Executors.newScheduledThreadPool(1);
    private final ListAppender<ILoggingEvent> warnings = new ListAppender<>();
    private final ch.qos.logback.classic.Logger contextLogger =
            (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(RunningJobContext.class);
    private QueueFixture fixture;

    @AfterEach
    void close() {
        timers.shutdownNow();
        contextLogger.detachAppender(warnings);
        if (fixture != null) {
            fixture.close();
        }
    }

    private static TestJobType reportsTwoCalls() {
        return new TestJobType("test.model", (p, ctx) -> {
            ctx.modelCalls().record(new ModelCall(Instant.parse("2026-11-30T12:00:00Z"), "openrouter",
                    "anthropic/claude-sonnet-4", 1000L, 200L, 0.01, 200, 850, null));
            ctx.modelCalls().record(new ModelCall(Instant.parse("2026-11-30T12:00:01Z"), "openrouter", "anthropic/claude-sonnet-4",
                    null, null, null, 401, 12, "provider said: bad key " + SECRET));
            return Map.of("done", true);
        });
    }

    @Test
    void aJobsModelCallsAreKeptWithTheJobAndLoggedWithSecretsMasked() {
        fixture = new QueueFixture();
        Roomote roomote = fixture.start(true, Map.of("GH_TOKEN", SECRET), reportsTwoCalls());
        long id = QueueFixture.enqueue(roomote, "test.model", "{}");

        QueueFixture.awaitStatus(roomote, id, JobStatus.COMPLETED, Duration.ofSeconds(20));

        List<ModelCallRepository.StoredModelCall> calls = roomote.modelCalls().list(id, 10);
        assertThat(calls).hasSize(2).allSatisfy(c -> {
            assertThat(c.jobId()).isEqualTo(id);
            assertThat(c.run()).isEqualTo(1);
        });
        assertThat(calls.get(0).call()).isEqualTo(new ModelCall(Instant.parse("2026-11-30T12:00:00Z"), "openrouter",
                "anthropic/claude-sonnet-4", 1000L, 200L, 0.01, 200, 850, null));
        assertThat(calls.get(1).call().status()).isEqualTo(401);
        assertThat(calls.get(1).call().error()).isEqualTo("provider said: bad key " + SecretRedactor.MASK);
        assertThat(roomote.modelCalls().totals(id)).isEqualTo(new ModelCallRepository.Totals(2, 1000, 200, 0.01));
        // The job's log keeps its one line per call, as without a store.
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(roomote.queue().logs(id, 0, 100)).extracting(JobLogLine::line)
                        .filteredOn(l -> l.startsWith("model call: ")).hasSize(2)
                        .noneMatch(l -> l.contains(SECRET)));
    }

    @Test
    void aDatabaseFailureWhileStoringACallIsLoggedOnceAndTheJobSucceeds() {
        contextLogger.addAppender(warnings);
        warnings.start();
        Database unreachable = TestDatabases.fresh();
        unreachable.close(); // a real failure: the pool refuses every connection from now on
        CollectingLogSink sink = new CollectingLogSink();
        Settings settings = Settings.of(Map.of("GH_TOKEN", SECRET));
        JobRunner runner = new JobRunner(JobTypeRegistry.of(reportsTwoCalls()), Json.newMapper(), settings,
                new SecretRedactor(settings.secretValues()), workRoot, Duration.ofSeconds(1), timers,
                new ModelCallRepository(unreachable)::record);

        JobOutcome outcome = runner.run(new JobRequest(7, 1, "test.model", json("{}"), Duration.ofMinutes(1),
                new CancellationSignal(), sink));

        assertThat(outcome).isInstanceOfSatisfying(JobOutcome.Succeeded.class,
                s -> assertThat(s.result().get("done").asBoolean()).isTrue());
        assertThat(sink.texts()).filteredOn(l -> l.startsWith("model call: ")).hasSize(2);
        List<ILoggingEvent> warned = warnings.list.stream().filter(e -> e.getLevel() == Level.WARN).toList();
        assertThat(warned).hasSize(2).allSatisfy(e -> {
            assertThat(e.getFormattedMessage()).startsWith("job 7 attempt 1: could not store a model call")
                    .doesNotContain("\n").doesNotContain(SECRET);
            assertThat(e.getThrowableProxy()).as("one line, no stack trace").isNull();
        });
    }

    @Test
    void aRunnerWithoutAStoreWritesTheLogLineOnlyAsTheJenkinsStepDoes() {
        CollectingLogSink sink = new CollectingLogSink();
        Settings settings = Settings.of(Map.of());
        JobRunner runner = new JobRunner(JobTypeRegistry.of(reportsTwoCalls()), Json.newMapper(), settings,
                new SecretRedactor(settings.secretValues()), workRoot, Duration.ofSeconds(1), timers);

        JobOutcome outcome = runner.run(new JobRequest(7, 1, "test.model", json("{}"), Duration.ofMinutes(1),
                new CancellationSignal(), sink));

        assertThat(outcome).isInstanceOf(JobOutcome.Succeeded.class);
        assertThat(sink.texts()).contains("model call: openrouter anthropic/claude-sonnet-4 status 200, tokens 1000 in / 200 out, $0.01");
    }
}
