package io.roomote.sandbox;

import java.util.Locale;
import java.util.Optional;

/** How an agent is contained ({@code ROOMOTE_SANDBOX}). */
public enum SandboxMode {
    /** bubblewrap: own PID/IPC/UTS/network namespaces, read-only root, only the job's folders writable. */
    BWRAP,
    /** A container per job from {@code ROOMOTE_WORKER_IMAGE}, with no network but the bridges. */
    DOCKER,
    /** No containment at all: the agent runs as the runner's user. Chosen explicitly only. */
    NONE;

    public String value() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<SandboxMode> parse(String raw) {
        for (SandboxMode m : values()) {
            if (m.value().equals(raw.strip().toLowerCase(Locale.ROOT))) {
                return Optional.of(m);
            }
        }
        return Optional.empty();
    }
}
