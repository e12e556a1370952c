package io.roomote.jobs.github.setup;

import io.roomote.core.config.ConfigurationException;
import io.roomote.core.config.Settings;
import io.roomote.core.execution.CancellationSignal;
import io.roomote.sandbox.JobSandbox;
import io.roomote.sandbox.SandboxSettings;
import io.roomote.sandbox.gateway.Budget;
import io.roomote.sandbox.gateway.ModelPrices;
import io.roomote.spi.Cancellation;
import io.roomote.spi.JobLogger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * RepositorySetup on its own, as any job type would use it (no fix payload involved). Real: /bin/sh and the
 * processes it starts, run with ROOMOTE_SANDBOX=none here (containment is shown by RepositorySetupJobTest under
 * bubblewrap); nothing is a stand-in.
 */
class RepositorySetupTest {

    @TempDir
    Path temp;

    private final List<String> log = new CopyOnWriteArrayList<>();
    private final JobLogger logger = (level, line) -> log.add(level + " " + line);
    private final AtomicInteger sandboxesOpened = new AtomicInteger();

    private RepositorySetup.Request request(Map<String, String> config, Cancellation cancellation) throws Exception {
        Path workspace = Files.createDirectories(temp.resolve("workspace"));
        Path home = Files.createDirectories(temp.resolve("home"));
        Settings settings = Settings.of(config);
        SandboxSettings sandbox = SandboxSettings.from(settings, Map.of("PATH", System.getenv("PATH")));
        JobSandbox.Request agent = new JobSandbox.Request(sandbox, 1, workspace, home, List.of(),
                io.roomote.sandbox.egress.EgressPolicy.none(), List.of(), ModelPrices.none(), Budget.unlimited(),
                call -> { }, logger, Clock.systemUTC());
        return new RepositorySetup.Request(1, workspace, Map.of("PATH", System.getenv("PATH"), "HOME", home.toString()),
                SetupSettings.from(settings), logger, cancellation, Duration.ofSeconds(1), (egress, log) -> {
            sandboxesOpened.incrementAndGet();
            return JobSandbox.open(RepositorySetup.sandboxRequest(agent, egress, log));
        });
    }

    @Test
    void settingsHaveDefaultsAndRefuseMalformedValuesNamingTheSetting() {
        SetupSettings defaults = SetupSettings.from(Settings.of(Map.of()));
        assertThat(defaults.command()).isEmpty();
        assertThat(defaults.timeout()).isEqualTo(Duration.ofMinutes(10));
        assertThat(defaults.egress().describe()).isEqualTo("(none)");

        SetupSettings set = SetupSettings.from(Settings.of(Map.of("ROOMOTE_SETUP_COMMAND", "  npm ci  ",
                "ROOMOTE_SETUP_TIMEOUT", "3", "ROOMOTE_SETUP_EGRESS_ALLOW", "registry.npmjs.org,*.maven.org:443")));
        assertThat(set.command()).contains("npm ci");
        assertThat(set.timeout()).as("a bare number is minutes").isEqualTo(Duration.ofMinutes(3));
        assertThat(set.egress().describe()).isEqualTo("registry.npmjs.org, *.maven.org:443");
        assertThat(SetupSettings.from(Settings.of(Map.of("ROOMOTE_SETUP_TIMEOUT", "90s"))).timeout())
                .isEqualTo(Duration.ofSeconds(90));

        assertThatThrownBy(() -> SetupSettings.from(Settings.of(Map.of("ROOMOTE_SETUP_TIMEOUT", "soon"))))
                .isInstanceOf(ConfigurationException.class).hasMessageStartingWith("ROOMOTE_SETUP_TIMEOUT must be a duration");
        assertThatThrownBy(() -> SetupSettings.from(Settings.of(Map.of("ROOMOTE_SETUP_TIMEOUT", "0s"))))
                .isInstanceOf(ConfigurationException.class).hasMessage("ROOMOTE_SETUP_TIMEOUT must be positive, got '0s'");
        assertThatThrownBy(() -> SetupSettings.from(Settings.of(Map.of("ROOMOTE_SETUP_EGRESS_ALLOW", "a b.example"))))
                .isInstanceOf(ConfigurationException.class).hasMessageStartingWith("ROOMOTE_SETUP_EGRESS_ALLOW: 'a b.example'");
    }

    @Test
    void withoutAScriptOrACommandNothingRunsAndNoSandboxIsOpened() throws Exception {
        SetupResult result = new RepositorySetup(Clock.systemUTC())
                .run(request(Map.of("ROOMOTE_SANDBOX", "none"), new CancellationSignal()));

        assertThat(result.status()).isEqualTo(SetupResult.Status.SKIPPED);
        assertThat(result.agentMayStart()).isTrue();
        assertThat(sandboxesOpened).hasValue(0);
        assertThat(log).isEmpty();
    }

    @Test
    void theJobLogGetsABoundedNumberOfLinesAndTheResultTheLastOnes() throws Exception {
        int lines = RepositorySetup.MAX_LOGGED_LINES + 100;
        SetupResult result = new RepositorySetup(Clock.systemUTC()).run(request(Map.of("ROOMOTE_SANDBOX", "none",
                "ROOMOTE_SETUP_COMMAND", "i=0; while [ $i -lt " + lines + " ]; do echo line-$i; i=$((i+1)); done; exit 4"),
                new CancellationSignal()));

        assertThat(result.status()).isEqualTo(SetupResult.Status.FAILED);
        assertThat(result.exitCode()).isEqualTo(4);
        assertThat(result.agentMayStart()).isFalse();
        assertThat(log.stream().filter(l -> l.startsWith("INFO setup: line-"))).hasSize(RepositorySetup.MAX_LOGGED_LINES);
        assertThat(log).contains("WARN setup: more than " + RepositorySetup.MAX_LOGGED_LINES
                + " lines of output; the rest is not logged", "WARN setup: 100 more lines of output were not logged");
        assertThat(result.logTail()).containsExactlyElementsOf(IntStream.range(lines - RepositorySetup.TAIL_LINES, lines)
                .mapToObj(i -> "line-" + i).toList());
        assertThat(result.message()).startsWith("the repository's setup (ROOMOTE_SETUP_COMMAND) exited with code 4 after ")
                .endsWith("its last output:\n" + String.join("\n", result.logTail()));
    }

    @Test
    void aJobAskedToStopStopsItsSetup() throws Exception {
        CancellationSignal cancel = new CancellationSignal();
        RepositorySetup.Request r = request(Map.of("ROOMOTE_SANDBOX", "none",
                "ROOMOTE_SETUP_COMMAND", "echo waiting; sleep 600"), cancel);
        CompletableFuture<SetupResult> running = CompletableFuture.supplyAsync(() -> {
            try {
                return new RepositorySetup(Clock.systemUTC()).run(r);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        await().atMost(Duration.ofSeconds(30)).until(() -> log.contains("INFO setup: waiting"));

        cancel.fire(Cancellation.Reason.CANCELLED);

        SetupResult result = running.get(30, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(result.status()).isEqualTo(SetupResult.Status.STOPPED);
        assertThat(result.agentMayStart()).isFalse();
        assertThat(result.exitCode()).isNull();
        assertThat(log).contains("WARN setup: stopping ROOMOTE_SETUP_COMMAND (the job was asked to stop)")
                .anyMatch(l -> l.startsWith("WARN setup: running ROOMOTE_SETUP_COMMAND WITHOUT a sandbox"));
        assertThat(Optional.of(result.logTail())).contains(List.of("waiting"));
    }
}
