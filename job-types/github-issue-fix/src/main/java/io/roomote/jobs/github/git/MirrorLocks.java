package io.roomote.jobs.github.git;

import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The in-process half of the mirror cache's locking: one lock per mirror, shared by every job of this
 * process. A {@link java.nio.channels.FileLock} guards a mirror only against other processes — a second
 * lock on the same file from this JVM throws {@link java.nio.channels.OverlappingFileLockException}, and
 * closing any channel on the file may drop the process's lock — so jobs of one process take this lock
 * first and only then, one at a time, the file lock. Create one per process (the job type owns it).
 */
public final class MirrorLocks {

    private final ConcurrentHashMap<Path, ReentrantLock> locks = new ConcurrentHashMap<>();

    /** The lock of the mirror at {@code mirror}, the same object for every spelling of the path. */
    ReentrantLock of(Path mirror) {
        return locks.computeIfAbsent(mirror.toAbsolutePath().normalize(), p -> new ReentrantLock());
    }
}
