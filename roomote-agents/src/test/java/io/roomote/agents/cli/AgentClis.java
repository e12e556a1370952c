package io.roomote.agents.cli;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The real agent CLIs from npm, pinned in {@code roomote-agents/src/test/node/agent-clis/package-lock.json}
 * (codex 0.169.0, opencode 1.18.33). {@link #install()} installs them there once when {@code node_modules}
 * is missing (about 760 MB, under a minute on a good line), holding a file lock so that test JVMs of
 * several modules don't install at the same time.
 *
 * <p>It runs {@code npm install --no-save} rather than {@code npm ci}: that honours the lock file's pinned
 * versions and integrity hashes and is not rewritten, but the registry reachable here has only opencode's
 * linux-x64 platform packages, so the lock lacks its other optional platform packages and {@code npm ci}
 * refuses it as "out of sync".
 *
 * <p>The folder is found from the system property {@code roomote.agentClis.dir}, else by walking up from
 * the working directory to {@code roomote-agents/src/test/node/agent-clis} (so other modules' tests find it).
 */
public final class AgentClis {

    public static final String DIR_PROPERTY = "roomote.agentClis.dir";
    private static final long INSTALL_TIMEOUT_MINUTES = 20;

    private final Path dir;

    private AgentClis(Path dir) {
        this.dir = dir;
    }

    /** The installed CLIs; installs them first if needed. Fails with a clear message when node/npm are missing. */
    public static synchronized AgentClis install() throws IOException, InterruptedException {
        Path dir = locate();
        AgentClis clis = new AgentClis(dir);
        if (clis.installed()) {
            return clis;
        }
        Path npm = onPath("npm").orElseThrow(() -> new IllegalStateException(
                "npm is not on the PATH: the agent CLI tests need Node.js 18+ and npm (Debian: apt-get install nodejs npm)"));
        // the lock lives outside the source tree (and outside node_modules, which an install may replace)
        Path lockPath = Path.of(System.getProperty("java.io.tmpdir"),
                "roomote-agent-clis-" + Integer.toHexString(dir.toString().hashCode()) + ".lock");
        try (RandomAccessFile lockFile = new RandomAccessFile(lockPath.toFile(), "rw");
             FileChannel channel = lockFile.getChannel();
             FileLock lock = channel.lock()) {
            if (clis.installed()) {
                return clis;
            }
            System.out.println("[agent-clis] installing the pinned agent CLIs in " + dir + " (~760 MB, once) …");
            long start = System.nanoTime();
            Process p = new ProcessBuilder(npm.toString(), "install", "--no-save", "--ignore-scripts", "--no-audit",
                    "--no-fund", "--loglevel", "http")
                    .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.INHERIT)
                    .start();
            if (!p.waitFor(INSTALL_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IllegalStateException("npm install in " + dir + " took longer than " + INSTALL_TIMEOUT_MINUTES + " minutes");
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException("npm install in " + dir + " failed with exit code " + p.exitValue()
                        + " (is the npm registry reachable?)");
            }
            // Install scripts stay off; opencode-ai's only links its platform binary over bin/opencode.exe
            // (a stub that refuses to run until then): run that one, offline, on purpose.
            Path node = onPath("node").orElseThrow(() -> new IllegalStateException("node is not on the PATH"));
            Process link = new ProcessBuilder(node.toString(), "postinstall.mjs").directory(dir.resolve("node_modules/opencode-ai").toFile())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.INHERIT).start();
            if (!link.waitFor(2, TimeUnit.MINUTES) || link.exitValue() != 0 || !clis.installed()) {
                throw new IllegalStateException("opencode-ai's postinstall.mjs failed in " + dir);
            }
            System.out.printf("[agent-clis] installed in %d s%n", TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start));
        }
        return clis;
    }

    private boolean installed() {
        // npm writes node_modules/.package-lock.json at the end: its presence means the install completed
        try {
            return Files.isExecutable(codex()) && Files.isExecutable(opencode())
                    && Files.isRegularFile(dir.resolve("node_modules/.package-lock.json"))
                    // the real binary, not the stub opencode-ai ships until its postinstall has run
                    && Files.size(opencode()) > 1_000_000;
        } catch (IOException e) {
            return false;
        }
    }

    public Path dir() {
        return dir;
    }

    public Path codex() {
        return dir.resolve("node_modules/.bin/codex");
    }

    public Path opencode() {
        return dir.resolve("node_modules/.bin/opencode");
    }

    /**
     * A PATH for the agent's scrubbed environment: the CLIs, the folder of {@code node} (codex's launcher is a
     * node script), and the system folders for {@code git}, {@code bash} and the usual tools.
     */
    public String agentPath() {
        Set<String> parts = new LinkedHashSet<>();
        parts.add(dir.resolve("node_modules/.bin").toString());
        onPath("node").ifPresent(node -> parts.add(node.getParent().toString()));
        onPath("git").ifPresent(git -> parts.add(git.getParent().toString()));
        parts.addAll(List.of("/usr/local/bin", "/usr/bin", "/bin"));
        return String.join(File.pathSeparator, parts);
    }

    static Path locate() {
        String configured = System.getProperty(DIR_PROPERTY);
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured).toAbsolutePath();
        }
        List<Path> tried = new ArrayList<>();
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            for (Path candidate : List.of(p.resolve("src/test/node/agent-clis"), p.resolve("roomote-agents/src/test/node/agent-clis"))) {
                tried.add(candidate);
                if (Files.isRegularFile(candidate.resolve("package-lock.json"))) {
                    return candidate;
                }
            }
        }
        throw new IllegalStateException("cannot find roomote-agents/src/test/node/agent-clis; set -D" + DIR_PROPERTY
                + " (looked in " + tried + ")");
    }

    static Optional<Path> onPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String d : path.split(File.pathSeparator)) {
            if (d.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(d, program);
            if (Files.isExecutable(candidate) && !Files.isDirectory(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }
}
