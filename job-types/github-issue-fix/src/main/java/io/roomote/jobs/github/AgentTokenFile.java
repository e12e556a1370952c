package io.roomote.jobs.github;

import io.roomote.core.util.Threads;
import io.roomote.spi.JobLogger;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The GitHub token of an agent that pushes itself ({@code ROOMOTE_PUSH=agent}), in a file its git askpass reads
 * at every push, rewritten by Roomote on the host whenever the job's token is replaced: an App's installation
 * token lasts an hour, a job may run longer, and a process's environment cannot be changed once it runs. The
 * file lives in the job's bridge folder, which every sandbox binds read-only at the same path, so the agent
 * reads it and cannot change it; each rewrite is a new file renamed over the old one, which a reader sees
 * whole or not at all (and which the directory bind, unlike a file bind, shows inside a sandbox).
 */
public final class AgentTokenFile implements AutoCloseable {

    /** The variable that tells the agent's askpass where the token is. */
    public static final String VARIABLE = "ROOMOTE_GITHUB_TOKEN_FILE";
    static final String NAME = "github-token";

    private final Path file;
    private final GitHubApi.TokenSource token;
    private final JobLogger log;
    private final ScheduledExecutorService timer;
    private String written;

    private AgentTokenFile(Path file, GitHubApi.TokenSource token, JobLogger log) {
        this.file = file;
        this.token = token;
        this.log = log;
        this.timer = Executors.newSingleThreadScheduledExecutor(Threads.daemon("roomote-agent-token"));
    }

    /**
     * Writes the token into {@code dir} now and looks again every {@code every}: the token source hands out a
     * new token once the current one is about to expire.
     */
    public static AgentTokenFile start(Path dir, GitHubApi.TokenSource token, Duration every, JobLogger log) throws IOException {
        AgentTokenFile f = new AgentTokenFile(dir.resolve(NAME), token, log);
        f.refresh();
        f.timer.scheduleWithFixedDelay(f::refreshQuietly, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
        return f;
    }

    public Path file() {
        return file;
    }

    /** Writes the current token when it differs from the one in the file. */
    synchronized void refresh() throws IOException {
        String now = token.token();
        if (now.equals(written)) {
            return;
        }
        Path next = Files.createTempFile(file.getParent(), ".github-token-", ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            Files.writeString(next, now, StandardCharsets.UTF_8);
            Files.move(next, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(next);
        }
        if (written != null) {
            log.info("the agent's GitHub token was replaced before it expired; its git reads the new one");
        }
        written = now;
    }

    private void refreshQuietly() {
        try {
            refresh();
        } catch (IOException | RuntimeException e) {
            // The token stays valid for minutes after the first failure (the refresh margin): the next try may work.
            log.warn("could not renew the agent's GitHub token: " + e.getMessage());
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
