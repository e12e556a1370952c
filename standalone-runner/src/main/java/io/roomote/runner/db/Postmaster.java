package io.roomote.runner.db;

import io.zonky.test.db.postgres.util.LinuxUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs the PostgreSQL programs of one data folder: initdb, the server itself, single-user mode and pg_ctl.
 * Every one starts with a minimal environment (never the JVM's, which holds GH_TOKEN, SLACK_API_TOKEN and the
 * like), its output appended to {@code $ROOMOTE_HOME/postgres.log}.
 */
final class Postmaster {

    private static final Logger log = LoggerFactory.getLogger(Postmaster.class);
    static final String USER = "postgres";
    private static final Duration STARTUP_WAIT = Duration.ofSeconds(60);
    private static final Duration STOP_WAIT = Duration.ofSeconds(30);

    private final PostgresBinaries binaries;
    private final Path dataDir;
    private final Path logFile;
    private final List<String> unprivileged;

    Postmaster(PostgresBinaries binaries, Path dataDir, Path logFile) {
        this.binaries = binaries;
        this.dataDir = dataDir;
        this.logFile = logFile;
        // PostgreSQL refuses to run as root; as zonky does, a root Roomote (a container) runs it in a user
        // namespace of its own, where it is not root but still owns the files it made.
        this.unprivileged = LinuxUtils.isUnshareAvailable() ? List.of(tool("unshare").orElse("unshare"), "-U") : List.of();
    }

    Path dataDir() {
        return dataDir;
    }

    Path logFile() {
        return logFile;
    }

    /**
     * Stops a server of this data folder that nobody owns any more (the caller holds the home's lock), e.g.
     * one a killed Roomote left running, and drops a stale {@code postmaster.pid} whose pid now names another
     * process, which PostgreSQL would take for a running server.
     */
    void stopLeftover() {
        Optional<PostmasterPidFile> file = PostmasterPidFile.read(dataDir);
        if (file.isEmpty()) {
            return;
        }
        Optional<ProcessHandle> live = file.get().liveProcess(dataDir);
        if (live.isPresent()) {
            log.warn("stopping the embedded PostgreSQL (pid {}) that was left running on {} by a Roomote that is gone",
                    live.get().pid(), dataDir);
            stop(live.get());
            return;
        }
        try {
            Files.deleteIfExists(dataDir.resolve(PostmasterPidFile.FILE));
        } catch (IOException e) {
            log.warn("could not delete the stale {}: {}", dataDir.resolve(PostmasterPidFile.FILE), e.getMessage());
        }
    }

    /** A new cluster whose superuser has the password in {@code password}'s file; password logins only. */
    void initdb(DatabasePassword password) {
        int code = run(List.of(binaries.bin("initdb").toString(), "-D", dataDir.toString(), "-U", USER,
                "-A", "scram-sha-256", "--pwfile=" + password.file(), "-E", "UTF-8", "--locale=C"), null,
                Duration.ofMinutes(5));
        if (code != 0) {
            throw new IllegalStateException("initdb failed (exit code " + code + ") in " + dataDir + "; see " + logFile);
        }
    }

    /**
     * Sets the superuser's password with the server stopped, in single-user mode: no port is open while a data
     * folder of an older Roomote (which trusted every local connection) is being moved to passwords.
     */
    void setPassword(DatabasePassword password) {
        String sql = "ALTER ROLE " + USER + " PASSWORD '" + password.value() + "';\n";
        int code = run(List.of(binaries.bin("postgres").toString(), "--single", "-D", dataDir.toString(),
                "-c", "listen_addresses=", "-c", "unix_socket_directories=", "-c", "password_encryption=scram-sha-256",
                // Never echo the statement (it holds the password) into the log, even on an error.
                "-c", "log_min_error_statement=panic", "postgres"), sql, Duration.ofMinutes(5));
        if (code != 0) {
            throw new IllegalStateException("could not set the embedded PostgreSQL's password in single-user mode"
                    + " (exit code " + code + "); see " + logFile);
        }
    }

    /**
     * Starts the server on {@code port} and waits until it answers; returns its process. It runs in a session
     * of its own (setsid), so a Ctrl-C meant for Roomote does not stop it before Roomote has handed its jobs
     * back: Roomote stops it last.
     */
    ProcessHandle start(int port, DatabasePassword password) {
        List<String> cmd = new ArrayList<>(List.of(binaries.bin("postgres").toString(), "-D", dataDir.toString(), "-p", String.valueOf(port),
                // IPv4 loopback only: with "localhost", a port taken on one of 127.0.0.1/::1 is only a warning.
                "-c", "listen_addresses=127.0.0.1",
                // TCP only: no socket in a shared /tmp.
                "-c", "unix_socket_directories=",
                "-c", "password_encryption=scram-sha-256",
                // Durable, unlike zonky's test default (fsync off).
                "-c", "fsync=on", "-c", "synchronous_commit=on", "-c", "full_page_writes=on",
                "-c", "max_connections=200", "-c", "timezone=UTC"));
        Process process;
        try {
            process = builder(true, cmd).start();
        } catch (IOException e) {
            throw new IllegalStateException("could not run " + binaries.bin("postgres") + ": " + e.getMessage(), e);
        }
        long deadline = System.nanoTime() + STARTUP_WAIT.toNanos();
        SQLException last = null;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive() && PostmasterPidFile.read(dataDir).flatMap(f -> f.liveProcess(dataDir)).isEmpty()) {
                throw new IllegalStateException("the embedded PostgreSQL exited at start (exit code "
                        + process.exitValue() + ")" + lastProblem() + "; see " + logFile);
            }
            try (Connection ignored = connect(port, "postgres", password)) {
                // setsid runs postgres in its own place (no fork) when it is not a group leader; the pid file
                // names the postmaster either way.
                return PostmasterPidFile.read(dataDir).flatMap(f -> ProcessHandle.of(f.pid()))
                        .orElse(process.toHandle());
            } catch (SQLException e) {
                if ("28P01".equals(e.getSQLState())) {
                    stop(process.toHandle());
                    throw new IllegalStateException("the embedded PostgreSQL refused the password in " + password.file()
                            + ". If that file was replaced or edited, delete it and start Roomote again: a new"
                            + " password is then made and set.");
                }
                last = e;
            }
            sleep(100);
        }
        stop(process.toHandle());
        throw new IllegalStateException("the embedded PostgreSQL did not answer on port " + port + " within "
                + STARTUP_WAIT.toSeconds() + " s (" + (last == null ? "no answer" : last.getMessage()) + "); see " + logFile);
    }

    /** The server's last FATAL/ERROR line, so that the one-line error says what went wrong. */
    private String lastProblem() {
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(logFile.toFile(), "r")) {
            long from = Math.max(0, f.length() - 8192);
            byte[] tail = new byte[(int) (f.length() - from)];
            f.seek(from);
            f.readFully(tail);
            List<String> lines = new String(tail, StandardCharsets.UTF_8).lines()
                    .filter(l -> l.contains("FATAL:") || l.contains("ERROR:")).toList();
            return lines.isEmpty() ? "" : ": " + lines.get(lines.size() - 1).replaceFirst("^.*?(FATAL|ERROR):\\s*", "");
        } catch (IOException e) {
            return "";
        }
    }

    Connection connect(int port, String database, DatabasePassword password) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", USER);
        props.setProperty("password", password.value());
        props.setProperty("connectTimeout", "2");
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + database, props);
    }

    /**
     * Stops a postmaster of this data folder with {@code pg_ctl stop -m fast}; if pg_ctl cannot be run (as
     * happens while a JVM exits) or does not finish, signals it directly: SIGTERM (PostgreSQL's smart
     * shutdown, quick once Roomote's connections are closed), then SIGKILL. Returns once it is gone.
     */
    void stop(ProcessHandle postmaster) {
        if (!postmaster.isAlive()) {
            return;
        }
        try {
            int code = run(List.of(binaries.bin("pg_ctl").toString(), "stop", "-D", dataDir.toString(), "-m", "fast",
                    "-w", "-t", String.valueOf(STOP_WAIT.toSeconds())), null, STOP_WAIT.plusSeconds(5));
            if (code != 0 && postmaster.isAlive()) {
                log.warn("pg_ctl stop exited with {}; signalling the embedded PostgreSQL (pid {})", code, postmaster.pid());
            }
        } catch (IllegalStateException e) {
            log.warn("{}; signalling the embedded PostgreSQL (pid {}) instead", e.getMessage(), postmaster.pid());
        }
        if (awaitExit(postmaster, Duration.ofSeconds(1))) {
            return;
        }
        postmaster.destroy();
        if (awaitExit(postmaster, STOP_WAIT)) {
            return;
        }
        log.warn("the embedded PostgreSQL (pid {}) did not stop within {} s; killing it", postmaster.pid(),
                STOP_WAIT.toSeconds());
        postmaster.destroyForcibly();
        awaitExit(postmaster, Duration.ofSeconds(10));
    }

    static boolean awaitExit(ProcessHandle p, Duration wait) {
        try {
            p.onExit().get(wait.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return !p.isAlive();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !p.isAlive();
        } catch (java.util.concurrent.ExecutionException e) {
            return !p.isAlive();
        }
    }

    /** Runs a program to its end; its output goes to the log file. Throws if it cannot be started. */
    private int run(List<String> cmd, String stdin, Duration timeout) {
        Process p;
        try {
            ProcessBuilder b = builder(cmd);
            if (stdin != null) {
                b.redirectInput(ProcessBuilder.Redirect.PIPE);
            }
            p = b.start();
        } catch (IOException e) {
            throw new IllegalStateException("could not run " + cmd.get(0) + ": " + e.getMessage(), e);
        }
        try {
            if (stdin != null) {
                try (var in = p.getOutputStream()) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
            }
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(Path.of(cmd.get(0)).getFileName() + " did not finish within "
                        + timeout.toSeconds() + " s; see " + logFile);
            }
            return p.exitValue();
        } catch (IOException e) {
            p.destroyForcibly();
            throw new IllegalStateException("could not talk to " + cmd.get(0) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IllegalStateException("interrupted while running " + cmd.get(0), e);
        }
    }

    private ProcessBuilder builder(List<String> program) {
        return builder(false, program);
    }

    private ProcessBuilder builder(boolean detached, List<String> program) {
        List<String> cmd = new ArrayList<>();
        if (detached) {
            tool("setsid").ifPresent(cmd::add);
        }
        cmd.addAll(unprivileged);
        cmd.addAll(program);
        ProcessBuilder b = new ProcessBuilder(cmd).directory(dataDir.getParent().toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(nullDevice()));
        Map<String, String> env = b.environment();
        Map<String, String> keep = minimalEnvironment(env);
        env.clear();
        env.putAll(keep);
        return b;
    }

    /** What PostgreSQL needs to run and nothing of Roomote's: the JVM's variables hold its secrets. */
    static Map<String, String> minimalEnvironment(Map<String, String> current) {
        Map<String, String> env = new java.util.HashMap<>();
        env.put("PATH", "/usr/local/bin:/usr/bin:/bin");
        env.put("LC_ALL", "C");
        for (String windows : List.of("SystemRoot", "SYSTEMROOT", "TEMP", "TMP")) {
            if (current.containsKey(windows)) {
                env.put(windows, current.get(windows));
            }
        }
        return env;
    }

    private static Optional<String> tool(String name) {
        return List.of("/usr/bin/", "/bin/").stream().map(dir -> dir + name).filter(p -> Files.isExecutable(Path.of(p)))
                .findFirst();
    }

    private static java.io.File nullDevice() {
        boolean windows = System.getProperty("os.name").toLowerCase(java.util.Locale.ROOT).startsWith("windows");
        return new java.io.File(windows ? "NUL" : "/dev/null");
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the embedded PostgreSQL", e);
        }
    }
}
