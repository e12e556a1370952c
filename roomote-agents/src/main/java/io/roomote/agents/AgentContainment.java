package io.roomote.agents;

import io.roomote.core.host.Executables;
import io.roomote.sandbox.Sandbox;
import io.roomote.sandbox.SandboxMode;
import io.roomote.sandbox.SandboxSpec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Where an agent's processes run: inside a {@link Sandbox} for one job's {@link SandboxSpec}, or — only when
 * the operator chose {@code ROOMOTE_SANDBOX=none}, and in unit tests of the drivers — as they are.
 */
public record AgentContainment(Optional<Sandbox> sandbox, Optional<SandboxSpec> spec) {

    public AgentContainment {
        if (sandbox.isPresent() != spec.isPresent()) {
            throw new IllegalArgumentException("a sandbox needs its spec, and a spec its sandbox");
        }
    }

    /** Not contained: the agent runs as the runner's user. */
    public static AgentContainment none() {
        return new AgentContainment(Optional.empty(), Optional.empty());
    }

    public static AgentContainment of(Sandbox sandbox, SandboxSpec spec) {
        return sandbox.mode() == SandboxMode.NONE ? none() : new AgentContainment(Optional.of(sandbox), Optional.of(spec));
    }

    public boolean contained() {
        return sandbox.isPresent();
    }

    public SandboxMode mode() {
        return sandbox.map(Sandbox::mode).orElse(SandboxMode.NONE);
    }

    /**
     * The command line to start instead of {@code argv}. {@code alsoReadable} are host paths the agent needs
     * to read (its own install folder), made visible read-only even where the sandbox hides their parent.
     */
    public List<String> command(List<String> argv, Set<String> environmentNames, List<Path> alsoReadable) {
        if (sandbox.isEmpty()) {
            return argv;
        }
        SandboxSpec s = spec.get();
        List<Path> readOnly = new ArrayList<>(s.readOnly());
        alsoReadable.stream().filter(p -> !readOnly.contains(p)).forEach(readOnly::add);
        SandboxSpec withPaths = new SandboxSpec(s.jobId(), s.workspace(), s.home(), s.bridgeDir(), s.bridges(), readOnly, s.hidden());
        return sandbox.get().command(withPaths, argv, environmentNames);
    }

    /** Removes what the sandbox may leave behind (a container); call once the agent's process has ended. */
    public void cleanUp() {
        sandbox.ifPresent(sb -> sb.cleanUp(spec.get()));
    }

    /**
     * The folder an agent's program is installed in, so that the sandbox shows it: for a program inside
     * {@code node_modules}, that whole {@code node_modules} (a Node CLI needs its dependencies); otherwise the
     * program's own folder. {@code program} is a path or a name looked up on {@code pathVariable}.
     */
    public static Optional<Path> installFolder(String program, String pathVariable) {
        Optional<Path> found = Executables.find(program, pathVariable);
        if (found.isEmpty()) {
            return Optional.empty();
        }
        Path real;
        try {
            real = found.get().toRealPath();
        } catch (java.io.IOException e) {
            return Optional.empty();
        }
        for (Path p = real.getParent(); p != null; p = p.getParent()) {
            if (p.getFileName() != null && p.getFileName().toString().equals("node_modules")) {
                return Optional.of(p);
            }
        }
        return Optional.ofNullable(real.getParent());
    }
}
