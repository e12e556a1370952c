package io.roomote.jobs.github.git;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The mirror cache shared by several jobs of one process and by other processes: real git, a bare repository
 * as the remote, and a second JVM holding the mirror's file lock.
 */
class MirrorCacheTest {

    private static final String KEY = "local/acme/app";

    @TempDir
    Path temp;

    private final ExecutorService pool = Executors.newFixedThreadPool(3);
    private final Git git = new Git(Map.of("PATH", System.getenv("PATH"), "HOME", System.getProperty("java.io.tmpdir"),
            "GIT_CONFIG_NOSYSTEM", "1"), Duration.ofMinutes(1));
    private String remoteUrl;

    @BeforeEach
    void createRemote() throws Exception {
        Path bare = temp.resolve("remote/app.git");
        Path seed = Files.createDirectories(temp.resolve("seed"));
        git.check(null, "init", "--quiet", "--bare", "--initial-branch=main", bare.toString());
        git.check(null, "init", "--quiet", "--initial-branch=main", seed.toString());
        Files.writeString(seed.resolve("calc.py"), "def add(a, b):\n    return a - b\n");
        git.check(seed, "add", ".");
        git.check(seed, "-c", "user.name=Seed", "-c", "user.email=seed@example.com", "commit", "--quiet", "-m", "initial");
        git.check(seed, "push", "--quiet", bare.toUri().toString(), "main");
        remoteUrl = bare.toUri().toString();
    }

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    /** A review round works on a pull request's branch: the clone checks it out, at the remote's tip, fetched anew. */
    @Test
    void aBranchOfTheRemoteIsCheckedOutWhenAsked() throws Exception {
        Path seed = temp.resolve("seed");
        git.check(seed, "checkout", "--quiet", "-b", "fix-7");
        Files.writeString(seed.resolve("calc.py"), "def add(a, b):\n    return a + b\n");
        git.check(seed, "-c", "user.name=Seed", "-c", "user.email=seed@example.com", "commit", "--quiet", "-am", "Fixes #7");
        git.check(seed, "push", "--quiet", remoteUrl, "fix-7");
        MirrorCache cache = new MirrorCache(temp.resolve("mirrors"), git, new MirrorLocks());
        cache.checkout(KEY, remoteUrl, temp.resolve("first"));

        // A commit pushed after the mirror was made: the next checkout of the branch has it.
        Files.writeString(seed.resolve("calc.py"), "def add(a, b):\n    return b + a\n");
        git.check(seed, "-c", "user.name=Seed", "-c", "user.email=seed@example.com", "commit", "--quiet", "-am", "Swap");
        git.check(seed, "push", "--quiet", remoteUrl, "fix-7");
        Path ws = temp.resolve("round");
        cache.checkout(KEY, remoteUrl, ws, java.util.Optional.of("fix-7"));

        assertThat(git.check(ws, "symbolic-ref", "--short", "HEAD")).isEqualTo("fix-7");
        assertThat(git.check(ws, "rev-parse", "HEAD")).isEqualTo(git.check(seed, "rev-parse", "HEAD"));
        assertThat(Files.readString(ws.resolve("calc.py"))).contains("return b + a");
        assertThat(git.check(ws, "remote", "get-url", "origin")).isEqualTo(remoteUrl);
    }

    private String commitToRemote(String content, String branch) throws Exception {
        Path seed = temp.resolve("seed");
        Files.writeString(seed.resolve("calc.py"), content);
        git.check(seed, "-c", "user.name=Seed", "-c", "user.email=seed@example.com", "commit", "--quiet", "-am", content);
        git.check(seed, "push", "--quiet", remoteUrl, "HEAD:" + branch);
        return git.check(seed, "rev-parse", "HEAD");
    }

    private static Object inode(Path p) throws Exception {
        return Files.getAttribute(p, "unix:ino");
    }

    @Test
    void theNextJobStartsFromTheSpareMadeWhileThePreviousRanBroughtToTheRemotesTip() throws Exception {
        MirrorCache cache = new MirrorCache(temp.resolve("mirrors"), git, new MirrorLocks(), true);
        cache.checkout(KEY, remoteUrl, temp.resolve("first"));
        cache.awaitSpare(Duration.ofMinutes(1));
        Path spare = cache.spareOf(KEY);
        assertThat(spare.resolve("calc.py")).exists();
        Object spareGit = inode(spare.resolve(".git"));

        String tip = commitToRemote("def add(a, b):\n    return a + b\n", "main");
        Path ws = temp.resolve("second");
        assertThat(cache.checkout(KEY, remoteUrl, ws)).isFalse();

        assertThat(inode(ws.resolve(".git"))).as("the spare itself, moved").isEqualTo(spareGit);
        assertThat(git.check(ws, "rev-parse", "HEAD")).isEqualTo(tip);
        assertThat(git.check(ws, "symbolic-ref", "--short", "HEAD")).isEqualTo("main");
        assertThat(git.check(ws, "status", "--porcelain")).isEmpty();
        assertThat(Files.readString(ws.resolve("calc.py"))).contains("return a + b");
        assertThat(git.check(ws, "remote", "get-url", "origin")).isEqualTo(remoteUrl);
        assertThat(git.check(ws, "rev-parse", "--abbrev-ref", "main@{upstream}")).isEqualTo("origin/main");
        // ...and the next spare is made in its place.
        cache.awaitSpare(Duration.ofMinutes(1));
        assertThat(cache.spareOf(KEY).resolve("calc.py")).exists();
        assertThat(inode(cache.spareOf(KEY).resolve(".git"))).isNotEqualTo(spareGit);
    }

    @Test
    void aReviewRoundTakesTheSpareOnThePullRequestsBranch() throws Exception {
        MirrorCache cache = new MirrorCache(temp.resolve("mirrors"), git, new MirrorLocks(), true);
        cache.checkout(KEY, remoteUrl, temp.resolve("first"));
        cache.awaitSpare(Duration.ofMinutes(1));
        Object spareGit = inode(cache.spareOf(KEY).resolve(".git"));
        String tip = commitToRemote("def add(a, b):\n    return b + a\n", "fix-7");

        Path ws = temp.resolve("round");
        cache.checkout(KEY, remoteUrl, ws, java.util.Optional.of("fix-7"));

        assertThat(inode(ws.resolve(".git"))).isEqualTo(spareGit);
        assertThat(git.check(ws, "symbolic-ref", "--short", "HEAD")).isEqualTo("fix-7");
        assertThat(git.check(ws, "rev-parse", "HEAD")).isEqualTo(tip);
        assertThat(git.check(ws, "rev-parse", "--abbrev-ref", "fix-7@{upstream}")).isEqualTo("origin/fix-7");
        assertThat(git.check(ws, "status", "--porcelain")).isEmpty();
    }

    @Test
    void aBrokenSpareIsThrownAwayAndTheJobClonesInstead() throws Exception {
        MirrorCache cache = new MirrorCache(temp.resolve("mirrors"), git, new MirrorLocks(), true);
        cache.checkout(KEY, remoteUrl, temp.resolve("first"));
        cache.awaitSpare(Duration.ofMinutes(1));
        Files.writeString(cache.spareOf(KEY).resolve(".git/HEAD"), "garbage\n");
        String tip = commitToRemote("def add(a, b):\n    return a * b\n", "main");

        Path ws = temp.resolve("second");
        cache.checkout(KEY, remoteUrl, ws);

        assertThat(git.check(ws, "rev-parse", "HEAD")).isEqualTo(tip);
        assertThat(git.check(ws, "symbolic-ref", "--short", "HEAD")).isEqualTo("main");
        assertThat(git.check(ws, "status", "--porcelain")).isEmpty();
        // The next spare is being cloned meanwhile: let it finish before the temporary folder is removed.
        cache.awaitSpare(Duration.ofMinutes(1));
    }

    /**
     * The agent writes its workspace, objects included. A clone with hard links shares the mirror's object files
     * (same inodes), so an agent that makes one writable and rewrites it changes the mirror, and every later job
     * on the repository — poisoned files in a checkout the agent never saw. Workspaces, spares and the
     * workspaces made from spares must own their object files.
     */
    @Test
    void anAgentThatRewritesItsWorkspacesObjectFilesCannotChangeTheMirror() throws Exception {
        for (boolean spares : new boolean[] {false, true}) {
            MirrorCache cache = new MirrorCache(temp.resolve("mirrors-" + spares), git, new MirrorLocks(), spares);
            Path first = temp.resolve("first-" + spares);
            cache.checkout(KEY, remoteUrl, first);
            cache.awaitSpare(Duration.ofMinutes(1));
            Path second = temp.resolve("second-" + spares); // from the spare when spares are on
            cache.checkout(KEY, remoteUrl, second);
            Path mirror = cache.mirrorOf(KEY);
            java.util.Set<Object> mirrorInodes = objectInodes(mirror.resolve("objects"));
            assertThat(mirrorInodes).isNotEmpty();
            for (Path ws : List.of(first, second)) {
                assertThat(objectInodes(ws.resolve(".git/objects"))).as("%s shares no object file with the mirror", ws)
                        .doesNotContainAnyElementsOf(mirrorInodes);
                // What a hostile agent does: make every object file writable and overwrite it.
                try (var files = Files.walk(ws.resolve(".git/objects"))) {
                    for (Path f : files.filter(Files::isRegularFile).toList()) {
                        f.toFile().setWritable(true);
                        Files.writeString(f, "poisoned");
                    }
                }
            }
            git.check(mirror, "fsck", "--full", "--no-progress");
            Path third = temp.resolve("third-" + spares);
            cache.checkout(KEY, remoteUrl, third);
            cache.awaitSpare(Duration.ofMinutes(1)); // the next spare is being cloned: let it finish before cleanup
            assertThat(Files.readString(third.resolve("calc.py"))).isEqualTo("def add(a, b):\n    return a - b\n");
        }
    }

    private static java.util.Set<Object> objectInodes(Path objects) throws Exception {
        try (var files = Files.walk(objects)) {
            java.util.Set<Object> inodes = new java.util.HashSet<>();
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                inodes.add(inode(f));
            }
            return inodes;
        }
    }

    @Test
    void withoutSparesNoSpareIsMade() throws Exception {
        MirrorCache cache = new MirrorCache(temp.resolve("mirrors"), git, new MirrorLocks(), false);
        cache.checkout(KEY, remoteUrl, temp.resolve("first"));
        cache.checkout(KEY, remoteUrl, temp.resolve("second"));
        cache.awaitSpare(Duration.ofMinutes(1));

        assertThat(cache.spareOf(KEY)).doesNotExist();
    }

    /** Issue 9: the second job of a process on one repository failed at once with OverlappingFileLockException. */
    @Test
    void jobsOfOneProcessCheckOutOneRepositoryAtTheSameTime() throws Exception {
        MirrorLocks locks = new MirrorLocks();
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Boolean>> checkouts = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Path workspace = temp.resolve("work/ws-" + i);
            // One cache per job, as FixRun makes them; the locks are the process's.
            MirrorCache cache = new MirrorCache(temp.resolve("mirrors"), git, locks);
            checkouts.add(pool.submit(() -> {
                go.await();
                return cache.checkout(KEY, remoteUrl, workspace);
            }));
        }
        go.countDown();

        List<Boolean> created = new ArrayList<>();
        for (Future<Boolean> checkout : checkouts) {
            created.add(checkout.get(2, TimeUnit.MINUTES));
        }
        assertThat(created).containsExactlyInAnyOrder(true, false, false);
        for (int i = 0; i < 3; i++) {
            assertThat(Files.readString(temp.resolve("work/ws-" + i + "/calc.py"))).contains("return a - b");
        }
    }

    @Test
    void aMirrorLockedByAnotherProcessIsWaitedFor() throws Exception {
        MirrorCache cache = new MirrorCache(temp.resolve("mirrors"), git, new MirrorLocks());
        Path lockFile = cache.mirrorOf(KEY).resolveSibling("app.git.lock");
        Files.createDirectories(lockFile.getParent());
        Path holderSource = temp.resolve("LockHolder.java");
        Files.writeString(holderSource, """
                import java.nio.channels.FileChannel;
                import java.nio.file.Path;
                import java.nio.file.StandardOpenOption;
                public class LockHolder {
                    public static void main(String[] args) throws Exception {
                        try (FileChannel ch = FileChannel.open(Path.of(args[0]), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                             var lock = ch.lock()) {
                            System.out.println("locked");
                            System.out.flush();
                            System.in.read(); // until the test closes our stdin
                        }
                    }
                }
                """);
        Process holder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                holderSource.toString(), lockFile.toString()).redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
            assertThat(out.readLine()).isEqualTo("locked");

            Future<Boolean> checkout = pool.submit(() -> cache.checkout(KEY, remoteUrl, temp.resolve("work/ws")));

            assertThatThrownBy(() -> checkout.get(1, TimeUnit.SECONDS)).isInstanceOf(TimeoutException.class);
            assertThat(temp.resolve("work/ws")).doesNotExist();
            holder.getOutputStream().close();
            assertThat(checkout.get(2, TimeUnit.MINUTES)).isTrue();
            assertThat(temp.resolve("work/ws/calc.py")).exists();
        } finally {
            holder.destroyForcibly();
            holder.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
