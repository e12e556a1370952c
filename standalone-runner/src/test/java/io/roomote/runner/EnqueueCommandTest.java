package io.roomote.runner;

import com.fasterxml.jackson.databind.JsonNode;
import io.roomote.core.testing.TestDatabases;
import io.roomote.jobs.github.testing.GitHubStandIn;
import io.roomote.jobs.github.testing.GitRemotes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * `roomote enqueue` against a running Roomote and a stand-in of the GitHub REST API (GitHubStandIn, not
 * GitHub); and the gh-based script's own checks (gh itself cannot reach GitHub here).
 */
class EnqueueCommandTest {

    private static final String API_TOKEN = "0123456789abcdef0123456789abcdef";

    @TempDir
    Path temp;

    private GitHubStandIn github;
    private RunnerFixture runner;

    @BeforeEach
    void start() throws Exception {
        GitRemotes remotes = new GitRemotes(Files.createDirectories(temp.resolve("remotes")));
        remotes.create("acme/app", "README.md", "hello\n");
        github = new GitHubStandIn(remotes.root());
        github.addIssue("acme/app", 7, "add() subtracts", "add(2, 2) is 0", List.of("bug"), "open");
        runner = new RunnerFixture(temp.resolve("home"), Map.of("DATABASE_URL", TestDatabases.freshJdbcUrl(),
                "ROOMOTE_API_TOKEN", API_TOKEN, "HOST", "127.0.0.1", "GH_TOKEN", "ghp_standInToken0123456789abcdefghijklmn"), RoomoteService.Role.API);
    }

    @AfterEach
    void stop() {
        runner.close();
        github.close();
    }

    private record Run(int code, String out, String err) {
    }

    private Run enqueue(String env, String... args) throws Exception {
        Path file = temp.resolve("enqueue.env");
        Files.writeString(file, env, StandardCharsets.UTF_8);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String[] all = new String[args.length + 3];
        all[0] = "enqueue";
        System.arraycopy(args, 0, all, 1, args.length);
        all[args.length + 1] = "--env-file";
        all[args.length + 2] = file.toString();
        int code = new CommandLine(new RoomoteCli()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(all);
        return new Run(code, out.toString(), err.toString());
    }

    private String env() {
        return "GH_TOKEN=ghp_standInToken0123456789abcdefghijklmn\nGITHUB_API_URL=" + github.apiUrl()
                + "\nROOMOTE_URL=" + runner.base() + "\nROOMOTE_API_TOKEN=" + API_TOKEN + "\nROOMOTE_DEFAULT_REPO=acme/app\n";
    }

    @Test
    void aRealIssueIsReadFromGitHubAndQueued() throws Exception {
        Run first = enqueue(env(), "7");
        Run second = enqueue(env(), "7", "--repo", "acme/app");

        assertThat(first.code()).as(first.err()).isZero();
        long id = Long.parseLong(first.out().replaceAll("(?s).*Queued job (\\d+) for acme/app#7.*", "$1"));
        assertThat(first.out()).contains(runner.base() + "/api/jobs/" + id).contains("/admin/queues/jobs/" + id);
        JsonNode job = runner.get("/api/jobs/" + id).json();
        assertThat(job.at("/payload/title").asText()).isEqualTo("add() subtracts");
        assertThat(job.at("/payload/body").asText()).isEqualTo("add(2, 2) is 0");
        assertThat(job.at("/payload/labels/0").asText()).isEqualTo("bug");
        assertThat(second.out()).contains("Already queued: job " + id);
    }

    @Test
    void unknownIssuesMissingTokensAndAnUnreachableRoomoteAreClearErrors() throws Exception {
        Run unknown = enqueue(env(), "99");
        Run noToken = enqueue(env().replaceAll("GH_TOKEN=[^\\n]*\\n", ""), "7");
        Run down = enqueue(env().replace(runner.base(), "http://127.0.0.1:9"), "7");
        Run noRepo = enqueue(env().replace("ROOMOTE_DEFAULT_REPO=acme/app\n", ""), "7");

        assertThat(unknown.code()).isEqualTo(1);
        assertThat(unknown.err()).contains("issue #99 was not found in acme/app");
        assertThat(noToken.err()).contains("no GitHub credentials: set GH_TOKEN (or GITHUB_TOKEN) or a GitHub App (GITHUB_APP_ID");
        assertThat(down.err()).contains("cannot reach Roomote at http://127.0.0.1:9");
        assertThat(noRepo.err()).contains("--repo owner/name");
        assertThat(runner.get("/api/jobs").json().get("jobs")).isEmpty();
    }

    /**
     * A GitHub App and no GH_TOKEN: the command signs the App's JWT, finds the repository's installation, mints a
     * token for that one repository (the stand-in checks the JWT with the App's public key) and reads the issue
     * with it; the token appears in nothing it prints. An App not installed on the repository is one clear line.
     */
    @Test
    void withOnlyAGitHubAppTheIssueIsReadWithAnInstallationTokenForItsRepository() throws Exception {
        java.security.KeyPairGenerator generator = java.security.KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        java.security.KeyPair keys = generator.generateKeyPair();
        Path key = temp.resolve("app.pem");
        Files.writeString(key, "-----BEGIN PRIVATE KEY-----\n" + java.util.Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(keys.getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----\n");
        github.installApp("4242", keys.getPublic(), 77, "acme/app");
        String appEnv = env().replaceAll("GH_TOKEN=[^\\n]*\\n", "") + "GITHUB_APP_ID=4242\nGITHUB_APP_PRIVATE_KEY_FILE=" + key + "\n";

        Run run = enqueue(appEnv, "7");
        Run elsewhere = enqueue(appEnv, "7", "--repo", "acme/other");

        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out()).contains("Queued job");
        assertThat(github.requests(r -> r.path().equals("/repos/acme/app/installation")))
                .singleElement().satisfies(r -> assertThat(r.authorization()).startsWith("Bearer "));
        assertThat(github.mintedTokens()).singleElement().satisfies(t -> {
            assertThat(t.installationId()).isEqualTo(77);
            assertThat(t.repositories()).containsExactly("app");
        });
        String token = github.mintedTokens().get(0).token();
        assertThat(github.requests(r -> r.path().equals("/repos/acme/app/issues/7")))
                .singleElement().satisfies(r -> assertThat(r.authorization()).isEqualTo("token " + token));
        assertThat(run.out() + run.err()).doesNotContain(token);
        assertThat(elsewhere.code()).isEqualTo(1);
        assertThat(elsewhere.err().strip()).endsWith("the GitHub App (GITHUB_APP_ID) is not installed on acme/other:"
                + " install it on the repository");
    }

    @Test
    void theScriptChecksItsArgumentsAndSaysWhatIsMissing() throws Exception {
        Path script = Path.of("..", "scripts", "enqueue-github-issue-job.sh").toAbsolutePath().normalize();

        Run usage = script(script, Map.of());
        Run badIssue = script(script, Map.of(), "abc", "acme/app");
        Run noGh = script(script, Map.of("PATH", temp.toString() + ":/usr/bin:/bin"), "7", "acme/app");

        assertThat(usage.code()).isEqualTo(2);
        assertThat(usage.err()).contains("usage:");
        assertThat(badIssue.err()).contains("ISSUE must be a positive number");
        if (!Files.exists(Path.of("/usr/bin/gh"))) {
            assertThat(noGh.err()).contains("gh) is not installed");
        }
    }

    private Run script(Path script, Map<String, String> env, String... args) throws Exception {
        List<String> argv = new java.util.ArrayList<>(List.of("bash", script.toString()));
        argv.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(argv);
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Run(p.waitFor(), out, err);
    }
}
