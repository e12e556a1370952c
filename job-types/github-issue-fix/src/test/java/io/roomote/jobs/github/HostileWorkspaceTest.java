package io.roomote.jobs.github;

import com.fasterxml.jackson.databind.JsonNode;
import io.roomote.core.execution.JobOutcome;
import io.roomote.core.testing.CollectingLogSink;
import io.roomote.jobs.github.testing.FixJobFixture;
import io.roomote.jobs.github.testing.GitRemotes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.roomote.jobs.github.testing.FixJobFixture.REPO;
import static io.roomote.jobs.github.testing.FixJobFixture.TOKEN;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A hostile agent rewrites its workspace's {@code .git} so that git run there on the host, where the GitHub token
 * is, would run its commands, push elsewhere or read other repositories. Roomote must never run git on the host in
 * that workspace: the agent's work leaves it only as a bundle written by a sandboxed export step, fetched into a
 * repository the agent never saw.
 *
 * <p>Real: git, the bare repositories standing for GitHub's git server and for other repositories on the runner,
 * bubblewrap (ROOMOTE_SANDBOX=bwrap) with socat, Roomote's real {@code command} agent driver running a scripted
 * hostile agent (hostile-agent.sh). Stand-in: the GitHub REST API (GitHubStandIn, not GitHub).
 */
class HostileWorkspaceTest {

    @TempDir
    Path temp;

    private FixJobFixture fixture;
    private GitRemotes remotes;
    private CollectingLogSink log;
    private Path script;
    /** Where a hostile command would leave its trace on the host; inside the sandbox this folder does not exist. */
    private Path markers;

    @BeforeEach
    void setUp() throws Exception {
        fixture = new FixJobFixture(temp, 70, "bwrap", Map.of());
        remotes = fixture.remotes();
        log = fixture.log();
        script = fixture.copyAgent("hostile-agent.sh");
        markers = Files.createDirectories(temp.resolve("markers"));
    }

    @AfterEach
    void tearDown() {
        fixture.close();
    }

    private Map<String, String> settings(String mode, String... args) {
        return fixture.settings(script, mode + " " + String.join(" ", args));
    }

    private JobOutcome run(Map<String, String> settings) {
        return fixture.run(env -> new GitHubIssueFixJobType(FixJobFixture.commandAgent(), env), settings,
                "{\"repo\":\"acme/app\",\"issue\":7}", Duration.ofMinutes(3));
    }

    private String realUrl() {
        return remotes.serverUrl() + "/" + REPO + ".git";
    }

    /** No hostile command ran on the host: its marker folder is still empty, and the token was never written there. */
    private void assertNothingRanOnTheHost() throws IOException {
        try (var files = Files.list(markers)) {
            assertThat(files.map(p -> p.getFileName().toString()).toList())
                    .as("markers written by the agent's git config/hooks on the host").isEmpty();
        }
        assertThat(log.texts()).noneMatch(l -> l.contains(TOKEN));
    }

    /** Another repository on the runner (under ROOMOTE_HOME, as another customer's mirror) with a secret commit. */
    private Path otherRepository() throws Exception {
        GitRemotes others = new GitRemotes(Files.createDirectories(temp.resolve("home/git-mirrors/local")));
        return others.create("other/secret", "secret.txt", "another customer's secret\n");
    }

    /**
     * A private copy of acme/app on the runner (as another job's repository) whose branch fix-7 has a secret commit
     * on top of main, and whose origin is the real remote: git run in it pushes the secret to acme/app.
     */
    private Path privateFork() throws Exception {
        Path fork = temp.resolve("home/private/acme/app.git");
        Files.createDirectories(fork.getParent());
        gitOk(null, "clone", "--quiet", "--bare", remotes.root().resolve(REPO + ".git").toString(), fork.toString());
        GitRemotes forks = new GitRemotes(temp.resolve("home/private"));
        forks.commit(REPO, "fix-7", "secret.txt", "another job's secret\n", "Fixes #7");
        gitOk(fork, "remote", "set-url", "origin", realUrl());
        return fork;
    }

    private static String gitOk(Path dir, String... args) throws IOException, InterruptedException {
        List<String> argv = new java.util.ArrayList<>(List.of("git"));
        argv.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true);
        if (dir != null) {
            pb.directory(dir.toFile());
        }
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        assertThat(p.waitFor()).as(out).isZero();
        return out;
    }

    /** The remote has no object {@code sha}. */
    private void assertRemoteLacks(String sha) throws InterruptedException {
        boolean has;
        try {
            remotes.inRemote(REPO, "cat-file", "-e", sha);
            has = true;
        } catch (IOException e) {
            has = false; // git cat-file -e: no such object
        }
        assertThat(has).as("the remote " + REPO + " has the other repository's commit " + sha).isFalse();
    }

    /** (a) core.fsmonitor would run at the host's `git status` with GH_TOKEN in its environment. */
    @Test
    void anFsmonitorCommandNeverRunsOnTheHostAndTheWorkIsStillSaved() throws Exception {
        JobOutcome.Failed f = (JobOutcome.Failed) run(settings("fsmonitor", markers.toString()));

        assertNothingRanOnTheHost();
        assertThat(f.result().get("outcome").asText()).as(f.error()).isEqualTo("agent_failed");
        String wip = f.result().get("wipBranch").asText();
        assertThat(wip).isEqualTo("roomote/wip/7-" + fixture.lastJobId());
        assertThat(remotes.inRemote(REPO, "show", wip + ":calc.py")).contains("return a + b");
        assertThat(remotes.inRemote(REPO, "log", "-1", "--format=%s", wip)).contains("the agent left its changes uncommitted");
    }

    /** (b) origin, pushurl, insteadOf and pushInsteadOf all name another repository: Roomote pushes to the real one. */
    @Test
    void aRewrittenOriginIsIgnoredRoomotePushesToTheRealRemoteOnly() throws Exception {
        Path evil = remotes.create("mallory/loot", "README.md", "loot\n");
        String before = remotes.inRemote("mallory/loot", "for-each-ref");

        JobOutcome outcome = run(settings("origin", markers.toString(), evil.toUri().toString()));

        assertThat(remotes.inRemote("mallory/loot", "for-each-ref")).as("the other repository received nothing")
                .isEqualTo(before);
        assertNothingRanOnTheHost();
        assertThat(outcome).isInstanceOf(JobOutcome.Succeeded.class);
        JsonNode result = ((JobOutcome.Succeeded) outcome).result();
        assertThat(result.get("outcome").asText()).isEqualTo("pr_opened");
        assertThat(result.get("pushedBy").asText()).isEqualTo("roomote");
        assertThat(remotes.inRemote(REPO, "show", "fix-7:calc.py")).contains("return a + b");
    }

    /** (c) hooks in .git/hooks and in a core.hooksPath folder: none runs on the host (pre-push, reference-transaction…). */
    @Test
    void hooksOfTheAgentNeverRunOnTheHost() throws Exception {
        JsonNode result = ((JobOutcome.Succeeded) run(settings("hooks", markers.toString()))).result();

        assertThat(result.get("outcome").asText()).isEqualTo("pr_opened");
        assertThat(result.get("pushedBy").asText()).isEqualTo("roomote");
        assertThat(remotes.inRemote(REPO, "show", "fix-7:calc.py")).contains("return a + b");
        assertNothingRanOnTheHost();
    }

    /**
     * (d) objects/info/alternates naming another repository's mirror under ROOMOTE_HOME, and the work branch at that
     * repository's secret commit: the export in the sandbox cannot see that mirror, so the job fails and nothing of
     * the other repository reaches the remote.
     */
    @Test
    void alternatesPointingAtAnotherMirrorPushNothingOfIt() throws Exception {
        Path other = otherRepository();
        String secret = gitOk(other, "rev-parse", "main");

        JobOutcome outcome = run(settings("alternates", other.resolve("objects").toString(), secret));

        assertRemoteLacks(secret);
        // What really happens: in the sandbox the other mirror is an empty folder, so the branch names a commit git
        // cannot find and the export fails before any bundle is written.
        assertThat(outcome).isInstanceOfSatisfying(JobOutcome.Failed.class, f -> {
            assertThat(f.result().get("outcome").asText()).isEqualTo("agent_failed");
            assertThat(f.error()).isEqualTo("agent_failed: could not export the agent's work from its workspace: the"
                    + " export step exited with code 3: roomote-export: HEAD names no commit (is this a git repository?)");
        });
        assertThat(remotes.branches(REPO)).containsExactly("main");
        assertNothingRanOnTheHost();
    }

    /**
     * (e) .git replaced by a symlink to another repository on the host, or by a {@code gitdir:} file naming it:
     * nothing is read from it, nothing written.
     */
    @ParameterizedTest
    @ValueSource(strings = {"gitdir-symlink", "gitdir-file"})
    void aGitPointingAtAnotherRepositoryOnTheHostIsNeverRead(String how) throws Exception {
        Path fork = privateFork();
        String secret = gitOk(fork, "rev-parse", "fix-7");
        String refsBefore = gitOk(fork, "for-each-ref");

        JobOutcome outcome = run(settings(how, fork.toString()));

        assertRemoteLacks(secret);
        // In the sandbox that repository is an empty folder: the workspace is no git repository there.
        assertThat(outcome).isInstanceOfSatisfying(JobOutcome.Failed.class, f -> assertThat(f.error())
                .startsWith("agent_failed: could not export the agent's work from its workspace: the export step exited"
                        + " with code 3: roomote-export: HEAD names no commit"));
        assertThat(gitOk(fork, "for-each-ref")).as("the other repository was not written").isEqualTo(refsBefore);
        assertNothingRanOnTheHost();
    }

    /**
     * (e) A hook of the agent swaps the export's bundle for a symlink to a host file (a valid bundle of another
     * repository): the host refuses it as not a regular file and reads nothing through it.
     */
    @Test
    void aBundleSwappedForASymlinkToAHostFileIsRefused() throws Exception {
        Path fork = privateFork();
        String secret = gitOk(fork, "rev-parse", "fix-7");
        Path hostBundle = temp.resolve("home/private/secret.bundle");
        gitOk(fork, "bundle", "create", "--quiet", hostBundle.toString(), "fix-7");
        byte[] bundleBefore = Files.readAllBytes(hostBundle);

        JobOutcome outcome = run(settings("bundle-symlink", markers.toString(), hostBundle.toString()));

        assertRemoteLacks(secret);
        assertNothingRanOnTheHost();
        assertThat(outcome).isInstanceOfSatisfying(JobOutcome.Failed.class, f -> {
            assertThat(f.result().get("outcome").asText()).isEqualTo("agent_failed");
            assertThat(f.error()).contains("the agent's bundle is not a regular file (a symbolic link): refused");
        });
        assertThat(remotes.branches(REPO)).containsExactly("main");
        assertThat(Files.readAllBytes(hostBundle)).as("the host file was not written").isEqualTo(bundleBefore);
    }

    /** (f) The WIP path with a clean filter on every file: `git add` runs it, but only in the sandbox. */
    @Test
    void aCleanFilterNeverRunsOnTheHostWhenTheWorkIsSaved() throws Exception {
        JobOutcome.Failed f = (JobOutcome.Failed) run(settings("filter", markers.toString()));

        assertNothingRanOnTheHost();
        assertThat(f.result().get("outcome").asText()).as(f.error()).isEqualTo("agent_failed");
        String wip = f.result().get("wipBranch").asText();
        assertThat(remotes.inRemote(REPO, "show", wip + ":calc.py")).contains("return a + b");
        assertThat(remotes.inRemote(REPO, "show", wip + ":.gitattributes")).contains("filter=evil");
    }

    /** A bundle over ROOMOTE_AGENT_BUNDLE_MAX: the job fails with one line naming the setting, and nothing is pushed. */
    @Test
    void aBundleOverTheLimitEndsTheJobWithOneLineNamingTheSetting() throws Exception {
        Map<String, String> s = settings("big");
        s.put("ROOMOTE_AGENT_BUNDLE_MAX", "64K");

        JobOutcome outcome = run(s);

        assertThat(outcome).isInstanceOfSatisfying(JobOutcome.Failed.class, f -> {
            assertThat(f.result().get("outcome").asText()).isEqualTo("agent_failed");
            assertThat(f.error()).startsWith("agent_failed: could not export the agent's work from its workspace:"
                    + " the agent's bundle is larger than 64 KiB (").endsWith("): raise ROOMOTE_AGENT_BUNDLE_MAX if such"
                    + " work is expected").doesNotContain("\n");
        });
        assertThat(remotes.branches(REPO)).containsExactly("main");
    }
}
