package io.roomote.runner.db;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What PostgreSQL writes to {@code postmaster.pid} in its data folder: pid, data folder, start time (epoch
 * seconds) and port on the first four lines.
 */
record PostmasterPidFile(long pid, Instant started, int port) {

    static final String FILE = "postmaster.pid";

    static Optional<PostmasterPidFile> read(Path dataDir) {
        try {
            List<String> lines = Files.readAllLines(dataDir.resolve(FILE), StandardCharsets.UTF_8);
            if (lines.size() < 4) {
                return Optional.empty();
            }
            return Optional.of(new PostmasterPidFile(Long.parseLong(lines.get(0).trim()),
                    Instant.ofEpochSecond(Long.parseLong(lines.get(2).trim())), Integer.parseInt(lines.get(3).trim())));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /**
     * The process this file names, if it is alive and really is the postmaster of {@code dataDir}: a pid can
     * be reused (always so in a restarted container), and signalling a stranger would be wrong.
     */
    Optional<ProcessHandle> liveProcess(Path dataDir) {
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).filter(p -> isPostmasterOf(p, dataDir));
    }

    private boolean isPostmasterOf(ProcessHandle p, Path dataDir) {
        Path cwd = Path.of("/proc", String.valueOf(p.pid()), "cwd");
        try {
            // Linux: a postmaster works in its data folder.
            return Files.readSymbolicLink(cwd).equals(dataDir.toRealPath());
        } catch (IOException | UnsupportedOperationException noProc) {
            // Elsewhere: a postgres process started when the file says it was.
            boolean postgres = p.info().command().map(c -> Path.of(c).getFileName().toString().startsWith("postgres"))
                    .orElse(false);
            boolean sameStart = p.info().startInstant()
                    .map(s -> Duration.between(s, started).abs().compareTo(Duration.ofSeconds(5)) <= 0).orElse(false);
            return postgres && sameStart;
        }
    }
}
