package io.roomote.sandbox.bwrap;

import io.roomote.core.host.HostCommand;
import io.roomote.core.host.Executables;

import io.roomote.sandbox.Sandbox;
import io.roomote.sandbox.SandboxMode;
import io.roomote.sandbox.SandboxSpec;
import io.roomote.sandbox.bridge.BridgeScript;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Contains the agent with bubblewrap. The command is, in this order:
 * <pre>
 * bwrap --unshare-all --die-with-parent --new-session --hostname roomote-sandbox --cap-drop ALL
 *       --ro-bind / / --dev /dev --proc /proc
 *       --tmpfs H            (each hidden folder; a hidden file gets --ro-bind /dev/null H)
 *       --ro-bind R R        (each read-only path that exists)
 *       --bind WS WS --bind HOME HOME --ro-bind BRIDGE BRIDGE --chdir WS
 *       -- /bin/sh -c &lt;{@link BridgeScript}&gt; roomote-sandbox argv...
 * </pre>
 * <ul>
 *   <li>Own user, PID, IPC, UTS, cgroup and network namespaces: the host's processes (and their
 *       {@code /proc/<pid>/environ}) do not exist inside, and the network is loopback only, left through the
 *       bridges.</li>
 *   <li>{@code --cap-drop ALL}: when the runner is root, bwrap would otherwise keep root's capabilities inside,
 *       and an agent could unmount the tmpfs over a hidden folder.</li>
 *   <li>{@code --die-with-parent} and the PID namespace: when the bwrap process is killed everything inside dies,
 *       including daemons that double-forked into their own session.</li>
 *   <li>The root file system is read-only; hidden folders become empty, writable tmpfs (so {@code /tmp} is
 *       private); the job's workspace, HOME and bridge folder are bound after the tmpfs, so they show even when
 *       they lie inside a hidden folder (such as {@code $ROOMOTE_HOME} or {@code /tmp}).</li>
 *   <li>Paths keep their host names inside, so environment variables naming them need no translation.</li>
 * </ul>
 * The host's socat (its absolute path) runs the bridges inside; it must not lie in a hidden folder.
 */
public final class BwrapSandbox implements Sandbox {

    public static final String HOSTNAME = "roomote-sandbox";
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(10);

    private final String bwrapCommand;
    private final Optional<Path> bwrap;
    private final Optional<Path> socat;
    private final List<Path> hidden;
    private final List<Path> readOnly;

    /**
     * @param bwrapCommand {@code bwrap} or a path ({@code ROOMOTE_BWRAP_PATH})
     * @param searchPath   the runner's {@code PATH}, where bwrap and socat are looked up
     * @param hidden       folders (or files) hidden from every agent, in addition to each spec's
     * @param readOnly     paths every agent may read although they lie in a hidden place, in addition to each spec's
     */
    public BwrapSandbox(String bwrapCommand, String searchPath, List<Path> hidden, List<Path> readOnly) {
        this.bwrapCommand = bwrapCommand;
        this.bwrap = Executables.find(bwrapCommand, searchPath);
        this.socat = Executables.find("socat", searchPath);
        this.hidden = List.copyOf(hidden);
        this.readOnly = List.copyOf(readOnly);
    }

    @Override
    public SandboxMode mode() {
        return SandboxMode.BWRAP;
    }

    @Override
    public List<String> command(SandboxSpec spec, List<String> argv, Set<String> environmentNames) {
        missingProgram().ifPresent(problem -> {
            throw new IllegalStateException(problem);
        });
        Path workspace = absolute(spec.workspace());
        Path home = absolute(spec.home());
        Path bridgeDir = absolute(spec.bridgeDir());

        List<String> c = new ArrayList<>(namespaceArguments());
        List<Path> allHidden = new ArrayList<>(hidden);
        allHidden.addAll(spec.hidden());
        for (Path h : outermost(allHidden)) {
            if (Files.isDirectory(h)) {
                c.addAll(List.of("--tmpfs", h.toString()));
            } else {
                c.addAll(List.of("--ro-bind", "/dev/null", h.toString()));
            }
        }
        Set<Path> allReadOnly = new LinkedHashSet<>();
        readOnly.forEach(p -> allReadOnly.add(absolute(p)));
        spec.readOnly().forEach(p -> allReadOnly.add(absolute(p)));
        for (Path r : allReadOnly) {
            if (Files.exists(r)) {
                c.addAll(List.of("--ro-bind", r.toString(), r.toString()));
            }
        }
        c.addAll(List.of("--bind", workspace.toString(), workspace.toString()));
        c.addAll(List.of("--bind", home.toString(), home.toString()));
        c.addAll(List.of("--ro-bind", bridgeDir.toString(), bridgeDir.toString()));
        c.addAll(List.of("--chdir", workspace.toString()));
        c.add("--");
        c.addAll(BridgeScript.wrap(spec.bridges(), bridgeDir, socat.orElseThrow().toString(), argv));
        return List.copyOf(c);
    }

    /**
     * bwrap or socat missing, or bwrap unable to create the namespaces here (unprivileged user namespaces
     * disabled, a container without the rights): one line saying what to install or change.
     */
    @Override
    public Optional<String> unavailable() {
        Optional<String> missing = missingProgram();
        if (missing.isPresent()) {
            return missing;
        }
        List<String> probe = new ArrayList<>(namespaceArguments());
        probe.addAll(List.of("--", "/bin/sh", "-c", ":"));
        HostCommand result = HostCommand.run(probe, PROBE_TIMEOUT);
        if (!result.succeeded()) {
            return Optional.of("bubblewrap (" + bwrap.get() + ") cannot create a sandbox here: " + result.firstErrorLine()
                    + "; allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1; on Ubuntu"
                    + " kernel.apparmor_restrict_unprivileged_userns=0), or choose ROOMOTE_SANDBOX=docker");
        }
        return Optional.empty();
    }

    private Optional<String> missingProgram() {
        if (bwrap.isEmpty()) {
            return Optional.of("The bwrap sandbox needs bubblewrap, and '" + bwrapCommand + "' was not found or is not"
                    + " executable; install it (Debian/Ubuntu: apt-get install bubblewrap) or set ROOMOTE_BWRAP_PATH,"
                    + " or choose ROOMOTE_SANDBOX=docker or ROOMOTE_SANDBOX=none");
        }
        if (socat.isEmpty()) {
            return Optional.of("The bwrap sandbox needs socat to connect the agent to Roomote, and socat was not found"
                    + " on PATH; install it (Debian/Ubuntu: apt-get install socat)");
        }
        return Optional.empty();
    }

    private List<String> namespaceArguments() {
        return List.of(bwrap.orElseThrow().toString(), "--unshare-all", "--die-with-parent", "--new-session",
                "--hostname", HOSTNAME, "--cap-drop", "ALL",
                "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc");
    }

    /** Existing paths, absolute, without those inside another one (already hidden, and a mount there would fail). */
    static List<Path> outermost(List<Path> paths) {
        List<Path> existing = new ArrayList<>();
        for (Path p : paths) {
            Path a = absolute(p);
            if (a.getParent() != null && Files.exists(a) && !existing.contains(a)) {
                existing.add(a);
            }
        }
        List<Path> result = new ArrayList<>();
        for (Path p : existing) {
            if (existing.stream().noneMatch(other -> !other.equals(p) && p.startsWith(other))) {
                result.add(p);
            }
        }
        return result;
    }

    private static Path absolute(Path p) {
        return p.toAbsolutePath().normalize();
    }
}
