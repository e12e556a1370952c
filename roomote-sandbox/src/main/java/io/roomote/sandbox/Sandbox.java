package io.roomote.sandbox;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Turns an agent's command line into one that runs it contained. The caller starts the result with exactly
 * the agent's environment and in its own session; stopping that process ends everything inside.
 */
public interface Sandbox {

    SandboxMode mode();

    /**
     * The argv to start instead of {@code argv}: the sandbox, the bridges of {@code spec} started inside it,
     * then {@code argv}. {@code environmentNames} are the variables the agent must see (a container is given
     * them by name, so no value appears on a command line).
     */
    List<String> command(SandboxSpec spec, List<String> argv, Set<String> environmentNames);

    /** Why this sandbox cannot run here (its program missing, …) as one line saying how to fix it; empty if it can. */
    Optional<String> unavailable();

    /**
     * Removes what a run of {@code spec} may have left outside the process tree (a docker container whose
     * client was killed). Quiet and bounded in time; called after the run whether it ended well or not.
     */
    default void cleanUp(SandboxSpec spec) {
        // bwrap and none leave nothing behind once their process tree is gone
    }
}
