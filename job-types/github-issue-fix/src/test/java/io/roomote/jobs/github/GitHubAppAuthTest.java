package io.roomote.jobs.github;

import com.fasterxml.jackson.databind.JsonNode;
import io.roomote.core.execution.JobOutcome;
import io.roomote.core.testing.CollectingLogSink;
import io.roomote.jobs.github.testing.FixJobFixture;
import io.roomote.jobs.github.testing.GitHubStandIn;
import io.roomote.jobs.github.testing.GitRemotes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static io.roomote.jobs.github.testing.FixJobFixture.REPO;
import static io.roomote.jobs.github.testing.FixJobFixture.succeeded;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * GitHub App authentication of github.issue.fix, end to end. Real: git (bare repositories as the remote, a
 * pre-receive hook that runs the GIT_ASKPASS git was given, as git would for an HTTPS password), Roomote's
 * `command` agent driver running the scripted agent, github-api's JWTTokenProvider signing with jjwt,
 * bubblewrap in the sandboxed case. STAND-IN: the GitHub REST API (GitHubStandIn, not GitHub), which verifies
 * the App's JWTs with the public key of a key pair generated here.
 */
class GitHubAppAuthTest {

    static final String APP_ID = "4242";
    static final long INSTALLATION = 77;
    static final String ISSUE_7 = "{\"repo\":\"acme/app\",\"issue\":7,\"title\":\"add() subtracts\","
            + "\"body\":\"add(2, 2) returns 0 instead of 4.\",\"labels\":[\"bug\"]}";

    @TempDir
    Path temp;

    private FixJobFixture fixture;
    private GitRemotes remotes;
    private GitHubStandIn github;
    private CollectingLogSink log;
    private Path script;
    private KeyPair keys;
    private String pem;
    private Path askpassSeen;

    @BeforeEach
    void setUp() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        keys = generator.generateKeyPair();
        pem = pem("PRIVATE KEY", keys.getPrivate().getEncoded());
        fixture = new FixJobFixture(temp, 40, "none", Map.of(
                "GITHUB_APP_ID", APP_ID,
                "GITHUB_APP_PRIVATE_KEY", pem,
                "ROOMOTE_PUSH", "host"));
        remotes = fixture.remotes();
        github = fixture.github();
        log = fixture.log();
        Path bare = remotes.root().resolve(REPO + ".git");
        remotes.create("acme/other", "x.txt", "x");
        // What git would get from GIT_ASKPASS for an HTTPS push: the hook asks the same script, in the pusher's env.
        askpassSeen = temp.resolve("askpass-seen.txt");
        Path hook = bare.resolve("hooks/pre-receive");
        Files.writeString(hook, "#!/bin/sh\ncat > /dev/null\n\"$GIT_ASKPASS\" 'Password for https://x-access-token@github.com' >> "
                + askpassSeen + "\n");
        Files.setPosixFilePermissions(hook, PosixFilePermissions.fromString("rwx------"));
        github.installApp(APP_ID, keys.getPublic(), INSTALLATION, REPO, "acme/other");
        script = fixture.copyAgent("scripted-agent.sh");
    }

    @AfterEach
    void tearDown() {
        fixture.close();
    }

    static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der) + "\n-----END " + type + "-----\n";
    }

    /** Settings with the App's id and key, and no GH_TOKEN. */
    private Map<String, String> appSettings(String mode, String extra) {
        Map<String, String> s = fixture.settings(script, mode + (extra == null ? "" : " " + extra));
        s.remove("GH_TOKEN");
        return s;
    }

    private JobOutcome run(Map<String, String> settings) {
        return run(settings, java.time.Clock.systemUTC());
    }

    /** With {@code clock} deciding when tokens are replaced, and the agent's token file looked at every 100 ms. */
    private JobOutcome run(Map<String, String> settings, java.time.Clock clock) {
        return fixture.run(env -> new GitHubIssueFixJobType(FixJobFixture.commandAgent(), env, clock,
                Duration.ofMillis(100)), settings, ISSUE_7, Duration.ofMinutes(2));
    }

    private List<String> minted() {
        return github.mintedTokens().stream().map(GitHubStandIn.MintedToken::token).toList();
    }

    private String authOf(String method, String path) {
        return github.requests(r -> r.method().equals(method) && r.path().equals(path)).get(0).authorization();
    }

    private void assertNoSecretInTheLog() {
        List<String> secrets = new java.util.ArrayList<>(minted());
        pem.lines().filter(l -> !l.startsWith("-----")).forEach(secrets::add);
        for (String line : log.texts()) {
            assertThat(secrets).noneMatch(line::contains);
        }
    }

    @Test
    void anAppJobMintsOneTokenForItsRepositoryOnlyAndUsesItForTheIssueThePushAndThePullRequest() throws Exception {
        JsonNode result = succeeded(run(appSettings("fix-commit", null)));

        assertThat(result.get("outcome").asText()).isEqualTo("pr_opened");
        assertThat(result.get("pushedBy").asText()).isEqualTo("roomote");
        // The installation was found from the repository, with the App's JWT.
        assertThat(authOf("GET", "/repos/acme/app/installation")).startsWith("Bearer ");
        assertThat(github.mintedTokens()).singleElement().satisfies(t -> {
            assertThat(t.installationId()).isEqualTo(INSTALLATION);
            assertThat(t.repositories()).containsExactly("app");
            assertThat(t.permissions()).containsExactlyInAnyOrderEntriesOf(Map.of(
                    "contents", "write", "pull_requests", "write", "issues", "write"));
        });
        String token = minted().get(0);
        assertThat(token).startsWith("ghs_");
        assertThat(authOf("GET", "/repos/acme/app/issues/7")).isEqualTo("token " + token);
        assertThat(authOf("POST", "/repos/acme/app/pulls")).isEqualTo("token " + token);
        // Every call on the repository carried the installation token, nothing else.
        assertThat(github.requests(r -> r.path().startsWith("/repos/acme/app/") && !r.path().endsWith("/installation")))
                .isNotEmpty().allMatch(r -> ("token " + token).equals(r.authorization()));
        // The push: git's askpass answered with the installation token.
        assertThat(Files.readAllLines(askpassSeen)).containsOnly(token);
        assertThat(remotes.inRemote(REPO, "show", "fix-7:calc.py")).contains("return a + b");
        assertNoSecretInTheLog();
    }

    @Test
    void aTokenAboutToExpireIsReplacedBeforeTheNextCall() throws Exception {
        // Shorter than the refresh margin: every use finds it about to expire, as a job past its first hour would.
        github.tokenLifetime(RepositoryToken.REFRESH_MARGIN.minusMinutes(4));

        JsonNode result = succeeded(run(appSettings("fix-commit", null)));

        assertThat(result.get("outcome").asText()).isEqualTo("pr_opened");
        List<String> tokens = minted();
        assertThat(tokens).hasSizeGreaterThan(2).doesNotHaveDuplicates();
        String issueRead = authOf("GET", "/repos/acme/app/issues/7");
        String pullCreated = authOf("POST", "/repos/acme/app/pulls");
        assertThat(issueRead).isNotEqualTo(pullCreated);
        assertThat(tokens).contains(issueRead.substring("token ".length()), pullCreated.substring("token ".length()));
        // The push (after the issue was read) got a token minted after the one that read the issue.
        String pushed = Files.readAllLines(askpassSeen).get(0);
        assertThat(tokens.indexOf(pushed)).isGreaterThan(tokens.indexOf(issueRead.substring("token ".length())));
        assertThat(tokens.indexOf(pullCreated.substring("token ".length()))).isGreaterThan(tokens.indexOf(pushed));
        assertThat(github.mintedTokens()).allSatisfy(t -> assertThat(t.repositories()).containsExactly("app"));
        assertNoSecretInTheLog();
    }

    @Test
    void theConfiguredInstallationAndAKeyFileInGitHubsPkcs1FormWork() throws Exception {
        Path keyFile = temp.resolve("app.private-key.pem");
        Files.writeString(keyFile, pem("RSA PRIVATE KEY", GitHubAppSettingsTest.pkcs1(keys.getPrivate().getEncoded())));
        Map<String, String> s = appSettings("fix-commit", null);
        s.remove("GITHUB_APP_PRIVATE_KEY");
        s.put("GITHUB_APP_PRIVATE_KEY_FILE", keyFile.toString());
        s.put("GITHUB_APP_INSTALLATION_ID", String.valueOf(INSTALLATION));

        JsonNode result = succeeded(run(s));

        assertThat(result.get("outcome").asText()).isEqualTo("pr_opened");
        assertThat(github.requests(r -> r.path().endsWith("/installation"))).isEmpty();
        assertThat(authOf("GET", "/app/installations/" + INSTALLATION)).startsWith("Bearer ");
        assertThat(github.mintedTokens()).singleElement().satisfies(t -> assertThat(t.repositories()).containsExactly("app"));
        String file = Files.readString(keyFile);
        for (String line : log.texts()) {
            assertThat(file.lines().filter(l -> !l.startsWith("-----"))).noneMatch(line::contains);
        }
    }

    @Test
    void anAgentThatPushesItselfGetsTheInstallationToken() throws Exception {
        Path dump = temp.resolve("agent-env.txt");
        Map<String, String> s = appSettings("dump-env", dump.toString());
        s.put("ROOMOTE_PUSH", "agent");

        run(s);

        assertThat(Files.readAllLines(dump)).contains("GH_TOKEN=" + minted().get(0));
    }

    /**
     * ROOMOTE_PUSH=agent without a sandbox: the agent pushes, its token expires (the clock moves past it), and its
     * next push carries the token Roomote minted and wrote to its token file meanwhile. What the bare origin got
     * is what git's askpass answered in the pusher's environment (the pre-receive hook asks it, as git would).
     */
    @Test
    void anAgentThatPushesAfterItsFirstTokenExpiredPushesWithTheRenewedToken() throws Exception {
        ShiftedClock clock = new ShiftedClock();
        github.tokenClock(clock);
        Map<String, String> s = appSettings("push-renewed", null);
        s.put("ROOMOTE_PUSH", "agent");

        java.util.concurrent.CompletableFuture<JobOutcome> job = java.util.concurrent.CompletableFuture.supplyAsync(() -> run(s, clock));
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60))
                .until(() -> Files.exists(askpassSeen) && Files.readAllLines(askpassSeen).size() == 1);
        String first = minted().get(0);
        clock.advance(Duration.ofMinutes(61)); // past the first token's expires_at
        JsonNode result = succeeded(job.get(90, java.util.concurrent.TimeUnit.SECONDS));

        assertThat(result.get("pushedBy").asText()).isEqualTo("agent");
        assertThat(github.mintedTokens().get(0).expiresAt()).isBefore(clock.instant());
        List<String> pushes = Files.readAllLines(askpassSeen);
        assertThat(pushes).hasSize(2);
        assertThat(pushes.get(0)).isEqualTo(first);
        String renewed = pushes.get(1);
        assertThat(renewed).isNotEqualTo(first).isEqualTo(minted().get(1));
        assertThat(github.mintedTokens().get(1).expiresAt()).isAfter(clock.instant());
        assertThat(github.mintedTokens()).allSatisfy(t -> assertThat(t.repositories()).containsExactly("app"));
        assertThat(remotes.inRemote(REPO, "show", "fix-7:RENEWED.md")).contains("renewed");
        // The stand-in, on the same clock, now refuses the first token and takes the renewed one.
        assertThat(status(first)).isEqualTo(401);
        assertThat(status(renewed)).isEqualTo(200);
        assertNoSecretInTheLog();
    }

    /**
     * Sandboxed (bwrap) with ROOMOTE_PUSH=agent: the token file is visible to the agent, read-only (it can neither
     * change it nor put a file next to it), and the renewal Roomote writes on the host reaches it inside.
     */
    @Test
    void aSandboxedAgentThatPushesItselfReadsTheRenewedTokenFromAReadOnlyFile() throws Exception {
        ShiftedClock clock = new ShiftedClock();
        github.tokenClock(clock);
        Map<String, String> s = appSettings("token-file-renewed", null);
        s.put("ROOMOTE_SANDBOX", "bwrap");
        s.put("ROOMOTE_SANDBOX_READ", script.getParent().toString());
        s.put("ROOMOTE_PUSH", "agent");

        java.util.concurrent.CompletableFuture<JobOutcome> job = java.util.concurrent.CompletableFuture.supplyAsync(() -> run(s, clock));
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60))
                .until(() -> log.texts().stream().anyMatch(l -> l.startsWith("PLANT ")));
        clock.advance(Duration.ofMinutes(61));
        job.get(90, java.util.concurrent.TimeUnit.SECONDS);

        List<String> lines = log.texts();
        assertThat(lines).contains("TOKEN1 " + sha256(minted().get(0)), "TOKEN2 " + sha256(minted().get(1)),
                "WRITE refused", "PLANT refused");
        assertNoSecretInTheLog();
    }

    private static String sha256(String text) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** The stand-in's answer to reading the issue with {@code token}. */
    private int status(String token) throws Exception {
        return java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create(github.apiUrl() + "/repos/acme/app/issues/7"))
                .header("Authorization", "token " + token).build(),
                java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /** Sandboxed with host push: the agent holds no installation token; Roomote pushes with it. */
    @Test
    void aSandboxedAgentHoldsNoInstallationToken() throws Exception {
        Map<String, String> s = appSettings("print-env-fix-commit", null);
        s.put("ROOMOTE_SANDBOX", "bwrap");
        s.put("ROOMOTE_SANDBOX_READ", script.getParent().toString());
        s.remove("ROOMOTE_PUSH");

        JsonNode result = succeeded(run(s));

        assertThat(result.get("pushedBy").asText()).isEqualTo("roomote");
        List<String> env = log.texts().stream().filter(l -> l.startsWith("ENV ")).toList();
        assertThat(env).isNotEmpty().noneMatch(l -> l.contains("ghs_")
                || l.startsWith("ENV GH_TOKEN=") || l.startsWith("ENV GITHUB_TOKEN=") || l.startsWith("ENV GIT_ASKPASS="));
        assertThat(Files.readAllLines(askpassSeen)).containsOnly(minted().get(0));
    }

    @Test
    void anInstallationThatIsNotTheRepositorysEndsTheJobWithOneClearLine() {
        Map<String, String> s = appSettings("fix-commit", null);
        s.put("GITHUB_APP_INSTALLATION_ID", "78");

        JobOutcome outcome = run(s);

        assertThat(outcome).isInstanceOf(JobOutcome.Failed.class);
        JobOutcome.Failed f = (JobOutcome.Failed) outcome;
        assertThat(f.error()).isEqualTo("the GitHub App (GITHUB_APP_ID) is not installed on acme/app or"
                + " GITHUB_APP_INSTALLATION_ID is not its installation: install it on the repository");
        assertThat(f.retryable()).isFalse();
        assertThat(github.mintedTokens()).isEmpty();
    }

    @Test
    void aJwtOfAnotherAppIsRefusedAndTheJobSaysWhatToCheck() {
        Map<String, String> s = appSettings("fix-commit", null);
        s.put("GITHUB_APP_ID", "4243");

        JobOutcome outcome = run(s);

        assertThat(outcome).isInstanceOf(JobOutcome.Failed.class);
        assertThat(((JobOutcome.Failed) outcome).error()).startsWith("GitHub refused the GitHub App's token request"
                + " for acme/app (HTTP 401): check GITHUB_APP_ID, its private key");
        assertThat(github.mintedTokens()).isEmpty();
    }
}
