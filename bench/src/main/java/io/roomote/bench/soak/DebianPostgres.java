package io.roomote.bench.soak;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A PostgreSQL server of Debian's {@code postgresql} package, in a data folder of the soak's own, on a loopback
 * port, durable ({@code fsync=on}, {@code synchronous_commit=on}). Its programs are not on PATH: they are in
 * {@code /usr/lib/postgresql/<version>/bin}. As root (a container) they run in a user namespace of their own
 * ({@code unshare -U}), since PostgreSQL refuses to run as root.
 */
public final class DebianPostgres implements AutoCloseable {

    public static final Path DEBIAN_ROOT = Path.of("/usr/lib/postgresql");

    private final Path bin;
    private final Path dataDir;
    private final Path logFile;
    private final int port;
    private Process server;

    private DebianPostgres(Path bin, Path dataDir, Path logFile, int port) {
        this.bin = bin;
        this.dataDir = dataDir;
        this.logFile = logFile;
        this.port = port;
    }

    /** The bin folder of the newest installed version that has initdb and postgres. */
    public static Optional<Path> findBin() {
        if (!Files.isDirectory(DEBIAN_ROOT)) {
            return Optional.empty();
        }
        try (Stream<Path> versions = Files.list(DEBIAN_ROOT)) {
            return versions.map(v -> v.resolve("bin"))
                    .filter(b -> Files.isExecutable(b.resolve("initdb")) && Files.isExecutable(b.resolve("postgres")))
                    .max(Comparator.comparing(b -> versionOf(b.getParent().getFileName().toString())));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static int versionOf(String name) {
        try {
            return Integer.parseInt(name);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Makes a new cluster in {@code dir}/data (trust logins on loopback only) and starts it. */
    public static DebianPostgres create(Path bin, Path dir) throws IOException, InterruptedException {
        Path data = dir.resolve("data");
        Path log = dir.resolve("postgres.log");
        List<String> initdb = new ArrayList<>(unprivileged());
        initdb.addAll(List.of(bin.resolve("initdb").toString(), "-D", data.toString(), "-U", "postgres",
                "-A", "trust", "-E", "UTF-8", "--locale=C"));
        Process p = new ProcessBuilder(initdb).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        if (!p.waitFor(2, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IOException("initdb failed; see " + log);
        }
        DebianPostgres postgres = new DebianPostgres(bin, data, log, freePort());
        postgres.start();
        return postgres;
    }

    private static List<String> unprivileged() {
        boolean root = "root".equals(System.getProperty("user.name"));
        return root ? List.of("unshare", "-U") : List.of();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    int port() {
        return port;
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database + "?user=postgres";
    }

    /** Starts the server and waits until it answers. */
    void start() throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(unprivileged());
        cmd.addAll(List.of(bin.resolve("postgres").toString(), "-D", dataDir.toString(), "-p", String.valueOf(port),
                "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=",
                "-c", "fsync=on", "-c", "synchronous_commit=on", "-c", "full_page_writes=on",
                "-c", "max_connections=200", "-c", "timezone=UTC"));
        server = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile())).start();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            try (Connection ignored = DriverManager.getConnection(jdbcUrl("postgres"))) {
                return;
            } catch (SQLException e) {
                if (!server.isAlive()) {
                    throw new IOException("PostgreSQL exited at start (exit code " + server.exitValue() + "); see " + logFile);
                }
                if (System.nanoTime() > deadline) {
                    throw new IOException("PostgreSQL did not answer within 60 s; see " + logFile);
                }
                Thread.sleep(100);
            }
        }
    }

    /** Fast shutdown (SIGINT to our own postmaster: sessions are ended, a checkpoint is written). */
    public void stop() throws InterruptedException {
        if (server == null || !server.isAlive()) {
            return;
        }
        signal(server.pid(), "INT");
        if (!server.waitFor(60, TimeUnit.SECONDS)) {
            server.destroyForcibly().waitFor();
        }
    }

    static void signal(long pid, String signal) throws InterruptedException {
        try {
            new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start().waitFor();
        } catch (IOException e) {
            throw new IllegalStateException("could not send SIG" + signal + " to " + pid + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
