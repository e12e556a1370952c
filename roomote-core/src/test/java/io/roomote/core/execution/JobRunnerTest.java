package io.roomote.core.execution;

import io.roomote.core.config.Settings;
import io.roomote.core.logging.SecretRedactor;
import io.roomote.core.store.Json;
import io.roomote.core.testing.CollectingLogSink;
import io.roomote.core.testing.EchoJobType;
import io.roomote.core.testing.TestJobType;
import io.roomote.core.types.JobTypeRegistry;
import io.roomote.spi.Cancellation;
import io.roomote.spi.JobFailedException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicReference;

import static io.roomote.core.testing.QueueFixture.json;
import static org.assertj.core.api.Assertions.assertThat;

/** Running one job with no queue and no database, as the Jenkins step does. */
class JobRunnerTest {

    private static final String SECRET = "ghp_abcdefghijklmnopqrstuvwxyz0123456789";

    @TempDir
    Path workRoot;

    private final ScheduledExecutorService timers = Executors.newScheduledThreadPool(1);
    private final CollectingLogSink sink = new CollectingLogSink();

    @AfterEach
    void stopTimers() {
        timers.shutdownNow();
    }

    private JobRunner runner(Duration grace, TestJobType... types) {
        List<io.roomote.spi.JobType<?, ?>> all = new java.util.ArrayList<>(List.of(types));
        all.add(new EchoJobType());
        Settings settings = Settings.of(Map.of("GH_TOKEN", SECRET, "WORKSPACE_NAME", "kept"));
        return new JobRunner(JobTypeRegistry.of(all), Json.newMapper(), settings,
                new SecretRedactor(settings.secretValues()), workRoot, grace, timers);
    }

    private JobRequest request(String type, String payload, Duration timeout, CancellationSignal signal) {
        return new JobRequest(7, 1, type, json(payload), timeout, signal, sink);
    }

    @Test
    void runsAJobAndStreamsItsLogToTheSink() {
        JobOutcome outcome = runner(Duration.ofSeconds(1)).run(request("test.echo", "{\"message\":\"hey\"}",
                Duration.ofMinutes(1), new CancellationSignal()));

        assertThat(outcome).isInstanceOfSatisfying(JobOutcome.Succeeded.class,
                s -> assertThat(s.result().get("echo").asText()).isEqualTo("hey"));
        assertThat(sink.texts()).contains("echoing hey");
        assertThat(sink.lines()).allSatisfy(l -> assertThat(l.jobId()).isEqualTo(7));
    }

    @Test
    void theContextCarriesAPrivateWorkDirectoryThatIsRemovedAfterwards() {
        AtomicReference<Path> dir = new AtomicReference<>();
        TestJobType writes = new TestJobType("test.writes", (p, ctx) -> {
            dir.set(ctx.workDir());
            Files.writeString(ctx.workDir().resolve("scratch.txt"), "x");
            return Map.of("config", ctx.config().get("WORKSPACE_NAME", "?"), "job", ctx.jobId());
        });

        JobOutcome outcome = runner(Duration.ofSeconds(1), writes).run(request("test.writes", "{}", Duration.ofMinutes(1),
                new CancellationSignal()));

        assertThat(dir.get().getParent()).isEqualTo(workRoot);
        assertThat(dir.get()).doesNotExist();
        assertThat(((JobOutcome.Succeeded) outcome).result().get("config").asText()).isEqualTo("kept");
    }

    @Test
    void anExternalCancellationStopsTheJob() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        TestJobType waits = new TestJobType("test.waits", (p, ctx) -> {
            started.countDown();
            CountDownLatch stop = new CountDownLatch(1);
            ctx.cancellation().onCancel(stop::countDown);
            stop.await();
            throw new JobFailedException("stopped, wip pushed", false, Map.of("branch", "roomote/wip/1-7"), null);
        });
        CancellationSignal signal = new CancellationSignal();
        AtomicReference<JobOutcome> outcome = new AtomicReference<>();
        Thread t = new Thread(() -> outcome.set(runner(Duration.ofSeconds(5), waits)
                .run(request("test.waits", "{}", Duration.ofMinutes(1), signal))));
        t.start();
        started.await();

        signal.fire(Cancellation.Reason.CANCELLED);
        t.join(10_000);

        assertThat(outcome.get()).isInstanceOfSatisfying(JobOutcome.Stopped.class, s -> {
            assertThat(s.reason()).isEqualTo(Cancellation.Reason.CANCELLED);
            assertThat(s.abandoned()).isFalse();
            assertThat(s.result().get("branch").asText()).isEqualTo("roomote/wip/1-7");
        });
    }

    @Test
    void theDeadlineFiresTheCancellationWithReasonTimedOut() {
        TestJobType waits = new TestJobType("test.waits", (p, ctx) -> {
            while (!ctx.cancellation().isCancelled()) {
                Thread.onSpinWait();
            }
            ctx.cancellation().throwIfCancelled();
            return null;
        });

        JobOutcome outcome = runner(Duration.ofSeconds(5), waits).run(request("test.waits", "{}", Duration.ofMillis(150),
                new CancellationSignal()));

        assertThat(outcome).isInstanceOfSatisfying(JobOutcome.Stopped.class, s -> {
            assertThat(s.reason()).isEqualTo(Cancellation.Reason.TIMED_OUT);
            assertThat(s.message()).isEqualTo("timed out after 150 ms");
        });
    }

    @Test
    void secretsNeverReachTheLogTheErrorOrTheResult() {
        TestJobType leaky = new TestJobType("test.leaky", (p, ctx) -> {
            ctx.log().info("pushing with https://x-access-token:" + SECRET + "@github.com/acme/app.git");
            ctx.log().info("token is " + ctx.config().get("GH_TOKEN").orElseThrow());
            if (p.has("fail")) {
                throw JobFailedException.permanent("auth failed for " + SECRET);
            }
            return Map.of("echo", SECRET, "nested", List.of("Bearer " + "abcdefghijklmnop"));
        });
        JobRunner runner = runner(Duration.ofSeconds(1), leaky);

        JobOutcome ok = runner.run(request("test.leaky", "{}", Duration.ofMinutes(1), new CancellationSignal()));
        JobOutcome failed = runner.run(request("test.leaky", "{\"fail\":true}", Duration.ofMinutes(1), new CancellationSignal()));

        assertThat(sink.texts()).isNotEmpty().noneMatch(l -> l.contains(SECRET) || l.contains("abcdefghijklmnop"));
        assertThat(sink.texts()).contains("token is ****");
        assertThat(((JobOutcome.Succeeded) ok).result().toString()).doesNotContain(SECRET).doesNotContain("abcdefghijklmnop");
        assertThat(((JobOutcome.Failed) failed).error()).isEqualTo("auth failed for ****");
    }

    @Test
    void anUnknownTypeOrABadPayloadFailsFinally() {
        JobRunner runner = runner(Duration.ofSeconds(1));

        JobOutcome unknown = runner.run(request("nope", "{}", Duration.ofMinutes(1), new CancellationSignal()));
        JobOutcome invalid = runner.run(request("test.echo", "{\"times\":1}", Duration.ofMinutes(1), new CancellationSignal()));

        assertThat(unknown).isInstanceOfSatisfying(JobOutcome.Failed.class, f -> {
            assertThat(f.retryable()).isFalse();
            assertThat(f.error()).contains("unknown job type 'nope'").contains("test.echo");
        });
        assertThat(invalid).isInstanceOfSatisfying(JobOutcome.Failed.class, f -> {
            assertThat(f.retryable()).isFalse();
            assertThat(f.error()).contains("payload.message");
        });
    }

    @Test
    void cancellationCallbacksRegisteredLateStillRunOnce() {
        CancellationSignal signal = new CancellationSignal();
        signal.fire(Cancellation.Reason.SHUTDOWN);
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();

        signal.onCancel(calls::incrementAndGet);

        assertThat(calls.get()).isEqualTo(1);
        assertThat(signal.fire(Cancellation.Reason.CANCELLED)).isFalse();
        assertThat(signal.reason()).contains(Cancellation.Reason.SHUTDOWN);
        assertThat(calls.get()).isEqualTo(1);
    }
}
