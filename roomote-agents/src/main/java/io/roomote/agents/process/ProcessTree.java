package io.roomote.agents.process;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Ends a process and everything it started. Agents leave children behind (a shell, a language server,
 * Electron, Xvfb), so killing only the direct child is not enough.
 */
public final class ProcessTree {

    private ProcessTree() {
    }

    /**
     * Asks the whole tree to stop (SIGTERM), waits up to {@code grace}, then kills what is left (SIGKILL).
     * A root started through {@code setsid} leads its own process group, which is signalled too, so that
     * children whose parent already died (and who thus left the tree) are reached as well.
     */
    public static void terminate(ProcessHandle root, Duration grace) {
        List<ProcessHandle> tree = snapshot(root);
        signalGroup(root.pid(), "TERM");
        tree.forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + grace.toNanos();
        for (ProcessHandle p : tree) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            try {
                p.onExit().get(left, TimeUnit.NANOSECONDS);
            } catch (Exception ignored) {
                // still alive, or interrupted: killed below
            }
        }
        // Children may have been born since the first look.
        signalGroup(root.pid(), "KILL");
        snapshot(root).forEach(ProcessHandle::destroyForcibly);
        tree.forEach(ProcessHandle::destroyForcibly);
    }

    /** Signals process group {@code pgid}; quietly does nothing when there is no such group. */
    static void signalGroup(long pgid, String signal) {
        try {
            Process kill = new ProcessBuilder("kill", "-s", signal, "--", "-" + pgid)
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            kill.waitFor(5, TimeUnit.SECONDS);
        } catch (java.io.IOException e) {
            // no kill(1) here: the per-process signals still apply
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The process and all its descendants, deepest first. */
    static List<ProcessHandle> snapshot(ProcessHandle root) {
        List<ProcessHandle> all = new java.util.ArrayList<>(root.descendants().toList());
        java.util.Collections.reverse(all);
        if (root.isAlive()) {
            all.add(root);
        }
        return all;
    }
}
