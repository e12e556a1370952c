package io.roomote.sandbox;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * What one agent run may see. Paths appear inside the sandbox at the same place as on the host (bwrap), or
 * are mounted at the same place (docker), so environment variables that name them need no translation.
 *
 * @param jobId      for names and labels
 * @param workspace  the git working copy: writable
 * @param home       the agent's private HOME: writable
 * @param bridgeDir  a private folder (mode 0700) holding the host's unix sockets; read-only inside
 * @param bridges    the loopback ports inside and the sockets they lead to
 * @param readOnly   host paths the agent needs to read although they lie in a hidden place (the agent's install folder)
 * @param hidden     host paths made invisible (an empty tmpfs over them): {@code $ROOMOTE_HOME}, the runner's HOME, …
 */
public record SandboxSpec(long jobId, Path workspace, Path home, Path bridgeDir, List<Bridge> bridges,
                          List<Path> readOnly, List<Path> hidden) {
    public SandboxSpec {
        Objects.requireNonNull(workspace, "workspace");
        Objects.requireNonNull(home, "home");
        Objects.requireNonNull(bridgeDir, "bridgeDir");
        bridges = List.copyOf(bridges);
        readOnly = List.copyOf(readOnly);
        hidden = List.copyOf(hidden);
    }
}
