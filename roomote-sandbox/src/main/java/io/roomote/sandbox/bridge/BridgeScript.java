package io.roomote.sandbox.bridge;

import io.roomote.sandbox.Bridge;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The {@code /bin/sh -c} script that starts a sandboxed agent, shared by bwrap and docker: for each
 * {@link Bridge} it starts {@code socat} listening on {@code 127.0.0.1:port} and forwarding every connection
 * to the bridge's unix socket, waits until every port listens, then {@code exec}s the agent ({@code "$@"}).
 *
 * <p>The command is {@code /bin/sh -c <script> roomote-sandbox <argv...>}: the agent's argv stays out of the
 * script, and the bridge folder and socat path are single-quoted ({@link ShellQuote}). socat reads its own
 * address syntax ({@code ,} and {@code :} are special), so it is started inside the bridge folder and given
 * only the socket's plain name, which must match {@code [A-Za-z0-9._-]+}.
 *
 * <p>Readiness is read from {@code /proc/net/tcp} (state {@code 0A} = listening) rather than by connecting,
 * so no empty connection reaches Roomote's services. When a socket is missing, socat dies or a port does not
 * listen within 5 s, the script writes one line to stderr and exits with {@value #EXIT_BRIDGE_FAILED}.
 */
public final class BridgeScript {

    /** The exit code of the script when a bridge could not be set up (the agent was not started). */
    public static final int EXIT_BRIDGE_FAILED = 125;
    /** {@code $0} of the script: what {@code ps} shows inside before the agent replaces it. */
    public static final String ARGV0 = "roomote-sandbox";

    private static final Pattern SOCKET_NAME = Pattern.compile("[A-Za-z0-9._-]+");
    /** 100 × 50 ms: the 5 s a bridge may take to listen. */
    private static final int WAIT_ROUNDS = 100;

    private BridgeScript() {
    }

    /**
     * {@code /bin/sh -c <script> roomote-sandbox <argv...>}.
     *
     * @param socat the socat program as the sandbox sees it (an absolute host path for bwrap, {@code socat} in an image)
     */
    public static List<String> wrap(List<Bridge> bridges, Path bridgeDir, String socat, List<String> argv) {
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("no command to run in the sandbox");
        }
        List<String> command = new ArrayList<>(List.of("/bin/sh", "-c", script(bridges, bridgeDir, socat), ARGV0));
        command.addAll(argv);
        return List.copyOf(command);
    }

    /** The script alone; its positional parameters are the agent's argv. */
    public static String script(List<Bridge> bridges, Path bridgeDir, String socat) {
        StringBuilder s = new StringBuilder();
        if (!bridges.isEmpty()) {
            String dir = ShellQuote.quote(bridgeDir.toString());
            s.append("D=").append(dir).append('\n');
            s.append("S=").append(ShellQuote.quote(socat)).append('\n');
            s.append("fail() { echo \"roomote-sandbox: $*\" >&2; exit ").append(EXIT_BRIDGE_FAILED).append("; }\n");
            // Pure sh (no grep): local address and state of each TCP socket of this network namespace.
            s.append("listening() { while read -r _ a _ st _; do case \"$a $st\" in *\":$1 0A\") return 0;; esac; done < /proc/net/tcp; return 1; }\n");
            List<String> pids = new ArrayList<>();
            for (int i = 0; i < bridges.size(); i++) {
                Bridge b = bridges.get(i);
                checkSocketName(b.socketName());
                String name = ShellQuote.quote(b.socketName());
                s.append("[ -S \"$D\"/").append(name).append(" ] || fail \"no socket ").append(b.socketName())
                        .append(" in the bridge folder: nothing on the host serves port ").append(b.port()).append("\"\n");
                s.append("(cd \"$D\" && exec \"$S\" TCP-LISTEN:").append(b.port())
                        .append(",bind=127.0.0.1,fork,reuseaddr UNIX-CONNECT:").append(b.socketName()).append(") &\n");
                s.append("p").append(i).append("=$!\n");
                pids.add("p" + i);
            }
            for (int i = 0; i < bridges.size(); i++) {
                Bridge b = bridges.get(i);
                String hex = String.format(Locale.ROOT, "%04X", b.port());
                s.append("i=0; until listening ").append(hex).append("; do")
                        .append(" kill -0 \"$").append(pids.get(i)).append("\" 2>/dev/null || fail \"socat for port ")
                        .append(b.port()).append(" exited before listening\";")
                        .append(" i=$((i+1)); [ \"$i\" -le ").append(WAIT_ROUNDS).append(" ] || fail \"port ")
                        .append(b.port()).append(" did not listen within 5 s\";")
                        .append(" sleep 0.05; done\n");
            }
        }
        s.append("exec \"$@\"\n");
        return s.toString();
    }

    private static void checkSocketName(String name) {
        if (!SOCKET_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("bridge socket name must match [A-Za-z0-9._-]+ (socat reads ',' and ':' as syntax): " + name);
        }
    }
}
