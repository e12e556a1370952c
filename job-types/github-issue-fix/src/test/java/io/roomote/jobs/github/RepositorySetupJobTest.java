package io.roomote.jobs.github;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.roomote.core.execution.CancellationSignal;
import io.roomote.core.execution.JobOutcome;
import io.roomote.core.testing.CollectingLogSink;
import io.roomote.jobs.github.testing.FixJobFixture;
import io.roomote.jobs.github.testing.GitHubStandIn;
import io.roomote.jobs.github.testing.GitRemotes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

import static io.roomote.jobs.github.testing.FixJobFixture.MODEL_KEY;
import static io.roomote.jobs.github.testing.FixJobFixture.REPO;
import static io.roomote.jobs.github.testing.FixJobFixture.TOKEN;
import static io.roomote.jobs.github.testing.FixJobFixture.failed;
import static io.roomote.jobs.github.testing.FixJobFixture.succeeded;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The repository's setup before the agent (issue 13), end to end through the job runner. Real: bubblewrap, socat,
 * Roomote's egress proxy, git with bare repositories as the remote, Roomote's `command` agent driver running a
 * scripted agent, curl, and HTTP servers on the host's loopback standing for package registries. Stand-in: GitHub's
 * REST API (GitHubStandIn, built from GitHub's documented shapes; not GitHub).
 */
class RepositorySetupJobTest {

    static final String ISSUE_7 = "{\"repo\":\"acme/app\",\"issue\":7}";

    /**
     * The agent: says it ran, reads what the setup left in the workspace and in HOME, writes both into calc.py
     * with the fix, and commits (Roomote pushes). With a URL argument it first tries to fetch it through its proxy.
     */
    static final String AGENT = """
            #!/bin/sh
            set -e
            echo "AGENT RAN"
            if [ -n "$2" ]; then
              curl -sS --noproxy '' -x "$HTTPS_PROXY" --proxytunnel "$2" > /dev/null 2>&1 && echo "AGENT FETCHED" || echo "AGENT REFUSED"
            fi
            ws=$(cat setup-proof.txt 2>/dev/null || echo none); hm=$(cat "$HOME/.cache/setup-home.txt" 2>/dev/null || echo none)
            rm -f setup-proof.txt
            sed -i 's/return a - b/return a + b/' calc.py
            echo "# workspace: $ws / home: $hm" >> calc.py
            git checkout -q -b fix-7; git add calc.py; git commit -q -m "Fixes #7"
            """;

    @TempDir
    Path temp;

    private final List<Process> started = new ArrayList<>();
    private FixJobFixture fixture;
    private GitRemotes remotes;
    private GitHubStandIn github;
    private CollectingLogSink log;
    private Path agent;

    /** Sandboxed in bubblewrap, Roomote pushes; the agents' folder is shown read-only (it lies in the hidden /tmp). */
    @BeforeEach
    void setUp() throws Exception {
        fixture = new FixJobFixture(temp, 70, "bwrap", Map.of());
        remotes = fixture.remotes();
        github = fixture.github();
        log = fixture.log();
        agent = fixture.writeAgent("agent.sh", AGENT);
    }

    @AfterEach
    void tearDown() {
        fixture.close();
        started.forEach(Process::destroyForcibly);
    }

    private Map<String, String> settings(String agentUrl) {
        return fixture.settings(agent, agentUrl);
    }

    private JobOutcome run(Map<String, String> settings) {
        return run(settings, new CancellationSignal());
    }

    private JobOutcome run(Map<String, String> settings, CancellationSignal signal) {
        return fixture.run(env -> new GitHubIssueFixJobType(FixJobFixture.commandAgent(), env), settings, ISSUE_7,
                Duration.ofMinutes(3), FixJobFixture.CANCEL_GRACE, signal);
    }

    /** Adds {@code .roomote/setup.sh} with {@code script} to the remote's main branch (real git). */
    private void setupScript(String script) throws IOException, InterruptedException {
        Path clone = temp.resolve("seed-" + System.nanoTime());
        git(temp, "clone", "--quiet", remotes.root().resolve(REPO + ".git").toString(), clone.toString());
        Files.createDirectories(clone.resolve(".roomote"));
        Files.writeString(clone.resolve(".roomote/setup.sh"), script);
        git(clone, "add", ".");
        git(clone, "-c", "user.name=Seed", "-c", "user.email=seed@example.com", "commit", "--quiet", "-m", "setup");
        git(clone, "push", "--quiet", "origin", "main");
    }

    private static void git(Path dir, String... args) throws IOException, InterruptedException {
        List<String> argv = new ArrayList<>(List.of("git"));
        argv.addAll(List.of(args));
        Process p = new ProcessBuilder(argv).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("git %s: %s", String.join(" ", args), out).isZero();
    }

    private List<String> lines() {
        return log.texts();
    }

    /** What the setup leaves in the workspace and in HOME is there for the agent; its output is in the job log. */
    static final String WRITES_PROOF = """
            echo "installing dependencies"
            echo "prepared-by-%s" > setup-proof.txt
            mkdir -p "$HOME/.cache" && echo "home-by-%s" > "$HOME/.cache/setup-home.txt"
            echo "dependencies installed"
            """;

    @Test
    void theRepositorysSetupScriptRunsBeforeTheAgentAndLeavesItsFilesForIt() throws Exception {
        setupScript(WRITES_PROOF.formatted("file", "file"));

        JsonNode result = succeeded(run(settings(null)));

        assertThat(result.get("outcome").asText()).isEqualTo("pr_opened");
        assertThat(remotes.inRemote(REPO, "show", "fix-7:calc.py"))
                .contains("return a + b").contains("# workspace: prepared-by-file / home: home-by-file");
        assertThat(lines()).contains("setup: installing dependencies", "setup: dependencies installed")
                .anyMatch(l -> l.startsWith("setup: running .roomote/setup.sh in the bwrap sandbox"));
        // The setup ran before the agent started.
        assertThat(lines().indexOf("setup: dependencies installed")).isLessThan(lines().indexOf("AGENT RAN"));
    }

    @Test
    void theOperatorsSetupCommandWinsOverTheRepositorysScript() throws Exception {
        setupScript(WRITES_PROOF.formatted("file", "file"));
        Map<String, String> s = settings(null);
        s.put("ROOMOTE_SETUP_COMMAND", "echo prepared-by-command > setup-proof.txt && mkdir -p \"$HOME/.cache\""
                + " && echo home-by-command > \"$HOME/.cache/setup-home.txt\" && echo 'setup from the command'");

        JsonNode result = succeeded(run(s));

        assertThat(result.get("outcome").asText()).isEqualTo("pr_opened");
        assertThat(remotes.inRemote(REPO, "show", "fix-7:calc.py"))
                .contains("# workspace: prepared-by-command / home: home-by-command");
        assertThat(lines()).anyMatch(l -> l.startsWith("setup: running ROOMOTE_SETUP_COMMAND in the bwrap sandbox"))
                .contains("setup: setup from the command").doesNotContain("setup: installing dependencies");
    }

    @Test
    void aFailingSetupEndsTheJobAsSetupFailedWithItsLastLinesAndTheAgentNeverStarts() throws Exception {
        setupScript("""
                echo "resolving packages"
                echo "npm ERR! 404 Not Found: left-pad@9.9.9" >&2
                exit 3
                """);

        JobOutcome.Failed f = failed(run(settings(null)));

        assertThat(f.retryable()).isFalse();
        assertThat(f.error()).startsWith("setup_failed: the repository's setup (.roomote/setup.sh) exited with code 3 after ")
                .contains("npm ERR! 404 Not Found: left-pad@9.9.9");
        assertThat(f.result().get("outcome").asText()).isEqualTo("setup_failed");
        assertThat(f.result().get("reason").asText()).contains("its last output:\nresolving packages\n"
                + "npm ERR! 404 Not Found: left-pad@9.9.9");
        assertThat(lines()).contains("setup: npm ERR! 404 Not Found: left-pad@9.9.9")
                .doesNotContain("AGENT RAN").noneMatch(l -> l.startsWith("starting agent"));
        assertThat(remotes.branches(REPO)).containsExactly("main");
        assertThat(github.pulls()).isEmpty();
    }

    @Test
    void aSetupPastItsTimeLimitIsStoppedWithEveryProcessItStartedAndTheJobEndsSetupFailed() throws Exception {
        String sleeper = "sleep " + (7_000_000 + ThreadLocalRandom.current().nextInt(1_000_000));
        // A daemon that double-forks into its own session, deaf to SIGTERM, then a setup that never ends.
        setupScript("""
                ( setsid sh -c "trap '' TERM; exec %s" > /dev/null 2>&1 & )
                echo "daemon started"
                sleep 600
                """.formatted(sleeper));
        Map<String, String> s = settings(null);
        s.put("ROOMOTE_SETUP_TIMEOUT", "4s");

        JobOutcome.Failed f = failed(run(s));

        assertThat(f.error()).startsWith("setup_failed: the repository's setup (.roomote/setup.sh) timed out after ")
                .contains("ROOMOTE_SETUP_TIMEOUT").contains("daemon started");
        assertThat(f.result().get("outcome").asText()).isEqualTo("setup_failed");
        assertThat(lines()).contains("setup: daemon started").doesNotContain("AGENT RAN");
        // Gone when the job has returned: the sandbox's PID namespace died with it.
        List<ProcessHandle> left = ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().orElse("").contains(sleeper)).toList();
        left.forEach(ProcessHandle::destroyForcibly); // this test's own daemon, should it have survived
        assertThat(left).as("processes of the setup still running").isEmpty();
        assertThat(remotes.branches(REPO)).containsExactly("main");
    }

    @Test
    void aJobCancelledDuringTheSetupIsStoppedWithNothingSaved() throws Exception {
        setupScript("""
                echo "half-installed" > node_modules.txt
                echo "downloading forever"
                sleep 600
                """);
        CancellationSignal signal = new CancellationSignal();
        java.util.concurrent.CompletableFuture<JobOutcome> running =
                java.util.concurrent.CompletableFuture.supplyAsync(() -> run(settings(null), signal));
        await().atMost(Duration.ofMinutes(2)).until(() -> lines().contains("setup: downloading forever"));

        signal.fire(io.roomote.spi.Cancellation.Reason.CANCELLED);

        JobOutcome outcome = running.get(2, java.util.concurrent.TimeUnit.MINUTES);
        assertThat(outcome).isInstanceOfSatisfying(JobOutcome.Stopped.class, s -> {
            assertThat(s.reason()).isEqualTo(io.roomote.spi.Cancellation.Reason.CANCELLED);
            assertThat(s.abandoned()).isFalse();
            assertThat(s.result().get("outcome").asText()).isEqualTo("cancelled");
            assertThat(s.result().get("reason").asText()).isEqualTo("cancelled; the agent had not started");
            assertThat(s.result().has("wipBranch")).isFalse();
        });
        assertThat(lines()).contains("setup: stopping .roomote/setup.sh (the job was asked to stop)")
                .doesNotContain("AGENT RAN");
        // The setup's files are not the agent's work: no WIP branch.
        assertThat(remotes.branches(REPO)).containsExactly("main");
    }

    /** A loopback HTTP server standing for a package registry; counts its requests. */
    private HttpServer registry(AtomicInteger requests) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", ex -> {
            requests.incrementAndGet();
            byte[] body = "left-pad-1.3.0".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
        return server;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Test
    void theSetupReachesOnlyItsOwnAllowListAndTheAgentDoesNotGetIt() throws Exception {
        AtomicInteger requests = new AtomicInteger();
        HttpServer allowed = registry(requests);
        AtomicInteger otherRequests = new AtomicInteger();
        HttpServer other = registry(otherRequests);
        try {
            String allowedUrl = "http://127.0.0.1:" + allowed.getAddress().getPort() + "/left-pad";
            int otherPort = other.getAddress().getPort();
            setupScript("""
                    curl -sS --fail --noproxy '' -x "$HTTPS_PROXY" --proxytunnel %s > setup-proof.txt
                    echo "fetched $(cat setup-proof.txt)"
                    if curl -sS --noproxy '' -x "$HTTPS_PROXY" --proxytunnel http://127.0.0.1:%d/ > /dev/null 2>&1
                    then echo "OTHER REACHED"; else echo "other refused"; fi
                    """.formatted(allowedUrl, otherPort));
            Map<String, String> s = settings(allowedUrl);
            // An IP literal opts the host's loopback in (a name would be refused for resolving there).
            s.put("ROOMOTE_SETUP_EGRESS_ALLOW", "127.0.0.1:" + allowed.getAddress().getPort());
            s.put("ROOMOTE_EGRESS_ALLOW", "127.0.0.1:" + freePort());

            JsonNode result = succeeded(run(s));

            assertThat(result.get("outcome").asText()).isEqualTo("pr_opened");
            String port = String.valueOf(allowed.getAddress().getPort());
            assertThat(lines()).contains("setup: fetched left-pad-1.3.0", "setup: other refused",
                            "setup: egress: CONNECT 127.0.0.1:" + port)
                    .anyMatch(l -> l.startsWith("setup: egress denied: CONNECT 127.0.0.1:" + otherPort + " "))
                    .doesNotContain("OTHER REACHED");
            // The agent, after it, with its own list: the setup's host is refused.
            assertThat(lines()).contains("AGENT RAN", "AGENT REFUSED").doesNotContain("AGENT FETCHED")
                    .anyMatch(l -> l.startsWith("egress denied: CONNECT 127.0.0.1:" + port + " "));
            assertThat(requests).as("requests that reached the allowed registry").hasValue(1);
            assertThat(otherRequests).hasValue(0);
            assertThat(remotes.inRemote(REPO, "show", "fix-7:calc.py")).contains("# workspace: left-pad-1.3.0");
        } finally {
            allowed.stop(0);
            other.stop(0);
        }
    }

    /**
     * What the setup tries, as a hostile setup script would: the runner's environment (a decoy process with a
     * marker in its environment stands for it), $ROOMOTE_HOME, writing outside, the model key and GitHub token.
     */
    static final String PROBE = """
            decoy="%s"; home="%s"
            found=""
            for f in /proc/[0-9]*/environ; do
              if tr '\\0' '\\n' < "$f" 2>/dev/null | grep -q "$decoy"; then found="$f"; break; fi
            done
            if [ -n "$found" ]; then echo "PROBE proc-environ SUCCEEDED"; else echo "PROBE proc-environ BLOCKED"; fi
            if cat "$home/postgres-password" > /dev/null 2>&1; then echo "PROBE roomote-home SUCCEEDED"; else echo "PROBE roomote-home BLOCKED"; fi
            if echo escaped > "$home/escaped" 2>/dev/null; then echo "PROBE write-outside WROTE"; else echo "PROBE write-outside BLOCKED"; fi
            if env | grep -q -e "%s" -e "%s"; then echo "PROBE credentials SUCCEEDED"; else echo "PROBE credentials BLOCKED"; fi
            env | cut -d= -f1 | sed 's/^/SETUPENV /'
            """;

    private List<String> probes(String mode) throws Exception {
        Path home = Files.createDirectories(temp.resolve("home"));
        Files.writeString(home.resolve("postgres-password"), "dbPassw0rd");
        String decoy = "RUNNER_DECOY_" + mode + "_" + System.nanoTime();
        ProcessBuilder pb = new ProcessBuilder("sleep", "300");
        pb.environment().put("RUNNER_SECRET", decoy);
        started.add(pb.start());
        setupScript(PROBE.formatted(decoy, home, TOKEN, MODEL_KEY));
        Map<String, String> s = settings(null);
        s.put("ROOMOTE_SANDBOX", mode);
        s.put("ROOMOTE_PUSH", "host");
        s.put("ROOMOTE_AGENT_ENV", "NPM_TOKEN"); // handed to the agent, so to its setup too
        s.put("NPM_TOKEN", "npm_registryTokenForTheSetup0123456789");

        JsonNode result = succeeded(run(s));
        assertThat(result.get("outcome").asText()).isEqualTo("pr_opened");
        return lines().stream().filter(l -> l.startsWith("setup: PROBE ") || l.startsWith("setup: SETUPENV ")).toList();
    }

    @Test
    void theSetupCannotReadWhatTheAgentCannot() throws Exception {
        List<String> probes = probes("bwrap");

        assertThat(probes).contains("setup: PROBE proc-environ BLOCKED", "setup: PROBE roomote-home BLOCKED",
                "setup: PROBE write-outside BLOCKED", "setup: PROBE credentials BLOCKED");
        assertThat(temp.resolve("home/escaped")).doesNotExist();
        // No model gateway: neither its token nor its address; the egress proxy is there.
        assertThat(probes).contains("setup: SETUPENV HTTPS_PROXY", "setup: SETUPENV NPM_TOKEN").doesNotContain("setup: SETUPENV OPENROUTER_API_KEY",
                "setup: SETUPENV ROOMOTE_MODEL_BASE_URL", "setup: SETUPENV GH_TOKEN", "setup: SETUPENV GITHUB_TOKEN");
    }

    /** The same probe without a sandbox reaches what the sandbox exists to stop (so the probe can tell), with a WARN. */
    @Test
    void withoutASandboxTheSameSetupReachesTheRunnersFilesAndProcessesAndIsAnnounced() throws Exception {
        List<String> probes = probes("none");

        assertThat(probes).contains("setup: PROBE proc-environ SUCCEEDED", "setup: PROBE roomote-home SUCCEEDED",
                "setup: PROBE write-outside WROTE");
        // Credentials are withheld from the setup in every mode.
        assertThat(probes).contains("setup: PROBE credentials BLOCKED");
        assertThat(log.lines()).anyMatch(e -> e.level() == io.roomote.spi.JobLogger.Level.WARN
                && e.text().startsWith("setup: running .roomote/setup.sh WITHOUT a sandbox (ROOMOTE_SANDBOX=none)"));
    }
}
