package io.roomote.runner;

import com.fasterxml.jackson.databind.JsonNode;
import io.roomote.core.testing.TestDatabases;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code scripts/enqueue-github-issue-job.sh}, the original's script, run by bash against a real runner. {@code gh}
 * cannot reach GitHub here, so a STAND-IN {@code gh} (a shell script first on PATH, not GitHub's CLI) answers
 * {@code gh issue view N --repo R --json … --jq …} with the request body the real one builds, and records the
 * repository it was asked for. Real git clones give the script its {@code origin}.
 */
class EnqueueScriptTest {

    private static final String API_TOKEN = "0123456789abcdef0123456789abcdef";
    private static final Path SCRIPT = Path.of("..", "scripts", "enqueue-github-issue-job.sh").toAbsolutePath().normalize();

    @TempDir
    Path temp;

    private record Run(int code, String out, String err) {
    }

    @Test
    void theOriginalsOneArgumentUsageTakesTheRepositoryFromTheGitHubOriginThenFromROOMOTE_DEFAULT_REPO() throws Exception {
        Path bin = fakeGh();
        Path https = clone("https", "https://github.com/acme/app.git");
        Path ssh = clone("ssh", "git@github.com:acme/tool");
        Path elsewhere = clone("gitlab", "https://gitlab.example/acme/app.git");
        try (RunnerFixture runner = new RunnerFixture(temp.resolve("home"), Map.of("DATABASE_URL", TestDatabases.freshJdbcUrl(),
                "ROOMOTE_API_TOKEN", API_TOKEN, "HOST", "127.0.0.1", "GH_TOKEN", "ghp_standInToken0123456789abcdefghijklmn",
                "OPENROUTER_API_KEY", "sk-or-v1-standin0123456789abcdef"), RoomoteService.Role.API)) {
            Map<String, String> env = Map.of("PATH", bin + ":" + System.getenv("PATH"), "ROOMOTE_URL", runner.base(),
                    "ROOMOTE_API_TOKEN", API_TOKEN, "ROOMOTE_DEFAULT_REPO", "other/fallback");

            Run fromHttps = script(https, env, "7");
            Run fromSsh = script(ssh, env, "8");
            Run fromVariable = script(elsewhere, env, "9");

            assertThat(fromHttps.code()).as(fromHttps.err()).isZero();
            assertThat(fromHttps.err()).contains("repository acme/app (from the git remote origin of " + https + ")");
            assertThat(fromSsh.code()).as(fromSsh.err()).isZero();
            assertThat(fromSsh.err()).contains("repository acme/tool (from the git remote origin of " + ssh + ")");
            assertThat(fromVariable.code()).as(fromVariable.err()).isZero();
            assertThat(fromVariable.err()).contains("repository other/fallback (from ROOMOTE_DEFAULT_REPO)");
            assertThat(List.of(fromHttps, fromSsh, fromVariable)).extracting(r -> payloadOf(runner, r))
                    .extracting(p -> p.get("repo").asText() + "#" + p.get("issue").asInt())
                    .containsExactly("acme/app#7", "acme/tool#8", "other/fallback#9");
            assertThat(Files.readAllLines(temp.resolve("gh.log")))
                    .containsExactly("issue view 7 --repo acme/app", "issue view 8 --repo acme/tool", "issue view 9 --repo other/fallback");

            Run badToken = script(https, Map.of("PATH", bin + ":" + System.getenv("PATH"), "ROOMOTE_URL", runner.base(),
                    "ROOMOTE_API_TOKEN", "wrong-token-0123456789abcdef0123"), "10", "acme/app");
            assertThat(badToken.code()).isEqualTo(1);
            assertThat(badToken.err()).startsWith("error: Roomote at " + runner.base() + " refused the job: HTTP 401 ")
                    .contains("(set ROOMOTE_API_TOKEN to Roomote's API token)");
        }
    }

    @Test
    void withoutAnyRepositorySourceItSaysWhatItLookedAt() throws Exception {
        Path bin = fakeGh();
        Path plain = Files.createDirectories(temp.resolve("plain"));
        Path elsewhere = clone("gitlab", "https://gitlab.example/acme/app.git");
        Map<String, String> env = Map.of("PATH", bin + ":" + System.getenv("PATH"));

        Run noGit = script(plain, env, "7");
        Run notGitHub = script(elsewhere, env, "7");

        assertThat(noGit.code()).isEqualTo(2);
        assertThat(noGit.err().strip()).isEqualTo("error: which repository? Pass OWNER/REPO, run this inside a clone of a"
                + " GitHub repository, or set ROOMOTE_DEFAULT_REPO (this folder has no git remote origin)");
        assertThat(notGitHub.code()).isEqualTo(2);
        assertThat(notGitHub.err()).contains("(the git remote origin here, https://gitlab.example/acme/app.git, is not on GitHub)");
        assertThat(temp.resolve("gh.log")).doesNotExist();
    }

    @Test
    void aStoppedRoomoteIsNamedWithHowToStartIt() throws Exception {
        Path bin = fakeGh();
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        String url = "http://127.0.0.1:" + closedPort;

        Run down = script(temp, Map.of("PATH", bin + ":" + System.getenv("PATH"), "ROOMOTE_URL", url), "7", "acme/app");

        assertThat(down.code()).isEqualTo(1);
        assertThat(down.out()).isEmpty();
        assertThat(down.err().strip()).isEqualTo("error: no Roomote answering at " + url + " (connection refused): start it"
                + " with 'java -jar standalone-runner/target/roomote.jar', or set ROOMOTE_URL to where it runs");
    }

    private JsonNode payloadOf(RunnerFixture runner, Run run) {
        String id = run.out().replaceAll("(?s).*\"jobId\":(\\d+).*", "$1");
        return runner.get("/api/jobs/" + id).json().get("payload");
    }

    /** A folder holding the stand-in gh; it logs "issue view N --repo R" to gh.log and prints the request body. */
    private Path fakeGh() throws Exception {
        Path bin = Files.createDirectories(temp.resolve("bin"));
        Path gh = bin.resolve("gh");
        Files.writeString(gh, """
                #!/usr/bin/env bash
                # Stand-in for `gh issue view N --repo R --json title,body,labels --jq EXPR` (not GitHub's CLI).
                set -euo pipefail
                echo "$1 $2 $3 $4 $5" >> "%s"
                printf '{"type":"github.issue.fix","payload":{"repo":"%%s","issue":%%s,"title":"add() subtracts","body":"add(2, 2) is 0","labels":["bug"]}}\\n' "$5" "$3"
                """.formatted(temp.resolve("gh.log")), StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(gh, PosixFilePermissions.fromString("rwxr-xr-x"));
        return bin;
    }

    /** A real git repository whose origin is {@code url}. */
    private Path clone(String name, String url) throws Exception {
        Path dir = Files.createDirectories(temp.resolve("clones").resolve(name));
        run(dir, "git", "init", "-q");
        run(dir, "git", "remote", "add", "origin", url);
        return dir;
    }

    private static void run(Path dir, String... command) throws Exception {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(String.join(" ", command) + ": " + out).isZero();
    }

    private static Run script(Path dir, Map<String, String> env, String... args) throws Exception {
        List<String> argv = new ArrayList<>(List.of("bash", SCRIPT.toString()));
        argv.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(argv).directory(dir.toFile());
        for (String inherited : List.of("ROOMOTE_URL", "ROOMOTE_API_TOKEN", "ROOMOTE_DEFAULT_REPO", "GH_TOKEN", "GIT_DIR")) {
            pb.environment().remove(inherited);
        }
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Run(p.waitFor(), out, err);
    }
}
