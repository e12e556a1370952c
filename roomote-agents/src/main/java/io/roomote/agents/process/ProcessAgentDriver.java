package io.roomote.agents.process;

import io.roomote.agents.AgentContainment;
import io.roomote.agents.AgentDriver;
import io.roomote.agents.AgentOutcome;
import io.roomote.agents.AgentRequest;
import io.roomote.agents.AgentUsage;
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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The common part of every agent that is a command-line process: a hermetic start (only the given
 * environment, stdin from /dev/null, its own session so the whole tree can be stopped), every output line
 * into the job log, a stop on cancellation or deadline, and the exit code as a report (never as proof).
 * Subclasses say which command to run, what to add to the environment and how to read usage from output.
 */
public abstract class ProcessAgentDriver implements AgentDriver {

    /** Longest output line kept in the job log; agents print whole files at times. */
    static final int MAX_LINE = 4000;

    /** The argv of the agent. {@code promptFile} holds the prompt, for agents that read it from a file. */
    protected abstract List<String> command(AgentRequest request, Path promptFile) throws IOException;

    /** Variables to add to the request's environment (config folders, provider keys); may write config files. */
    protected Map<String, String> extraEnvironment(AgentRequest request) throws IOException {
        return Map.of();
    }

    /** Handles one line of the agent's output: log it, and collect usage where the agent prints it. */
    protected void onOutput(String line, JobLogger log, AtomicReference<AgentUsage> usage) {
        log.info(line);
    }

    /** What {@link #command} refuses for this request: building the command line checks the agent's settings and keys. */
    @Override
    public java.util.Optional<String> configurationProblem(AgentRequest probe) {
        try {
            command(probe, probe.agentHome().resolve("roomote-prompt.md"));
            return java.util.Optional.empty();
        } catch (io.roomote.core.config.ConfigurationException e) {
            return java.util.Optional.of(e.getMessage());
        } catch (IOException | RuntimeException e) {
            return java.util.Optional.empty(); // not a matter of settings: the run reports it
        }
    }

    @Override
    public AgentOutcome run(AgentRequest request) throws IOException, InterruptedException {
        Path promptFile = request.agentHome().resolve("roomote-prompt.md");
        Files.createDirectories(request.agentHome());
        Files.writeString(promptFile, request.prompt(), StandardCharsets.UTF_8);
        List<String> agentArgv = command(request, promptFile);
        Map<String, String> env = new HashMap<>(request.environment());
        env.putAll(extraEnvironment(request));
        List<String> argv = new ArrayList<>();
        argv.add("setsid");
        // The sandbox hides most of the host; the agent's own program must stay visible (read-only).
        List<Path> programFolder = AgentContainment.installFolder(agentArgv.get(0), env.get("PATH")).stream().toList();
        argv.addAll(request.containment().command(agentArgv, env.keySet(), programFolder));

        ProcessBuilder pb = new ProcessBuilder(argv).directory(request.workspace().toFile())
                .redirectInput(new File("/dev/null")).redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().putAll(env);
        request.log().info("starting agent " + name() + (request.containment().contained()
                ? " in the " + request.containment().mode().value() + " sandbox" : "") + ": " + String.join(" ", describe(agentArgv)));
        Process process;
        try {
            process = pb.start();
        } catch (IOException e) {
            request.containment().cleanUp();
            throw e;
        }
        try {
            return supervise(request, process);
        } finally {
            request.containment().cleanUp();
        }
    }

    private AgentOutcome supervise(AgentRequest request, Process process) throws InterruptedException {
        AtomicReference<AgentUsage> usage = new AtomicReference<>(AgentUsage.UNKNOWN);
        Thread reader = new Thread(() -> pump(process, request.log(), usage), "agent-output-" + request.jobId());
        reader.setDaemon(true);
        reader.start();

        String stopReason = null;
        long stopEnd = 0;
        while (process.isAlive()) {
            if (request.cancellation().isCancelled()) {
                stopReason = "stopped: " + request.cancellation().reason().map(Enum::name).orElse("cancelled").toLowerCase(java.util.Locale.ROOT);
            } else if (Instant.now().isAfter(request.deadline())) {
                stopReason = "stopped: deadline reached";
            }
            if (stopReason != null) {
                stopEnd = System.nanoTime() + request.stopGrace().toNanos();
                request.log().warn("stopping agent " + name() + " (" + stopReason + ")");
                // SIGTERM, then SIGKILL after the usual 5 s, or sooner when the job's own grace is short.
                ProcessTree.terminate(process.toHandle(), request.stopGrace().compareTo(AgentRequest.DEFAULT_STOP_GRACE) < 0
                        ? request.stopGrace() : AgentRequest.DEFAULT_STOP_GRACE);
                break;
            }
            process.waitFor(200, TimeUnit.MILLISECONDS);
        }
        // The agent may leave children (servers, shells) behind even after a clean exit.
        ProcessTree.terminate(process.toHandle(), Duration.ofMillis(500));
        // The output's last lines; after a stop, only within what is left of the stop grace.
        reader.join(stopReason == null ? 5_000
                : Math.max(1, Math.min(5_000, TimeUnit.NANOSECONDS.toMillis(stopEnd - System.nanoTime()))));
        if (stopReason != null) {
            return new AgentOutcome(AgentOutcome.Status.STOPPED, stopReason, usage.get());
        }
        int code = process.exitValue();
        return code == 0
                ? new AgentOutcome(AgentOutcome.Status.FINISHED, "agent exited with code 0", usage.get())
                : new AgentOutcome(AgentOutcome.Status.FAILED, "agent exited with code " + code, usage.get());
    }

    private void pump(Process process, JobLogger log, AtomicReference<AgentUsage> usage) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                String kept = line.length() > MAX_LINE ? line.substring(0, MAX_LINE) + " …[truncated]" : line;
                try {
                    onOutput(kept, log, usage);
                } catch (RuntimeException e) {
                    // Keep draining: a reader that stops would leave the agent blocked on a full pipe.
                    log.info(kept);
                }
            }
        } catch (IOException e) {
            // the process ended
        }
    }

    /** The command as logged: the prompt (long, and possibly sensitive) is not repeated in the log. */
    private static List<String> describe(List<String> argv) {
        return argv.stream().map(a -> a.length() > 200 || a.contains("\n") ? "<prompt>" : a).toList();
    }
}
