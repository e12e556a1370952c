package io.roomote.controller.process;

import io.roomote.controller.LaunchedWorker;
import io.roomote.controller.ReapedWorker;
import io.roomote.controller.WorkerLauncher;
import io.roomote.controller.WorkerSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

/**
 * {@code ROOMOTE_LAUNCHER=process}: each worker is a local child process ({@code java -jar roomote.jar worker
 * --once}, or {@code ROOMOTE_WORKER_COMMAND}) in a session of its own, so that a stopped or killed controller
 * (or Ctrl-C in its terminal) leaves it to finish its job. Its settings and secrets are in its environment, never
 * on its command line; its output is appended to {@code <workersDir>/<controllerId>/<workerName>.log}. A pid
 * file next to it (pid and process start time) is how {@link #alive} counts workers, also those a controller
 * before a restart started.
 */
public final class ProcessLauncher implements WorkerLauncher {

    private static final Logger log = LoggerFactory.getLogger(ProcessLauncher.class);
    /** Logs of ended workers kept per controller; older ones are deleted as workers are reaped. */
    static final int KEPT_LOGS = 50;
    private static final Path SETSID = Path.of("/usr/bin/setsid");

    private final Path workersDir;
    private final List<String> command;
    private final Map<String, String> extraEnvironment;
    /** Workers this launcher started, by name: their exit codes are known. */
    private final Map<String, Process> children = new ConcurrentHashMap<>();
    private final List<Runnable> exitListeners = new CopyOnWriteArrayList<>();

    /**
     * @param workersDir        {@code $ROOMOTE_HOME/workers}
     * @param command           the worker's command line (see {@link WorkerCommand})
     * @param extraEnvironment  set in every worker's environment besides its spec's (e.g. {@code ROOMOTE_HOME})
     */
    public ProcessLauncher(Path workersDir, List<String> command, Map<String, String> extraEnvironment) {
        if (command.isEmpty()) {
            throw new IllegalArgumentException("the worker command is empty");
        }
        this.workersDir = workersDir;
        this.command = List.copyOf(command);
        this.extraEnvironment = Map.copyOf(extraEnvironment);
    }

    @Override
    public String name() {
        return "process";
    }

    public List<String> command() {
        return command;
    }

    @Override
    public LaunchedWorker launch(WorkerSpec spec) throws IOException {
        Path executable = executable(command.get(0));
        Path dir = dir(spec.controllerId());
        Files.createDirectories(dir);
        List<String> cmd = new ArrayList<>();
        if (Files.isExecutable(SETSID)) {
            cmd.add(SETSID.toString()); // a Java child is no group leader, so setsid execs in place: same pid
        }
        cmd.add(executable.toString());
        cmd.addAll(command.subList(1, command.size()));
        File logFile = dir.resolve(spec.workerName() + ".log").toFile();
        ProcessBuilder b = new ProcessBuilder(cmd)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile));
        Map<String, String> env = b.environment();
        env.putAll(extraEnvironment);
        env.putAll(spec.environment());
        env.putAll(spec.secrets());
        Process p = b.start();
        try {
            PidFile pidFile = PidFile.write(dir, spec.workerName(), p.toHandle());
            children.put(spec.workerName(), p);
            p.onExit().thenRun(() -> exitListeners.forEach(Runnable::run));
            return new LaunchedWorker(String.valueOf(p.pid()), spec.workerName(), pidFile.startedAt());
        } catch (IOException e) {
            // Without its pid file nobody could count it: it must not run.
            p.destroyForcibly();
            throw new IOException("started worker " + spec.workerName() + " but could not write its pid file in " + dir
                    + ": " + e.getMessage(), e);
        }
    }

    /** The command's program, checked before starting, so that a wrong one is a clear failed launch. */
    private static Path executable(String program) throws IOException {
        if (program.contains("/")) {
            Path p = Path.of(program);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p;
            }
            throw new IOException("the worker command's program " + program + " is not an executable file"
                    + " (ROOMOTE_WORKER_COMMAND)");
        }
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!d.isEmpty()) {
                Path p = Path.of(d, program);
                if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                    return p;
                }
            }
        }
        throw new IOException("the worker command's program " + program + " is not on PATH (ROOMOTE_WORKER_COMMAND)");
    }

    @Override
    public List<LaunchedWorker> alive(String controllerId) throws IOException {
        List<LaunchedWorker> alive = new ArrayList<>();
        for (PidFile f : pidFiles(controllerId)) {
            if (isAlive(f)) {
                alive.add(new LaunchedWorker(String.valueOf(f.pid()), f.workerName(), f.startedAt()));
            }
        }
        return alive;
    }

    @Override
    public List<ReapedWorker> reap(String controllerId) throws IOException {
        List<ReapedWorker> reaped = new ArrayList<>();
        for (PidFile f : pidFiles(controllerId)) {
            if (isAlive(f)) {
                continue;
            }
            Process child = children.remove(f.workerName());
            OptionalInt code = child == null ? OptionalInt.empty() : OptionalInt.of(child.exitValue());
            Files.deleteIfExists(f.path());
            reaped.add(new ReapedWorker(String.valueOf(f.pid()), f.workerName(), code));
        }
        if (!reaped.isEmpty()) {
            pruneLogs(dir(controllerId));
        }
        return reaped;
    }

    @Override
    public void onWorkerExit(Runnable listener) {
        exitListeners.add(listener);
    }

    /** A child of this launcher is asked directly (its exit is known at once); others by pid and start time. */
    private boolean isAlive(PidFile f) {
        Process child = children.get(f.workerName());
        return child != null ? child.isAlive() : f.alive();
    }

    private List<PidFile> pidFiles(String controllerId) throws IOException {
        Path dir = dir(controllerId);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(PidFile::read).flatMap(Optional::stream).toList();
        }
    }

    private void pruneLogs(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> ended = files.filter(p -> p.getFileName().toString().endsWith(".log"))
                    .filter(p -> !Files.exists(dir.resolve(p.getFileName().toString().replaceAll("\\.log$", PidFile.SUFFIX))))
                    .sorted(Comparator.comparing(ProcessLauncher::modified).reversed())
                    .toList();
            for (Path old : ended.subList(Math.min(KEPT_LOGS, ended.size()), ended.size())) {
                Files.deleteIfExists(old);
            }
        } catch (IOException e) {
            log.debug("could not prune worker logs in {}: {}", dir, e.getMessage());
        }
    }

    private static java.nio.file.attribute.FileTime modified(Path p) {
        try {
            return Files.getLastModifiedTime(p);
        } catch (IOException e) {
            return java.nio.file.attribute.FileTime.fromMillis(0);
        }
    }

    private Path dir(String controllerId) {
        return workersDir.resolve(controllerId);
    }
}
