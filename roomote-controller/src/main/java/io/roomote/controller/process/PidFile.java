package io.roomote.controller.process;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * {@code <workerName>.pid}: a worker's pid and its process's start time, so that a pid the system has given to
 * another process since is not taken for the worker.
 */
record PidFile(Path path, String workerName, long pid, Instant startedAt) {

    static final String SUFFIX = ".pid";
    /** Start times are derived from boot time and clock ticks; two readings may differ by a little. */
    private static final Duration START_TOLERANCE = Duration.ofSeconds(2);

    static PidFile write(Path dir, String workerName, ProcessHandle process) throws IOException {
        Instant started = process.info().startInstant().orElse(Instant.EPOCH);
        Path file = dir.resolve(workerName + SUFFIX);
        Path tmp = dir.resolve(workerName + SUFFIX + ".tmp");
        Files.writeString(tmp, process.pid() + " " + started.toEpochMilli() + "\n", StandardCharsets.UTF_8);
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
        return new PidFile(file, workerName, process.pid(), started);
    }

    /** Empty when the file is not a pid file or is unreadable (being written, or damaged). */
    static Optional<PidFile> read(Path file) {
        String name = file.getFileName().toString();
        if (!name.endsWith(SUFFIX)) {
            return Optional.empty();
        }
        try {
            String[] parts = Files.readString(file, StandardCharsets.UTF_8).trim().split("\\s+");
            return Optional.of(new PidFile(file, name.substring(0, name.length() - SUFFIX.length()),
                    Long.parseLong(parts[0]), Instant.ofEpochMilli(Long.parseLong(parts[1]))));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Whether the process of this file runs now: the same pid, started at the same time, not a zombie. */
    boolean alive() {
        Optional<ProcessHandle> handle = ProcessHandle.of(pid);
        if (handle.isEmpty() || !handle.get().isAlive() || zombie(pid)) {
            return false;
        }
        Optional<Instant> started = handle.get().info().startInstant();
        if (started.isEmpty() || startedAt.equals(Instant.EPOCH)) {
            return true; // this system does not tell start times: the pid alone must do
        }
        return Duration.between(startedAt, started.get()).abs().compareTo(START_TOLERANCE) <= 0;
    }

    /**
     * An exited process nobody has waited for yet (its parent, the controller, was killed, and PID 1 of a
     * container may never reap): it is dead, though the system still lists it.
     */
    static boolean zombie(long pid) {
        Path stat = Path.of("/proc", String.valueOf(pid), "stat");
        try {
            String s = Files.readString(stat, StandardCharsets.UTF_8);
            int end = s.lastIndexOf(')');
            char state = end > 0 && end + 2 < s.length() ? s.charAt(end + 2) : '?';
            return state == 'Z' || state == 'X';
        } catch (IOException | RuntimeException e) {
            return false; // no /proc (not Linux): trust isAlive()
        }
    }
}
