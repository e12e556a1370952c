package io.roomote.sandbox.bwrap;

import io.roomote.core.host.Executables;

import com.sun.net.httpserver.HttpServer;
import io.roomote.sandbox.Bridge;
import io.roomote.sandbox.NoSandbox;
import io.roomote.sandbox.Sandbox;
import io.roomote.sandbox.SandboxSettings;
import io.roomote.sandbox.SandboxSpec;
import io.roomote.sandbox.Sandboxes;
import io.roomote.sandbox.bridge.UnixSocketForwarder;
import io.roomote.core.config.Settings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Runs a probe script in the real bubblewrap sandbox (bwrap and socat from PATH), started as the agent drivers
 * start agents (setsid, a cleared environment), and checks what it could see and do. Every check is also run
 * without the sandbox ({@link NoSandbox}) where that is safe, and there the probe must succeed at what the
 * sandbox forbids, so the checks are shown to be able to fail. Nothing here is a stand-in.
 *
 * <p>Layout: a "ROOMOTE_HOME" under target/ (hidden through the spec) holds a secret, the agent's tools (made
 * readable again through the spec's readOnly), and the job's workspace and HOME (bound on top of the hidden
 * folder); the bridge folder lies in /tmp, which the sandbox hides too.
 */
class BwrapSandboxTest {

    private static final String PATH = Optional.ofNullable(System.getenv("PATH")).orElse("/usr/bin:/bin");
    private static final String SOCAT = Executables.find("socat", PATH).orElseThrow().toString();

    /** Prints key=value lines about what the script can see and do; see the keys asserted below. */
    private static final String PROBE = String.join("\n",
            "r() { if \"$@\" >/dev/null 2>&1; then echo yes; else echo no; fi; }",
            "echo \"hostname=$(cat /proc/sys/kernel/hostname)\"",
            "if cat \"/proc/$JVM_PID/environ\" > \"$WS/environ.copy\" 2>/dev/null; then echo environ=read; else echo environ=unreadable; fi",
            "echo \"secret=$(cat \"$SECRET\" 2>/dev/null || echo -)\"",
            "umount -l \"$SECRET_DIR\" >/dev/null 2>&1; umount -l \"$(dirname \"$SECRET_DIR\")\" >/dev/null 2>&1",
            "echo \"secret_after_umount=$(cat \"$SECRET\" 2>/dev/null || echo -)\"",
            "echo \"tool=$(cat \"$TOOL\" 2>/dev/null || echo -)\"",
            "echo \"host_port=$(r \"$SOCAT\" -u /dev/null TCP:127.0.0.1:$HOST_PORT,connect-timeout=2)\"",
            "if [ \"$WRITES\" = 1 ]; then",
            "  echo \"write_etc=$(r sh -c 'echo x > /etc/roomote-probe-$MARK')\"",
            "  echo \"write_usr=$(r sh -c 'echo x > /usr/roomote-probe-$MARK')\"",
            "  echo \"write_bridge=$(r sh -c 'echo x > \"$BRIDGE_DIR/roomote-probe\"')\"",
            "  echo \"write_tool=$(r sh -c 'echo x > \"$TOOL\"')\"",
            "  echo \"write_ws=$(r sh -c 'echo ws > \"$WS/from-inside\"')\"",
            "  echo \"write_home=$(r sh -c 'echo home > \"$HOME/from-inside\"')\"",
            "  echo \"write_tmp=$(r sh -c 'echo tmp > /tmp/roomote-probe-$MARK')\"",
            "  echo \"bridge=$(printf 'GET /hello HTTP/1.0\\r\\nHost: sandbox\\r\\n\\r\\n' | \"$SOCAT\" -t 5 - TCP:127.0.0.1:$BRIDGE_PORT 2>&1 | tail -n 1)\"",
            "fi",
            "echo done=yes");

    private static final int BRIDGE_PORT = 8077;

    @TempDir
    Path tmp;

    private Path roomoteHome;
    private Path secretDir;
    private Path secret;
    private Path tool;
    private Path workspace;
    private Path home;
    private Path bridgeDir;
    private String mark;
    private final List<Process> started = new ArrayList<>();
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @BeforeEach
    void layout() throws IOException {
        mark = Long.toString(ThreadLocalRandom.current().nextLong(100_000, 1_000_000));
        roomoteHome = Files.createDirectories(Path.of("target").toAbsolutePath().resolve("bwrap-test-roomote-home-" + mark));
        secretDir = Files.createDirectories(roomoteHome.resolve("secrets"));
        secret = Files.writeString(secretDir.resolve("runner.env"), "GH_TOKEN=secret-" + mark);
        tool = Files.writeString(Files.createDirectories(roomoteHome.resolve("agents/tool")).resolve("tool.txt"), "tool-" + mark);
        workspace = Files.createDirectories(roomoteHome.resolve("work/job-7/workspace"));
        home = Files.createDirectories(roomoteHome.resolve("work/job-7/home"));
        bridgeDir = Files.createDirectories(tmp.resolve("bridge"));
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (Process p : started) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        for (AutoCloseable c : closeables) {
            c.close();
        }
        try (var files = Files.walk(roomoteHome)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** The sandbox as the spec alone configures it (only /tmp hidden besides the spec's folders). */
    private BwrapSandbox bwrap() {
        return new BwrapSandbox("bwrap", PATH, List.of(Path.of("/tmp")), List.of());
    }

    private SandboxSpec spec() {
        return new SandboxSpec(7, workspace, home, bridgeDir, List.of(new Bridge("gateway.sock", BRIDGE_PORT)),
                List.of(tool.getParent()), List.of(roomoteHome));
    }

    @Test
    void inTheSandboxTheProbeSeesAndReachesOnlyWhatTheJobMay() throws Exception {
        try (ServerSocket hostPort = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            startBridgeService();
            Map<String, String> seen = probe(bwrap(), hostPort.getLocalPort(), true);

            assertThat(seen.get("done")).isEqualTo("yes");
            assertThat(seen.get("hostname")).isEqualTo("roomote-sandbox");
            // The runner's process does not exist inside: whatever that PID is there, it is not the runner's environment.
            assertThat(Optional.ofNullable(readIfExists(workspace.resolve("environ.copy"))).orElse(new byte[0]))
                    .isNotEqualTo(Files.readAllBytes(Path.of("/proc/self/environ")));
            assertThat(seen.get("secret")).isEqualTo("-");
            assertThat(seen.get("secret_after_umount")).isEqualTo("-");
            assertThat(seen.get("tool")).isEqualTo("tool-" + mark);
            assertThat(seen.get("host_port")).isEqualTo("no");

            assertThat(seen.get("write_etc")).isEqualTo("no");
            assertThat(seen.get("write_usr")).isEqualTo("no");
            assertThat(seen.get("write_bridge")).isEqualTo("no");
            assertThat(seen.get("write_tool")).isEqualTo("no");
            assertThat(Path.of("/etc/roomote-probe-" + mark)).doesNotExist();
            assertThat(tool).hasContent("tool-" + mark);

            assertThat(seen.get("write_ws")).isEqualTo("yes");
            assertThat(workspace.resolve("from-inside")).hasContent("ws");
            assertThat(seen.get("write_home")).isEqualTo("yes");
            assertThat(home.resolve("from-inside")).hasContent("home");
            // /tmp inside is private: writable, and nothing reaches the host's /tmp.
            assertThat(seen.get("write_tmp")).isEqualTo("yes");
            assertThat(Path.of("/tmp/roomote-probe-" + mark)).doesNotExist();

            assertThat(seen.get("bridge")).isEqualTo("bridge-ok-" + mark);
        }
    }

    @Test
    void withoutTheSandboxTheSameProbeReadsTheSecretsAndReachesTheHost() throws Exception {
        // The control: proves the probe detects what the sandbox prevents (writes are left out: they would touch the host).
        try (ServerSocket hostPort = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            Map<String, String> seen = probe(new NoSandbox(), hostPort.getLocalPort(), false);

            assertThat(seen.get("done")).isEqualTo("yes");
            assertThat(workspace.resolve("environ.copy")).hasBinaryContent(Files.readAllBytes(Path.of("/proc/self/environ")));
            assertThat(seen.get("secret")).isEqualTo("GH_TOKEN=secret-" + mark);
            assertThat(seen.get("host_port")).isEqualTo("yes");
        }
    }

    @Test
    void theConfiguredSandboxHidesTheRunnersPlacesAndStillShowsTheJobsFolders() throws Exception {
        // As the runner builds it: default hidden places (/tmp, /root, /home, the runner's HOME and working
        // directory — which holds target/ and so the "ROOMOTE_HOME" here) plus the spec's.
        SandboxSettings settings = SandboxSettings.from(Settings.of(Map.of("ROOMOTE_SANDBOX", "bwrap")), System.getenv());
        Sandbox sandbox = Sandboxes.create(settings);
        assertThat(sandbox).isInstanceOf(BwrapSandbox.class);
        try (ServerSocket hostPort = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            startBridgeService();
            Map<String, String> seen = probe(sandbox, hostPort.getLocalPort(), true);
            assertThat(seen.get("secret")).isEqualTo("-");
            assertThat(seen.get("tool")).isEqualTo("tool-" + mark);
            assertThat(seen.get("host_port")).isEqualTo("no");
            assertThat(seen.get("write_ws")).isEqualTo("yes");
            assertThat(seen.get("write_home")).isEqualTo("yes");
            assertThat(seen.get("bridge")).isEqualTo("bridge-ok-" + mark);
        }
    }

    @Test
    void aBridgeFolderWithShellSyntaxInItsNameIsNeitherRunNorBroken() throws Exception {
        bridgeDir = Files.createDirectories(tmp.resolve("br 'q' $(touch pwned) `touch pwned2` x"));
        try (ServerSocket hostPort = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            startBridgeService();
            Map<String, String> seen = probe(bwrap(), hostPort.getLocalPort(), true);
            assertThat(seen.get("bridge")).isEqualTo("bridge-ok-" + mark);
        }
        assertThat(workspace.resolve("pwned")).doesNotExist();
        assertThat(workspace.resolve("pwned2")).doesNotExist();
    }

    @Test
    void aDaemonStartedInsideDiesWithTheSandbox() throws Exception {
        String daemonArg = "1" + mark;
        startBridgeService();
        Process p = startDaemonScript(bwrap(), daemonArg);
        long daemon = awaitHostProcess(daemonArg);
        // Inside the tree on the host (the sandbox's PID namespace keeps it there despite setsid and the double fork).
        assertThat(p.descendants().map(ProcessHandle::pid)).contains(daemon);

        // Only the bwrap process is killed: --die-with-parent and the PID namespace take everything else along.
        p.destroyForcibly();
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            assertThat(running(daemon)).as("daemon pid %d", daemon).isFalse();
            assertThat(hostProcessesWith(daemonArg)).isEmpty();
        });
    }

    @Test
    void withoutTheSandboxTheSameDaemonOutlivesTheKilledTree() throws Exception {
        // The control: the daemon escapes the process tree, so killing the tree (root and descendants) misses it.
        String daemonArg = "2" + mark;
        Process p = startDaemonScript(new NoSandbox(), daemonArg);
        long daemon = awaitHostProcess(daemonArg);
        try {
            assertThat(p.descendants().map(ProcessHandle::pid)).doesNotContain(daemon);
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
            await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() -> running(daemon));
        } finally {
            ProcessHandle.of(daemon).ifPresent(ProcessHandle::destroyForcibly);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> !running(daemon));
    }

    // --- helpers ---

    /** The host service behind the bridge: answers "bridge-ok-<mark>". */
    private void startBridgeService() throws IOException {
        HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
        byte[] body = ("bridge-ok-" + mark).getBytes(StandardCharsets.UTF_8);
        http.createContext("/hello", ex -> {
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        http.start();
        closeables.add(() -> http.stop(0));
        closeables.add(UnixSocketForwarder.start(bridgeDir.resolve("gateway.sock"), http.getAddress()));
    }

    private Map<String, String> probe(Sandbox sandbox, int hostPort, boolean writes) throws Exception {
        Map<String, String> env = baseEnvironment();
        env.put("JVM_PID", Long.toString(ProcessHandle.current().pid()));
        env.put("SECRET", secret.toString());
        env.put("SECRET_DIR", secretDir.toString());
        env.put("TOOL", tool.toString());
        env.put("HOST_PORT", Integer.toString(hostPort));
        env.put("BRIDGE_PORT", Integer.toString(BRIDGE_PORT));
        env.put("WRITES", writes ? "1" : "0");
        Process p = start(sandbox, List.of("/bin/sh", "-c", PROBE), env);
        var out = java.util.concurrent.CompletableFuture.supplyAsync(() -> drain(p.getInputStream()));
        var err = java.util.concurrent.CompletableFuture.supplyAsync(() -> drain(p.getErrorStream()));
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            throw new AssertionError("the probe did not finish; stderr: " + (err.isDone() ? err.get() : "(still open)"));
        }
        String stdout = out.get(10, TimeUnit.SECONDS);
        assertThat(p.exitValue()).as("probe exit; stdout: %s; stderr: %s", stdout, err.get(10, TimeUnit.SECONDS)).isZero();
        Map<String, String> seen = new LinkedHashMap<>();
        for (String line : stdout.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                seen.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return seen;
    }

    private Process startDaemonScript(Sandbox sandbox, String daemonArg) throws IOException {
        String script = "( setsid sh -c 'trap \"\" TERM HUP; echo $$ > \"$WS/daemon.pid\"; exec sleep " + daemonArg + "' & )\n"
                + "exec sleep 3" + mark + "\n";
        Process p = start(sandbox, List.of("/bin/sh", "-c", script), baseEnvironment());
        p.getInputStream().close();
        p.getErrorStream().close();
        return p;
    }

    private Map<String, String> baseEnvironment() {
        Map<String, String> env = new HashMap<>();
        env.put("PATH", "/usr/local/bin:/usr/bin:/bin");
        env.put("HOME", home.toString());
        env.put("WS", workspace.toString());
        env.put("BRIDGE_DIR", bridgeDir.toString());
        env.put("SOCAT", SOCAT);
        env.put("MARK", mark);
        return env;
    }

    /** As the agent drivers start an agent: setsid, the agent's environment only, stdin from /dev/null. */
    private Process start(Sandbox sandbox, List<String> argv, Map<String, String> env) throws IOException {
        List<String> command = new ArrayList<>();
        command.add("setsid");
        command.addAll(sandbox.command(spec(), argv, env.keySet()));
        ProcessBuilder pb = new ProcessBuilder(command).directory(workspace.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().clear();
        pb.environment().putAll(env);
        Process p = pb.start();
        started.add(p);
        return p;
    }

    private long awaitHostProcess(String arg) {
        List<Long> found = new ArrayList<>();
        await().atMost(Duration.ofSeconds(15)).until(() -> {
            found.clear();
            found.addAll(hostProcessesWith(arg));
            return found.size() == 1;
        });
        return found.get(0);
    }

    /** Live host processes whose command line is exactly {@code sleep <arg>} (zombies have no command line). */
    private static List<Long> hostProcessesWith(String arg) {
        return ProcessHandle.allProcesses().filter(h -> {
            try {
                byte[] cmdline = Files.readAllBytes(Path.of("/proc/" + h.pid() + "/cmdline"));
                List<String> args = List.of(new String(cmdline, StandardCharsets.UTF_8).split("\0"));
                return args.size() == 2 && args.get(0).endsWith("sleep") && args.get(1).equals(arg);
            } catch (IOException e) {
                return false;
            }
        }).map(ProcessHandle::pid).toList();
    }

    /** Whether the host PID is a process that has not ended (a zombie has ended). */
    private static boolean running(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state != 'Z' && state != 'X';
        } catch (IOException e) {
            return false;
        }
    }

    private static byte[] readIfExists(Path p) throws IOException {
        return Files.exists(p) ? Files.readAllBytes(p) : null;
    }

    private static String drain(InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

}
