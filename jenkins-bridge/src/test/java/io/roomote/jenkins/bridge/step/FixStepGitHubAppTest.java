package io.roomote.jenkins.bridge.step;

import io.roomote.jenkins.bridge.worker.FixStepMainProcessTest;

import io.roomote.jenkins.bridge.worker.FixStepRun;
import io.roomote.jenkins.bridge.worker.WorkerProtocol;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.roomote.agents.AgentDrivers;
import io.roomote.agents.command.CommandAgentDriver;
import io.roomote.core.execution.CancellationSignal;
import io.roomote.core.testing.CollectingLogSink;
import io.roomote.jobs.github.testing.GitHubStandIn;
import io.roomote.jobs.github.testing.GitRemotes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * roomoteFix with the GitHub Branch Source plugin's App credentials, as the plugin's adapter hands them over
 * (app id, private key, API URL): the plan, and a whole run. Real: git (bare repositories as the remote), the
 * `command` agent driver running the scripted agent, github-api's JWT signing. STAND-IN: the GitHub REST API
 * (GitHubStandIn, not GitHub), which checks the App's JWT and the installation token's repository scope.
 * Jenkins itself is not here: the plugin's adapter is type-checked (jenkins-plugin/typecheck.sh), not run.
 */
class FixStepGitHubAppTest {

    static final String ENV_TOKEN = "ghp_fromTheBuildEnvironment0123456789abc";

    @TempDir
    Path temp;

    private GitRemotes remotes;
    private GitHubStandIn github;
    private Path script;
    private KeyPair keys;
    private String pem;
    private final CollectingLogSink log = new CollectingLogSink();

    @BeforeEach
    void setUp() throws Exception {
        remotes = new GitRemotes(Files.createDirectories(temp.resolve("remotes")));
        remotes.create("acme/app", "calc.py", "def add(a, b):\n    return a - b\n");
        remotes.create("acme/other", "x.txt", "x");
        github = new GitHubStandIn(remotes.root());
        github.addIssue("acme/app", 7, "add() subtracts", "add(2, 2) returns 0 instead of 4.", List.of("bug"), "open");
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        keys = generator.generateKeyPair();
        pem = "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(keys.getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----\n";
        github.installApp("4242", keys.getPublic(), 77, "acme/app", "acme/other");
        script = temp.resolve("scripted-agent.sh");
        try (var in = getClass().getResourceAsStream("/agents/scripted-agent.sh")) {
            Files.write(script, in.readAllBytes());
        }
    }

    @AfterEach
    void tearDown() {
        github.close();
    }

    private FixStepPlan plan(Map<String, String> global, GitHubAppKey app) throws InvalidStepArgumentsException {
        return new FixStepArguments(7, "acme/app", null, null, null, null, null, null).plan(new FixStepArguments.Context(
                global, Optional.empty(), Optional.of("sk-or-v1-stepKey0123456789abcdefghij"), List.of(),
                Map.of("GH_TOKEN", ENV_TOKEN), Optional.of(app)));
    }

    @Test
    void theAppsIdAndKeyBecomeTheJobsSettingsAndTheKeyTravelsAsASecret() throws Exception {
        FixStepPlan plan = plan(Map.of(), new GitHubAppKey("4242", pem, Optional.of("https://ghe.example.com/api/v3/")));

        assertThat(plan.settings()).containsEntry("GITHUB_APP_ID", "4242").containsEntry("GITHUB_APP_PRIVATE_KEY", pem)
                .containsEntry("GITHUB_API_URL", "https://ghe.example.com/api/v3")
                // The App, not the token withCredentials left in the environment.
                .doesNotContainKeys("GH_TOKEN", "GITHUB_TOKEN");
        assertThat(FixStepArguments.isSecretSetting("GITHUB_APP_PRIVATE_KEY")).isTrue();
        assertThat(new GitHubAppKey("4242", pem, Optional.empty()).toString()).doesNotContain(pem.lines().skip(1).findFirst().orElseThrow());
    }

    @Test
    void aBadKeyOrAnAppOfAnotherGitHubFailsTheStepAtOnceWithWhatToDo() {
        InvalidStepArgumentsException badKey = catchThrowableOfType(InvalidStepArgumentsException.class,
                () -> plan(Map.of(), new GitHubAppKey("4242", "not a key", Optional.empty())));
        InvalidStepArgumentsException otherApi = catchThrowableOfType(InvalidStepArgumentsException.class,
                () -> plan(Map.of("GITHUB_API_URL", "https://api.github.com"),
                        new GitHubAppKey("4242", pem, Optional.of("https://ghe.example.com/api/v3"))));

        assertThat(badKey.getMessage()).contains("the GitHub App credentials are not usable: GITHUB_APP_PRIVATE_KEY is"
                + " not a PEM private key").doesNotContain("not a key");
        assertThat(otherApi.getMessage()).contains("the GitHub App credentials are for the GitHub API"
                + " https://ghe.example.com/api/v3 but this job's is https://api.github.com");
    }

    private FixStepPlan runnablePlan() throws InvalidStepArgumentsException {
        return plan(Map.of(
                "GITHUB_SERVER_URL", remotes.serverUrl(),
                "ROOMOTE_AGENT", "command",
                "ROOMOTE_SANDBOX", "none",
                "ROOMOTE_PUSH", "host",
                "ROOMOTE_AGENT_COMMAND", "sh " + script + " {promptFile} fix-commit"),
                new GitHubAppKey("4242", pem, Optional.of(github.apiUrl())));
    }

    /**
     * The worker as the plugin starts it on a node, with exactly the class path of WorkerProtocol.CLASSPATH_ANCHORS
     * and the key only in the secrets file: it signs the App's JWT (so jjwt is on that class path) and opens the PR.
     */
    @Test
    void theWorkerProcessSignsTheAppsJwtWithTheAnchorClassPathAlone() throws Exception {
        FixStepPlan plan = runnablePlan();
        ObjectMapper mapper = new ObjectMapper();
        Path control = Files.createDirectories(temp.resolve("ws@tmp/roomote/run-23"));
        Files.writeString(control.resolve(WorkerProtocol.REQUEST), WorkerProtocol.request(23, plan, mapper, 20,
                temp.resolve("ws@tmp/roomote/work").toString()).toJson(mapper));
        Files.writeString(Files.createFile(control.resolve(WorkerProtocol.SECRETS), java.nio.file.attribute.PosixFilePermissions
                .asFileAttribute(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"))),
                mapper.writeValueAsString(plan.secretSettings()));
        assertThat(Files.readString(control.resolve(WorkerProtocol.REQUEST))).doesNotContain(pem.lines().skip(1).findFirst().orElseThrow());

        Process p = new ProcessBuilder(WorkerProtocol.command(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                FixStepMainProcessTest.anchorClasspath(), java.io.File.pathSeparator, control.toString()))
                .redirectErrorStream(true).start();
        java.util.concurrent.CompletableFuture<String> out = FixStepMainProcessTest.output(p);
        assertThat(p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS)).isTrue();

        String console = out.get();
        FixStepResult r = mapper.readValue(Files.readString(control.resolve(WorkerProtocol.RESULT)), FixStepResult.class);
        assertThat(r.outcome()).as(console).isEqualTo("pr_opened");
        assertThat(github.mintedTokens()).singleElement().satisfies(t -> assertThat(t.repositories()).containsExactly("app"));
        assertThat(console).doesNotContain(github.mintedTokens().get(0).token());
    }

    @Test
    void aRunWithTheAppMintsATokenForTheJobsRepositoryAndOpensThePullRequest() throws Exception {
        FixStepPlan plan = runnablePlan();
        FixStepRun run = new FixStepRun(AgentDrivers.of(List.of(new CommandAgentDriver())), Map.of("PATH", System.getenv("PATH")));

        FixStepResult r = run.run(21, plan.repo(), plan.issue(), new ObjectMapper().valueToTree(plan.payload()),
                plan.settings(), plan.timeout(), Duration.ofSeconds(20), temp.resolve("ws@tmp/roomote/work"), log,
                new CancellationSignal());

        assertThat(r.outcome()).as(r.error()).isEqualTo("pr_opened");
        assertThat(github.requests(x -> x.path().equals("/repos/acme/app/installation")))
                .singleElement().satisfies(x -> assertThat(x.authorization()).startsWith("Bearer "));
        assertThat(github.mintedTokens()).singleElement().satisfies(t -> assertThat(t.repositories()).containsExactly("app"));
        String token = github.mintedTokens().get(0).token();
        assertThat(github.requests(x -> x.path().equals("/repos/acme/app/pulls") && x.method().equals("POST")))
                .singleElement().satisfies(x -> assertThat(x.authorization()).isEqualTo("token " + token));
        assertThat(github.requests(x -> x.path().startsWith("/repos/"))).noneMatch(x -> ("token " + ENV_TOKEN).equals(x.authorization()));
        String all = String.join("\n", log.texts());
        assertThat(all).doesNotContain(token);
        pem.lines().filter(l -> !l.startsWith("-----")).forEach(l -> assertThat(all).doesNotContain(l));
    }
}
