package io.roomote.agents.roocode;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import io.roomote.agents.AgentDriver;
import io.roomote.agents.AgentOutcome;
import io.roomote.agents.AgentRequest;
import io.roomote.agents.AgentUsage;
import io.roomote.agents.process.ProcessTree;
import io.roomote.core.config.ConfigurationException;
import io.roomote.core.config.Durations;
import io.roomote.spi.JobLogger;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * {@code roo-code}: Roo Code in VS Code, driven over the extension's IPC socket, as the original Roomote
 * worker did — but reporting an abort as an abort, ending only on the top-level task's completion, and
 * writing nothing into the workspace.
 *
 * <p>One run: start {@code code} (under {@code xvfb-run} when the agent has no {@code DISPLAY}) with exactly
 * the agent's environment plus {@code ROO_CODE_IPC_SOCKET_PATH}; wait for the socket; connect and wait for
 * the Ack (up to 5 attempts); send {@code StartNewTask}; log the task's events; end on the top-level task's
 * {@code taskCompleted} (FINISHED), its {@code taskAborted} (ABORTED), or the connection's end (FAILED). On
 * cancellation or deadline (STOPPED): {@code CancelTask}, a pause, {@code CloseTask}, a pause, disconnect, wait
 * for VS Code to exit, then kill its whole process tree. After a normal end: {@code CloseTask}, disconnect,
 * wait, kill the tree. The socket file is removed at the end.
 *
 * <p>Settings: {@code ROOMOTE_VSCODE_PATH} (default {@code code}), {@code ROOMOTE_VSCODE_EXTENSIONS_DIR},
 * {@code ROOMOTE_VSCODE_START_TIMEOUT} (default 30 s), {@code OPENROUTER_API_KEY} and {@code OPENROUTER_MODEL}
 * (from the agent's environment, else Roomote's settings; the request's model wins).
 */
public final class RooCodeAgentDriver implements AgentDriver {

    public static final String NAME = "roo-code";
    static final String API_KEY_SETTING = "OPENROUTER_API_KEY";
    static final String MODEL_SETTING = "OPENROUTER_MODEL";
    static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(30);

    /** The pauses of a run; the defaults are the original worker's. */
    record Timings(Duration socketPoll, Duration ackTimeout, int connectAttempts, Duration cancelWait,
                   Duration closeWait, Duration exitWait, Duration killGrace) {
        static final Timings DEFAULT = new Timings(Duration.ofMillis(250), Duration.ofSeconds(1), 5,
                Duration.ofSeconds(5), Duration.ofSeconds(2), Duration.ofSeconds(10), Duration.ofSeconds(5));
    }

    private final Timings timings;
    private final ObjectMapper mapper = new ObjectMapper();

    public RooCodeAgentDriver() {
        this(Timings.DEFAULT);
    }

    RooCodeAgentDriver(Timings timings) {
        this.timings = timings;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public AgentOutcome run(AgentRequest request) throws IOException, InterruptedException {
        return new Run(request).execute();
    }

    // ---------------------------------------------------------------------------------------------------

    /** What the reader thread and the cancellation callback hand to the driving thread. */
    private sealed interface Signal permits Event, Lost, Wake {
    }

    private record Event(int attempt, String name, JsonNode payload) implements Signal {
    }

    private record Lost(int attempt, String reason) implements Signal {
    }

    private enum Wake implements Signal { INSTANCE }

    /** The state of one task. */
    private final class Run {
        private final AgentRequest request;
        private final JobLogger log;
        private final BlockingQueue<Signal> signals = new LinkedBlockingQueue<>();
        private final RooTaskTracker tracker = new RooTaskTracker();
        private final RooEventLog eventLog;
        private final Optional<String> apiKey;
        private final Optional<String> model;
        private Path socket;
        private Process process;
        private Thread pump;
        private RooCodeIpcClient client;
        /** VS Code's last output lines, to explain an early exit. */
        private final java.util.ArrayDeque<String> lastOutput = new java.util.ArrayDeque<>();
        private int attempt;
        private boolean connected;
        /** When the stop must be over ({@link AgentRequest#stopGrace()} after it began); MIN_VALUE: not stopping. */
        private final java.util.concurrent.atomic.AtomicLong stopEndNanos = new java.util.concurrent.atomic.AtomicLong(Long.MIN_VALUE);

        Run(AgentRequest request) {
            this.request = request;
            // Behind Roomote's model gateway the key is the job's token, in the agent's environment only: never
            // fall back to Roomote's own (real) key then.
            this.apiKey = request.modelBaseUrl().isPresent()
                    ? Optional.ofNullable(request.environment().get(API_KEY_SETTING)).map(String::trim).filter(v -> !v.isEmpty())
                    : setting(API_KEY_SETTING);
            // The agent's own output (a command it runs may print its environment) must not leak the key either.
            JobLogger jobLog = request.log();
            this.log = (level, line) -> jobLog.log(level, redact(line));
            this.eventLog = new RooEventLog(log, mapper);
            this.model = request.model().filter(m -> !m.isBlank()).or(() -> setting(MODEL_SETTING));
        }

        /** The agent's environment first (it is what the job was given), then Roomote's settings. */
        private Optional<String> setting(String name) {
            return Optional.ofNullable(request.environment().get(name)).filter(v -> !v.isBlank())
                    .or(() -> request.config().get(name)).map(String::trim).filter(v -> !v.isEmpty());
        }

        AgentOutcome execute() throws IOException, InterruptedException {
            String early = stopReason();
            if (early != null) {
                return new AgentOutcome(AgentOutcome.Status.STOPPED, early, AgentUsage.UNKNOWN);
            }
            Duration startTimeout = startTimeout();
            Path userData = request.agentHome().resolve("vscode-user-data");
            Files.createDirectories(userData);
            do {
                // In a sandbox /tmp is private to it: the socket must be in a folder both sides see.
                socket = request.containment().contained()
                        ? VsCodeLauncher.newSocketPath(request.agentHome()) : VsCodeLauncher.newSocketPath();
            } while (Files.exists(socket));
            List<String> argv = new ArrayList<>();
            argv.add("setsid");
            List<String> vscode = VsCodeLauncher.command(request.config(), request.environment(), userData, request.workspace());
            Map<String, String> env = VsCodeLauncher.environment(request.environment(), request.agentHome(), socket);
            String program = vscode.get(0).equals("xvfb-run") ? vscode.get(3) : vscode.get(0);
            List<java.nio.file.Path> readable = new ArrayList<>();
            io.roomote.agents.AgentContainment.installFolder(program, env.get("PATH")).ifPresent(readable::add);
            request.config().get(VsCodeLauncher.EXTENSIONS_DIR_SETTING).map(java.nio.file.Path::of).ifPresent(readable::add);
            argv.addAll(request.containment().command(vscode, env.keySet(), readable));
            if (apiKey.isEmpty()) {
                log.warn("OPENROUTER_API_KEY is not set: Roo Code will only work if its own settings hold a provider key");
            }
            request.cancellation().onCancel(() -> {
                startStopClock();
                signals.offer(Wake.INSTANCE);
            });
            try {
                start(argv);
                return drive(startTimeout);
            } finally {
                cleanUp();
            }
        }

        private Duration startTimeout() {
            Optional<String> raw = request.config().get(VsCodeLauncher.START_TIMEOUT_SETTING);
            if (raw.isEmpty()) {
                return DEFAULT_START_TIMEOUT;
            }
            try {
                Duration d = Durations.parse(raw.get(), ChronoUnit.SECONDS);
                if (d.isNegative() || d.isZero()) {
                    throw new IllegalArgumentException("must be positive");
                }
                return d;
            } catch (IllegalArgumentException | java.time.format.DateTimeParseException e) {
                throw new ConfigurationException(VsCodeLauncher.START_TIMEOUT_SETTING + ": " + e.getMessage());
            }
        }

        private void start(List<String> argv) throws IOException {
            ProcessBuilder pb = new ProcessBuilder(argv).directory(request.workspace().toFile())
                    .redirectInput(new File("/dev/null")).redirectErrorStream(true);
            pb.environment().clear();
            pb.environment().putAll(VsCodeLauncher.environment(request.environment(), request.agentHome(), socket));
            log.info("starting Roo Code in VS Code" + (request.containment().contained()
                    ? " in the " + request.containment().mode().value() + " sandbox" : "") + ": "
                    + String.join(" ", VsCodeLauncher.command(request.config(), request.environment(),
                    request.agentHome().resolve("vscode-user-data"), request.workspace())));
            try {
                process = pb.start();
            } catch (IOException e) {
                throw new IOException("cannot start VS Code (" + argv.get(argv.size() > 1 ? 1 : 0) + "): " + e.getMessage()
                        + "; set " + VsCodeLauncher.PATH_SETTING + " to the 'code' command"
                        + (VsCodeLauncher.hasDisplay(request.environment()) ? "" : " and install xvfb-run"), e);
            }
            pump = new Thread(this::pumpOutput, "roo-code-output-" + request.jobId());
            pump.setDaemon(true);
            pump.start();
        }

        private AgentOutcome drive(Duration startTimeout) throws InterruptedException {
            AgentOutcome notStarted = awaitSocket(startTimeout);
            if (notStarted != null) {
                return notStarted;
            }
            notStarted = connect();
            if (notStarted != null) {
                return notStarted;
            }
            var configuration = RooTaskSettings.configuration(mapper, apiKey, model, request.modelBaseUrl());
            log.info("sending StartNewTask to Roo Code (" + RooTaskSettings.describe(configuration) + ")");
            if (!send("StartNewTask", RooTaskSettings.startNewTask(mapper, configuration, request.prompt()))) {
                return lost("could not send the task");
            }
            while (true) {
                String stop = stopReason();
                if (stop != null) {
                    return stop(stop);
                }
                Signal s = signals.poll(pollInterval(), TimeUnit.MILLISECONDS);
                if (s instanceof Event e && e.attempt() == attempt) {
                    eventLog.accept(e.name(), e.payload());
                    Optional<RooTaskTracker.End> end = tracker.accept(e.name(), e.payload());
                    if (end.isPresent()) {
                        return finish(end.get());
                    }
                } else if (s instanceof Lost l && l.attempt() == attempt) {
                    connected = false;
                    return lost(l.reason());
                }
            }
        }

        private long pollInterval() {
            long untilDeadline = Duration.between(Instant.now(), request.deadline()).toMillis();
            return Math.max(1, Math.min(200, untilDeadline));
        }

        private void startStopClock() {
            stopEndNanos.compareAndSet(Long.MIN_VALUE, System.nanoTime() + request.stopGrace().toNanos());
        }

        /** {@code wanted}, or less once stopping: every pause of the stop fits in the request's stop grace. */
        private Duration withinStop(Duration wanted) {
            long end = stopEndNanos.get();
            if (end == Long.MIN_VALUE) {
                return wanted;
            }
            long left = Math.max(0, end - System.nanoTime());
            return wanted.toNanos() <= left ? wanted : Duration.ofNanos(left);
        }

        private String stopReason() {
            if (request.cancellation().isCancelled()) {
                return "stopped: " + request.cancellation().reason().map(Enum::name).orElse("cancelled").toLowerCase(Locale.ROOT);
            }
            if (!Instant.now().isBefore(request.deadline())) {
                startStopClock();
                return "stopped: deadline reached";
            }
            return null;
        }

        private AgentOutcome awaitSocket(Duration startTimeout) throws InterruptedException {
            long end = System.nanoTime() + startTimeout.toNanos();
            while (!Files.exists(socket)) {
                String stop = stopReason();
                if (stop != null) {
                    return stop(stop);
                }
                if (!process.isAlive()) {
                    return failed("VS Code exited with code " + process.exitValue()
                            + " before Roo Code opened its IPC socket (is the Roo Code extension installed?)" + lastWords());
                }
                if (System.nanoTime() - end > 0) {
                    return failed("Roo Code did not open its IPC socket within " + Durations.describe(startTimeout)
                            + " (is the extension RooVeterinaryInc.roo-cline installed? see " + VsCodeLauncher.START_TIMEOUT_SETTING + ")");
                }
                signals.poll(timings.socketPoll().toMillis(), TimeUnit.MILLISECONDS);
            }
            log.info("Roo Code's IPC socket is open: " + socket);
            return null;
        }

        private AgentOutcome connect() throws InterruptedException {
            String lastError = "no attempt";
            for (int i = 1; i <= timings.connectAttempts(); i++) {
                String stop = stopReason();
                if (stop != null) {
                    return stop(stop);
                }
                if (!process.isAlive()) {
                    return failed("VS Code exited with code " + process.exitValue() + " before Roo Code answered on its socket"
                            + lastWords());
                }
                attempt = i;
                int thisAttempt = i;
                long started = System.nanoTime();
                try {
                    client = RooCodeIpcClient.connect(mapper, socket, timings.ackTimeout(), new RooCodeIpcClient.Listener() {
                        @Override
                        public void onEvent(JsonNode data) {
                            signals.offer(new Event(thisAttempt, data.path("eventName").asText(), data.path("payload")));
                        }

                        @Override
                        public void onClosed(boolean byUs, String reason) {
                            if (!byUs) {
                                signals.offer(new Lost(thisAttempt, reason));
                            }
                        }
                    }, "roo-code-ipc-" + request.jobId());
                    connected = true;
                    log.info("connected to Roo Code (client id " + client.clientId() + ")");
                    return null;
                } catch (TimeoutException e) {
                    lastError = "no Ack within " + Durations.describe(timings.ackTimeout());
                } catch (IOException e) {
                    lastError = e.getMessage();
                    // A refused connection fails at once: space the attempts as an Ack wait would.
                    long left = timings.ackTimeout().toNanos() - (System.nanoTime() - started);
                    if (left > 0) {
                        signals.poll(left, TimeUnit.NANOSECONDS);
                    }
                }
                log.log(JobLogger.Level.DEBUG, "connection attempt " + i + " to Roo Code failed: " + lastError);
            }
            return failed("could not connect to Roo Code's IPC socket after " + timings.connectAttempts() + " attempts: " + lastError);
        }

        /** Sends a command; false when the connection is gone. */
        private boolean send(String command, JsonNode data) {
            if (client == null || !connected) {
                return false;
            }
            try {
                client.send(command, data);
                return true;
            } catch (IOException e) {
                log.warn("could not send " + command + " to Roo Code: " + e.getMessage());
                return false;
            }
        }

        private AgentOutcome finish(RooTaskTracker.End end) throws InterruptedException {
            AgentOutcome outcome;
            if (end == RooTaskTracker.End.COMPLETED) {
                String subtasks = tracker.subtasksCompleted() == 0 ? "" : " (after " + tracker.subtasksCompleted() + " subtask"
                        + (tracker.subtasksCompleted() == 1 ? "" : "s") + ")";
                outcome = new AgentOutcome(AgentOutcome.Status.FINISHED, "Roo Code completed the task" + subtasks
                        + tracker.completionResult().map(r -> ": " + abbreviate(r, 300)).orElse(""), usage());
            } else {
                outcome = new AgentOutcome(AgentOutcome.Status.ABORTED, "Roo Code aborted the task", usage());
            }
            closeTask();
            return outcome;
        }

        /** Cancellation or deadline: ask the task to stop, then close it, then end VS Code. */
        private AgentOutcome stop(String reason) throws InterruptedException {
            startStopClock();
            log.warn("stopping Roo Code (" + reason + "; it has " + Durations.describe(request.stopGrace()) + " to stop)");
            Optional<String> taskId = tracker.topLevelTaskId();
            if (taskId.isPresent() && send("CancelTask", TextNode.valueOf(taskId.get()))) {
                log.info("sent CancelTask for task " + taskId.get());
                drain(withinStop(timings.cancelWait()), s -> s instanceof Event e && "taskAborted".equals(e.name())
                        && taskId.get().equals(e.payload().path(0).asText(null)), false);
            }
            closeTask();
            return new AgentOutcome(AgentOutcome.Status.STOPPED, reason, usage());
        }

        /** CloseTask (saves files and closes the window, ending {@code code --wait}), disconnect, wait for the exit. */
        private void closeTask() throws InterruptedException {
            Optional<String> taskId = tracker.topLevelTaskId();
            if (taskId.isPresent() && send("CloseTask", TextNode.valueOf(taskId.get()))) {
                log.info("sent CloseTask for task " + taskId.get());
                drain(withinStop(timings.closeWait()), s -> false, true);
                disconnect();
                awaitExit(withinStop(timings.exitWait()));
            } else {
                // Without a task to close, nothing will make VS Code exit by itself: it is killed next.
                disconnect();
            }
        }

        private AgentOutcome lost(String reason) throws InterruptedException {
            log.error("lost the connection to Roo Code before the task finished: " + reason);
            disconnect();
            awaitExit(timings.exitWait());
            String exit = process.isAlive() ? "" : " (VS Code exited with code " + process.exitValue() + ")";
            return new AgentOutcome(AgentOutcome.Status.FAILED, "lost the connection to Roo Code before the task finished" + exit,
                    usage());
        }

        private AgentOutcome failed(String message) {
            log.error(message);
            return new AgentOutcome(AgentOutcome.Status.FAILED, message, usage());
        }

        /**
         * Keeps logging events for up to {@code max}; returns early when {@code until} matches, when the
         * connection ends, or (with {@code orExit}) when VS Code exits.
         */
        private void drain(Duration max, Predicate<Signal> until, boolean orExit) throws InterruptedException {
            long end = System.nanoTime() + max.toNanos();
            while (connected) {
                if (orExit && !process.isAlive()) {
                    return;
                }
                long left = end - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                Signal s = signals.poll(Math.min(left, TimeUnit.MILLISECONDS.toNanos(50)), TimeUnit.NANOSECONDS);
                if (s instanceof Event e && e.attempt() == attempt) {
                    eventLog.accept(e.name(), e.payload());
                    tracker.accept(e.name(), e.payload());
                } else if (s instanceof Lost l && l.attempt() == attempt) {
                    connected = false;
                    log.info("Roo Code closed the connection");
                    return;
                }
                if (s != null && until.test(s)) {
                    return;
                }
            }
        }

        private void disconnect() throws InterruptedException {
            if (client != null) {
                client.close();
                client.awaitReader(withinStop(Duration.ofSeconds(2)));
                connected = false;
            }
        }

        private void awaitExit(Duration max) throws InterruptedException {
            if (process.waitFor(max.toMillis(), TimeUnit.MILLISECONDS)) {
                log.info("VS Code exited with code " + process.exitValue());
            } else {
                log.warn("VS Code did not exit within " + Durations.describe(max) + "; killing it");
            }
        }

        private void cleanUp() throws InterruptedException {
            try {
                disconnect();
            } finally {
                if (process != null) {
                    // Electron helpers and Xvfb outlive a clean exit of the launcher: always end the whole tree.
                    ProcessTree.terminate(process.toHandle(), withinStop(timings.killGrace()));
                }
                request.containment().cleanUp();
                if (pump != null) {
                    pump.join(5_000);
                }
                try {
                    Files.deleteIfExists(socket);
                } catch (IOException e) {
                    log.warn("could not remove the IPC socket " + socket + ": " + e.getMessage());
                }
            }
        }

        /** ": <VS Code's last output lines>" once it has exited, or nothing. */
        private String lastWords() throws InterruptedException {
            pump.join(1_000); // the output may still be in the pipe
            synchronized (lastOutput) {
                return lastOutput.isEmpty() ? "" : ": " + redact(String.join(" | ", lastOutput));
            }
        }

        private AgentUsage usage() {
            return tracker.usage(model.orElse(null));
        }

        private void pumpOutput() {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    log.log(JobLogger.Level.DEBUG, "vscode: " + RooEventLog.clip(line));
                    synchronized (lastOutput) {
                        if (!line.isBlank()) {
                            lastOutput.addLast(line.length() > 300 ? line.substring(0, 300) + "…" : line);
                        }
                        if (lastOutput.size() > 3) {
                            lastOutput.removeFirst();
                        }
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
        }

        /** VS Code's trace log may echo the task's settings, a command may print its environment: hide the key. */
        private String redact(String line) {
            return apiKey.filter(k -> k.length() >= 4).map(k -> line.replace(k, "***")).orElse(line);
        }
    }

    private static String abbreviate(String text, int max) {
        String oneLine = text.strip().replaceAll("\\s+", " ");
        return oneLine.length() > max ? oneLine.substring(0, max) + "…" : oneLine;
    }
}
