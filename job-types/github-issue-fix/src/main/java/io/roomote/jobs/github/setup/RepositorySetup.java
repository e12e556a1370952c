package io.roomote.jobs.github.setup;

import io.roomote.agents.AgentContainment;
import io.roomote.agents.process.ProcessTree;
import io.roomote.sandbox.JobSandbox;
import io.roomote.sandbox.egress.EgressPolicy;
import io.roomote.spi.Cancellation;
import io.roomote.spi.JobLogger;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The repository's own setup before the agent, as GitHub Copilot's {@code copilot-setup-steps.yml}, OpenHands'
 * {@code .openhands/setup.sh} and Codex cloud's setup script: {@code ROOMOTE_SETUP_COMMAND} if the operator set
 * one, else the repository's {@code .roomote/setup.sh}, else nothing. It runs in the workspace, in a sandbox of
 * its own that contains it as the agent is contained, but whose egress proxy allows {@code ROOMOTE_SETUP_EGRESS_ALLOW}
 * (package registries) instead of the agent's list; it gets no model gateway and no GitHub token. Its output goes
 * to the job log (bounded; the job log redacts secrets), it has its own time limit, and its whole process tree is
 * gone when it returns. What it leaves in the workspace and HOME ({@code node_modules}, caches) stays for the agent.
 */
public final class RepositorySetup {

    /** The repository's setup script, relative to the workspace. */
    public static final String SCRIPT = ".roomote/setup.sh";
    /** Lines of output kept for a failed job's result. */
    static final int TAIL_LINES = 20;
    /** Longest output line in the job log, and in the tail. */
    static final int MAX_LINE = 2000;
    static final int MAX_TAIL_LINE = 300;
    /** Lines written to the job log at most; the rest is counted, and the tail still kept. */
    static final int MAX_LOGGED_LINES = 5000;
    /** After a stop: SIGTERM, then SIGKILL after this long. */
    static final Duration STOP_GRACE = Duration.ofSeconds(2);
    /** Credentials the setup never gets, whatever the caller's environment holds: no GitHub, no models. */
    static final Set<String> WITHHELD = Set.of("GH_TOKEN", "GITHUB_TOKEN", "GH_ENTERPRISE_TOKEN", "GIT_ASKPASS",
            "OPENROUTER_API_KEY", "OPENAI_API_KEY", "ANTHROPIC_API_KEY", JobSandbox.MODEL_BASE_URL_VARIABLE,
            "OPENAI_BASE_URL", "ANTHROPIC_BASE_URL");

    /**
     * Opens the sandbox the setup runs in: the agent's sandbox settings and hidden paths, with {@code egress} as
     * its allow-list, no model routes, and {@code log} for the proxy's lines.
     */
    @FunctionalInterface
    public interface SandboxOpener {
        JobSandbox open(EgressPolicy egress, JobLogger log) throws IOException;
    }

    /**
     * One setup.
     *
     * @param workspace    the working copy; the setup runs there
     * @param environment  the agent's environment before the sandbox's additions; {@link #WITHHELD} names are removed
     * @param stopGrace    once the job is asked to stop, the longest the setup may take to end
     */
    public record Request(long jobId, Path workspace, Map<String, String> environment, SetupSettings settings,
                          JobLogger log, Cancellation cancellation, Duration stopGrace, SandboxOpener sandboxes) {
        public Request {
            Objects.requireNonNull(workspace, "workspace");
            environment = Map.copyOf(environment);
            Objects.requireNonNull(settings, "settings");
            Objects.requireNonNull(log, "log");
            Objects.requireNonNull(cancellation, "cancellation");
            Objects.requireNonNull(stopGrace, "stopGrace");
            Objects.requireNonNull(sandboxes, "sandboxes");
        }
    }

    /**
     * The sandbox request for a setup, made from the agent's: {@code egress} instead of the agent's allow-list,
     * no model routes (the setup has no model access), and {@code log} for the proxy's lines.
     */
    public static JobSandbox.Request sandboxRequest(JobSandbox.Request agent, EgressPolicy egress, JobLogger log) {
        return new JobSandbox.Request(agent.settings(), agent.jobId(), agent.workspace(), agent.home(), agent.hidden(),
                egress, List.of(), agent.prices(), agent.budget(), agent.calls(), log, agent.clock());
    }

    private final Clock clock;

    /** {@code clock} measures the setup's time limit and duration. */
    public RepositorySetup(Clock clock) {
        this.clock = clock;
    }

    public SetupResult run(Request r) throws IOException, InterruptedException {
        SetupSettings settings = r.settings();
        List<String> argv;
        String source;
        if (settings.command().isPresent()) {
            argv = List.of("/bin/sh", "-c", settings.command().get());
            source = SetupSettings.COMMAND;
        } else if (Files.isRegularFile(r.workspace().resolve(SCRIPT))) {
            argv = List.of("/bin/sh", SCRIPT);
            source = SCRIPT;
        } else {
            return SetupResult.skipped();
        }
        JobLogger log = prefixed(r.log());
        try (JobSandbox sandbox = r.sandboxes().open(settings.egress(), log)) {
            Map<String, String> env = new HashMap<>(r.environment());
            env.putAll(sandbox.agentEnvironment());
            WITHHELD.forEach(env::remove);
            AgentContainment containment = AgentContainment.of(sandbox.sandbox(), sandbox.spec());
            if (containment.contained()) {
                r.log().info("setup: running " + source + " in the " + containment.mode().value()
                        + " sandbox, egress allowed to " + settings.egress().describe() + ", time limit "
                        + io.roomote.core.config.Durations.describe(settings.timeout()));
            } else {
                r.log().warn("setup: running " + source + " WITHOUT a sandbox (ROOMOTE_SANDBOX=none): it runs as the"
                        + " runner's user and can reach any host, as the agent would");
            }
            List<String> command = new ArrayList<>();
            // Its own session, so that its process group can be signalled as a whole (the only net without a sandbox).
            command.add("setsid");
            command.addAll(containment.command(argv, env.keySet(), List.of()));
            ProcessBuilder pb = new ProcessBuilder(command).directory(r.workspace().toFile())
                    .redirectInput(new File("/dev/null")).redirectErrorStream(true);
            pb.environment().clear();
            pb.environment().putAll(env);
            Instant start = clock.instant();
            Process process;
            try {
                process = pb.start();
            } catch (IOException e) {
                containment.cleanUp();
                throw e;
            }
            try {
                return supervise(r, process, source, start, log);
            } finally {
                containment.cleanUp();
            }
        }
    }

    private SetupResult supervise(Request r, Process process, String source, Instant start, JobLogger log)
            throws InterruptedException {
        Output output = new Output(log);
        Thread reader = new Thread(() -> output.pump(process), "setup-output-" + r.jobId());
        reader.setDaemon(true);
        reader.start();
        Instant timeoutAt = start.plus(r.settings().timeout());
        SetupResult.Status stopped = null;
        while (process.isAlive()) {
            if (r.cancellation().isCancelled()) {
                stopped = SetupResult.Status.STOPPED;
            } else if (!clock.instant().isBefore(timeoutAt)) {
                stopped = SetupResult.Status.TIMED_OUT;
            }
            if (stopped != null) {
                r.log().warn("setup: stopping " + source + " ("
                        + (stopped == SetupResult.Status.TIMED_OUT ? "timed out" : "the job was asked to stop") + ")");
                ProcessTree.terminate(process.toHandle(),
                        r.stopGrace().compareTo(STOP_GRACE) < 0 ? r.stopGrace() : STOP_GRACE);
                break;
            }
            process.waitFor(100, TimeUnit.MILLISECONDS);
        }
        // A clean exit may leave children behind; in a sandbox they die with it, without one its process group.
        ProcessTree.terminate(process.toHandle(), Duration.ofMillis(500));
        process.waitFor(5, TimeUnit.SECONDS);
        // Its last lines. A daemon left outside the sandbox may hold the pipe open: the reader is not waited for long.
        reader.join(stopped == null ? 5_000 : 1_000);
        Duration took = Duration.between(start, clock.instant());
        List<String> tail = output.tail();
        output.finish();
        if (stopped != null) {
            return new SetupResult(stopped, source, null, took, tail);
        }
        int code = process.exitValue();
        SetupResult result = new SetupResult(code == 0 ? SetupResult.Status.SUCCEEDED : SetupResult.Status.FAILED,
                source, code, took, tail);
        if (code == 0) {
            r.log().info("setup: " + source + " finished in " + io.roomote.core.config.Durations.describe(
                    Duration.ofSeconds(Math.max(1, took.toSeconds()))));
        }
        return result;
    }

    private static JobLogger prefixed(JobLogger log) {
        return (level, line) -> log.log(level, "setup: " + line);
    }

    /** The setup's output: into the job log up to a bound, and its last lines kept for the result. */
    private static final class Output {
        private final JobLogger log;
        private final ArrayDeque<String> tail = new ArrayDeque<>();
        private int lines;
        private boolean announced;

        Output(JobLogger log) {
            this.log = log;
        }

        void pump(Process process) {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    add(line);
                }
            } catch (IOException e) {
                // the process ended
            }
        }

        synchronized void add(String line) {
            lines++;
            if (lines <= MAX_LOGGED_LINES) {
                log.info(line.length() > MAX_LINE ? line.substring(0, MAX_LINE) + " …[truncated]" : line);
            } else if (!announced) {
                announced = true;
                log.warn("more than " + MAX_LOGGED_LINES + " lines of output; the rest is not logged");
            }
            tail.addLast(line.length() > MAX_TAIL_LINE ? line.substring(0, MAX_TAIL_LINE) + " …" : line);
            if (tail.size() > TAIL_LINES) {
                tail.removeFirst();
            }
        }

        synchronized List<String> tail() {
            return List.copyOf(tail);
        }

        synchronized void finish() {
            if (lines > MAX_LOGGED_LINES) {
                log.warn((lines - MAX_LOGGED_LINES) + " more lines of output were not logged");
            }
        }
    }
}
