package io.roomote.jobs.github.git;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One bare mirror per repository under a cache folder, fetched before each job and cloned locally (no
 * network) into the job's workspace, so the tenth job on a big repository does not download it again. The
 * clone copies the object files ({@code --no-hardlinks}): a hard link would share them with the mirror, and
 * the agent, which may write anything in its workspace, could rewrite the mirror's objects for later jobs. Per repository, an in-process lock (see {@link MirrorLocks}) and then a file lock let several
 * workers of one process and several processes share the cache.
 *
 * <p>With spares on, each repository also has a spare working copy: a clean local clone of the mirror, made
 * while a job runs (never on a job's way to its agent) and never seen by an agent until it is moved, whole,
 * into the next job's workspace. That job then only brings it to the fetched tip — a checkout of the files
 * that changed — instead of writing every file of the repository again: on a large repository, most of a
 * fresh working copy's time. Without a spare (the first job, two jobs at once, another file system) the job
 * clones from the mirror as before. {@link #awaitSpare} lets the job wait for the spare it started before it ends.
 */
public final class MirrorCache {

    private final Path root;
    private final Git git;
    private final MirrorLocks locks;
    private final boolean spares;
    private volatile java.util.concurrent.CompletableFuture<Void> spareMade =
            java.util.concurrent.CompletableFuture.completedFuture(null);
    private volatile java.util.concurrent.CompletableFuture<TrustedRepository> trustedMade =
            java.util.concurrent.CompletableFuture.completedFuture(null);

    /** @param locks this process's mirror locks: the same instance for every job of the process */
    public MirrorCache(Path root, Git git, MirrorLocks locks) {
        this(root, git, locks, false);
    }

    /** @param spares keep a spare working copy of each repository ({@code ROOMOTE_SPARE_WORKSPACES}) */
    public MirrorCache(Path root, Git git, MirrorLocks locks, boolean spares) {
        this.root = root;
        this.git = git;
        this.locks = locks;
        this.spares = spares;
    }

    /** Where the spare working copy of {@code key} lives. */
    public Path spareOf(String key) {
        return root.resolve(key + ".spare");
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
            if (created || !takeSpare(key, workspace) || !updateSpare(workspace, branch)) {
                if (branch.isPresent()) {
                    git.check(null, "clone", "--quiet", "--local", "--no-hardlinks", "--branch", branch.get(), mirror.toString(),
                            workspace.toString());
                } else {
                    git.check(null, "clone", "--quiet", "--local", "--no-hardlinks", mirror.toString(), workspace.toString());
                }
            }
        } finally {
            inProcess.unlock();
        }
        // The mirror was fetched a moment ago, so its refs are the remote's: no second download.
        git.check(workspace, "remote", "set-url", "origin", remoteUrl);
        if (spares) {
            makeSpare(key, mirror);
        }
        return created;
    }

    /**
     * Starts cloning the mirror of {@code key} (just checked out) into a {@link TrustedRepository} at {@code dir}, on
     * a thread of its own under the mirror's locks, so that it is made while the job's setup and agent run rather
     * than on the job's way to its agent. The mirror only gains objects meanwhile, so the clone has every object
     * the workspace started with. {@link #awaitSpare} waits for it too.
     */
    public java.util.concurrent.CompletableFuture<TrustedRepository> trustedCopy(String key, String remoteUrl, Path dir) {
        Path mirror = mirrorOf(key);
        java.util.concurrent.CompletableFuture<TrustedRepository> made = new java.util.concurrent.CompletableFuture<>();
        trustedMade = made;
        Thread maker = new Thread(() -> {
            try {
                ReentrantLock inProcess = locks.of(mirror);
                inProcess.lockInterruptibly();
                try (FileChannel lockFile = FileChannel.open(mirror.resolveSibling(mirror.getFileName() + ".lock"),
                        StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                     FileLock ignored = lockFile.lock()) {
                    made.complete(TrustedRepository.create(git, mirror, remoteUrl, dir));
                } finally {
                    inProcess.unlock();
                }
            } catch (Exception e) {
                made.completeExceptionally(e);
            }
        }, "roomote-trusted-repository");
        maker.setDaemon(true);
        maker.start();
        return made;
    }

    /**
     * Waits (up to {@code limit}) for the spare and the trusted repository this cache started making, so nothing
     * outlives the job.
     */
    public void awaitSpare(java.time.Duration limit) {
        try {
            trustedMade.handle((r, e) -> null).get(limit.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            spareMade.get(limit.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            // a spare that could not be made is only a slower start for the next job
        }
    }

    /** Moves the spare, if there is one, into place as the workspace; false when there is none to take. */
    private boolean takeSpare(String key, Path workspace) {
        Path spare = spareOf(key);
        if (!spares || !Files.isDirectory(spare.resolve(".git"))) {
            return false;
        }
        try {
            Files.createDirectories(workspace.getParent());
            Files.move(spare, workspace, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            return true;
        } catch (IOException e) {
            return false; // another file system, or taken by another process a moment ago
        }
    }

    /**
     * Brings a spare just moved into place to the mirror's tip of {@code branch} (or the default branch); on any
     * failure removes it, so the caller clones instead.
     */
    private boolean updateSpare(Path workspace, java.util.Optional<String> branch) throws IOException {
        try {
            // The spare's origin is the mirror: fetching from it is local, and the lock keeps the mirror still.
            git.check(workspace, "fetch", "--prune", "--quiet", "origin");
            git.check(workspace, "remote", "set-head", "origin", "--auto");
            String target = branch.orElseGet(() -> defaultBranch(workspace));
            git.check(workspace, "checkout", "--quiet", "--force", "-B", target, "origin/" + target);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while updating the spare working copy", e);
        } catch (RuntimeException | IOException e) {
            deleteRecursively(workspace);
            return false;
        }
    }

    private String defaultBranch(Path workspace) {
        try {
            String head = git.check(workspace, "symbolic-ref", "--short", "refs/remotes/origin/HEAD");
            return head.startsWith("origin/") ? head.substring("origin/".length()) : head;
        } catch (IOException | InterruptedException | RuntimeException e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            return "main";
        }
    }

    /**
     * Clones the mirror into a new spare on a thread of its own, unless a spare is there: built under a private
     * name and renamed into place whole, so a half-made spare is never taken.
     */
    private void makeSpare(String key, Path mirror) {
        Path spare = spareOf(key);
        if (Files.isDirectory(spare)) {
            return;
        }
        java.util.concurrent.CompletableFuture<Void> made = new java.util.concurrent.CompletableFuture<>();
        spareMade = made;
        Thread maker = new Thread(() -> {
            Path building = spare.resolveSibling(spare.getFileName() + ".building-" + ProcessHandle.current().pid()
                    + "-" + Thread.currentThread().getId());
            try {
                deleteRecursively(building);
                git.check(null, "clone", "--quiet", "--local", "--no-hardlinks", mirror.toString(), building.toString());
                Files.move(building, spare, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                made.complete(null);
            } catch (Exception e) {
                made.completeExceptionally(e);
            } finally {
                try {
                    deleteRecursively(building);
                } catch (IOException ignored) {
                    // left for the next attempt's clean-up
                }
            }
        }, "roomote-spare-workspace");
        maker.setDaemon(true);
        maker.start();
    }

    static void deleteRecursively(Path dir) throws IOException {
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
