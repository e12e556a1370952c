package io.roomote.jobs.github.git;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One bare mirror per repository under a cache folder, fetched before each job and cloned locally (hard
 * links, no network) into the job's workspace, so the tenth job on a big repository does not download it
 * again. Per repository, an in-process lock (see {@link MirrorLocks}) and then a file lock let several
 * workers of one process and several processes share the cache.
 */
public final class MirrorCache {

    private final Path root;
    private final Git git;
    private final MirrorLocks locks;

    /** @param locks this process's mirror locks: the same instance for every job of the process */
    public MirrorCache(Path root, Git git, MirrorLocks locks) {
        this.root = root;
        this.git = git;
        this.locks = locks;
    }

    /** Where the mirror of {@code key} (e.g. {@code github.com/owner/repo}) lives. */
    public Path mirrorOf(String key) {
        return root.resolve(key + ".git");
    }

    /**
     * Brings the mirror of {@code remoteUrl} up to date and clones it into {@code workspace}, whose
     * {@code origin} then points at {@code remoteUrl} (so pushes go to the real remote, not the cache).
     *
     * @return true when the mirror had to be created (a first, full download)
     */
    public boolean checkout(String key, String remoteUrl, Path workspace) throws IOException, InterruptedException {
        return checkout(key, remoteUrl, workspace, java.util.Optional.empty());
    }

    /**
     * As {@link #checkout(String, String, Path)}, with {@code branch} (a branch of the remote, e.g. a pull
     * request's head) checked out instead of the default branch.
     */
    public boolean checkout(String key, String remoteUrl, Path workspace, java.util.Optional<String> branch)
            throws IOException, InterruptedException {
        Path mirror = mirrorOf(key);
        Files.createDirectories(mirror.getParent());
        boolean created;
        ReentrantLock inProcess = locks.of(mirror);
        inProcess.lockInterruptibly();
        try (FileChannel lockFile = FileChannel.open(mirror.resolveSibling(mirror.getFileName() + ".lock"),
                StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock ignored = lockFile.lock()) {
            created = !Files.isDirectory(mirror.resolve("objects"));
            if (created) {
                deleteRecursively(mirror);
                git.check(null, "clone", "--mirror", "--quiet", remoteUrl, mirror.toString());
            } else {
                git.check(mirror, "remote", "set-url", "origin", remoteUrl);
                git.check(mirror, "fetch", "--prune", "--quiet", "origin");
            }
            if (branch.isPresent()) {
                git.check(null, "clone", "--quiet", "--local", "--branch", branch.get(), mirror.toString(),
                        workspace.toString());
            } else {
                git.check(null, "clone", "--quiet", "--local", mirror.toString(), workspace.toString());
            }
        } finally {
            inProcess.unlock();
        }
        // The mirror was fetched a moment ago, so its refs are the remote's: no second download.
        git.check(workspace, "remote", "set-url", "origin", remoteUrl);
        return created;
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
