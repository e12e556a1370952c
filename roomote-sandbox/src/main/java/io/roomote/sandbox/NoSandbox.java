package io.roomote.sandbox;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * No containment ({@code ROOMOTE_SANDBOX=none}): the agent runs as the runner's user and sees everything it
 * sees. The spec's bridges are not started; the caller points the agent at the host's TCP ports directly.
 */
public final class NoSandbox implements Sandbox {

    @Override
    public SandboxMode mode() {
        return SandboxMode.NONE;
    }

    /** {@code argv} unchanged. */
    @Override
    public List<String> command(SandboxSpec spec, List<String> argv, Set<String> environmentNames) {
        return List.copyOf(argv);
    }

    @Override
    public Optional<String> unavailable() {
        return Optional.empty();
    }
}
