package io.roomote.runner.db;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Proof that this process is the one Roomote using an embedded database in a {@code ROOMOTE_HOME}: an OS lock
 * on {@code $ROOMOTE_HOME/roomote.lock}, held for the life of the process and released by the kernel when the
 * process dies, however it dies. So a postmaster found running on the home's data folder while this lock
 * could be taken belongs to a Roomote that is gone. The file holds the owner's pid, for the error message.
 */
final class HomeLock implements AutoCloseable {

    static final String FILE = "roomote.lock";

    private final FileChannel channel;
    private final FileLock lock;

    private HomeLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    static HomeLock acquire(Path home) {
        Path file = home.resolve(FILE);
        FileChannel channel = null;
        try {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException sameJvm) {
                lock = null;
            }
            if (lock == null) {
                String owner = Files.readString(file, StandardCharsets.UTF_8).trim();
                channel.close();
                throw new IllegalStateException("another Roomote" + (owner.isEmpty() ? "" : " (pid " + owner + ")")
                        + " is running with ROOMOTE_HOME=" + home + "; stop it first, or set ROOMOTE_HOME to another folder");
            }
            channel.truncate(0);
            channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8)), 0);
            channel.force(false);
            return new HomeLock(channel, lock);
        } catch (IOException e) {
            closeQuietly(channel);
            throw new IllegalStateException("could not lock " + file + ": " + e.getMessage()
                    + ". Check that ROOMOTE_HOME is a writable folder.", e);
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
        } catch (IOException ignored) {
            // the channel is closed next; the kernel drops the lock with it
        }
        closeQuietly(channel);
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // nothing left to release
            }
        }
    }
}
