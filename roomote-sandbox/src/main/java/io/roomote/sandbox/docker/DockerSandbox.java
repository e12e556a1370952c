package io.roomote.sandbox.docker;

import io.roomote.core.host.HostCommand;
import io.roomote.core.host.Executables;

import io.roomote.sandbox.Sandbox;
import io.roomote.sandbox.SandboxMode;
import io.roomote.sandbox.SandboxSpec;
import io.roomote.sandbox.bridge.BridgeScript;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Contains the agent in a throw-away container of {@code ROOMOTE_WORKER_IMAGE}:
 * <pre>
 * docker run --rm --init --name roomote-job-&lt;jobId&gt;-&lt;id&gt; --label io.roomote.managed=true --label io.roomote.job=&lt;jobId&gt;
 *   --network none --read-only --tmpfs /tmp --cap-drop ALL --security-opt no-new-privileges --user &lt;uid&gt;:&lt;gid&gt;
 *   --cpus C --memory M --pids-limit P -v WS:WS -v HOME:HOME -v BRIDGE:BRIDGE:ro -w WS -e NAME...
 *   IMAGE /bin/sh -c &lt;{@link BridgeScript}&gt; roomote-sandbox argv...
 * </pre>
 * {@code <id>} is derived from the bridge folder's name, so {@link #cleanUp} finds the same container again.
 * The container has no network but loopback; the bridges reach Roomote through the bridge folder, mounted at
 * the same path. It runs as the runner's uid:gid, so workspace files stay the runner's and the 0600 sockets
 * accept it. Environment variables are passed by name ({@code -e NAME}): docker copies each value from its
 * own environment, so the caller starts this command with exactly the agent's environment and no value appears
 * on a command line. Note that the docker client then sees the agent's HOME, so its own settings come from
 * there or from variables such as {@code DOCKER_HOST} the caller adds.
 *
 * <p>The image must provide {@code /bin/sh}, {@code socat} on its {@code PATH}, {@code sleep}, and the agent
 * itself; workspace, HOME and bridge folder paths must not contain {@code :} (docker's {@code -v} syntax).
 *
 * <p>Killing the docker client does not stop the container (a SIGTERM is passed on, a SIGKILL is not): call
 * {@link #cleanUp} after every run, and {@link DockerLeftovers#sweep()} at the runner's start.
 */
public final class DockerSandbox implements Sandbox {

    private static final Logger LOG = LoggerFactory.getLogger(DockerSandbox.class);
    public static final String MANAGED_LABEL = "io.roomote.managed=true";
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Duration CLEAN_UP_TIMEOUT = Duration.ofSeconds(30);

    private final String dockerCommand;
    private final Optional<Path> docker;
    private final String image;
    private final String cpus;
    private final String memory;
    private final int pidsLimit;
    private final RunnerUser user;

    /**
     * @param dockerCommand {@code docker} or a path ({@code ROOMOTE_DOCKER_PATH}), looked up on {@code searchPath}
     */
    public DockerSandbox(String dockerCommand, String searchPath, String image, String cpus, String memory,
                         int pidsLimit, RunnerUser user) {
        this.dockerCommand = dockerCommand;
        this.docker = Executables.find(dockerCommand, searchPath);
        this.image = image;
        this.cpus = cpus;
        this.memory = memory;
        this.pidsLimit = pidsLimit;
        this.user = user;
    }

    @Override
    public SandboxMode mode() {
        return SandboxMode.DOCKER;
    }

    @Override
    public List<String> command(SandboxSpec spec, List<String> argv, Set<String> environmentNames) {
        Path dockerPath = docker.orElseThrow(() -> new IllegalStateException(unavailable().orElseThrow()));
        Path ws = volumePath(spec.workspace());
        Path home = volumePath(spec.home());
        Path bridge = volumePath(spec.bridgeDir());
        List<String> c = new ArrayList<>(List.of(dockerPath.toString(), "run", "--rm", "--init",
                "--name", containerName(spec),
                "--label", MANAGED_LABEL, "--label", "io.roomote.job=" + spec.jobId(),
                "--network", "none", "--read-only", "--tmpfs", "/tmp",
                "--cap-drop", "ALL", "--security-opt", "no-new-privileges",
                "--user", user.dockerUser(),
                "--cpus", cpus, "--memory", memory, "--pids-limit", Integer.toString(pidsLimit),
                "-v", ws + ":" + ws, "-v", home + ":" + home, "-v", bridge + ":" + bridge + ":ro",
                "-w", ws.toString()));
        for (String name : new TreeSet<>(environmentNames)) {
            // A name with '=' would make docker take a value from the command line.
            if (!ENV_NAME.matcher(name).matches()) {
                // Only the part before '=': what follows may be a secret.
                throw new IllegalArgumentException("not an environment variable name: '" + name.split("=", 2)[0]
                        + (name.contains("=") ? "=…'" : "'"));
            }
            c.addAll(List.of("-e", name));
        }
        c.add(image);
        c.addAll(BridgeScript.wrap(spec.bridges(), bridge, "socat", argv));
        return List.copyOf(c);
    }

    /** {@code docker rm -f <the spec's container>}: quiet, at most 30 s. Nothing to do when it is gone already. */
    @Override
    public void cleanUp(SandboxSpec spec) {
        if (docker.isEmpty()) {
            return;
        }
        HostCommand result = HostCommand.run(List.of(docker.get().toString(), "rm", "-f", containerName(spec)), CLEAN_UP_TIMEOUT);
        if (!result.succeeded()) {
            LOG.debug("docker rm -f {}: {}", containerName(spec), result.firstErrorLine());
        }
    }

    /** The docker binary is missing. (Whether the engine answers shows at the first run.) */
    @Override
    public Optional<String> unavailable() {
        if (docker.isEmpty()) {
            return Optional.of("The docker sandbox needs the docker command, and '" + dockerCommand + "' was not found"
                    + " or is not executable; install Docker (Debian/Ubuntu: apt-get install docker.io) or set"
                    + " ROOMOTE_DOCKER_PATH, or choose ROOMOTE_SANDBOX=bwrap");
        }
        return Optional.empty();
    }

    /** The sweep of containers left by an earlier runner; empty when docker is missing. */
    public Optional<DockerLeftovers> leftovers() {
        return docker.map(d -> new DockerLeftovers(d, CLEAN_UP_TIMEOUT));
    }

    /** {@code roomote-job-<jobId>-<first 8 hex digits of SHA-256 of the bridge folder's name>}. */
    public static String containerName(SandboxSpec spec) {
        return "roomote-job-" + spec.jobId() + "-" + shortId(spec.bridgeDir().getFileName().toString());
    }

    private static String shortId(String name) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(name.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }

    private static Path volumePath(Path p) {
        Path a = p.toAbsolutePath().normalize();
        if (a.toString().contains(":")) {
            throw new IllegalArgumentException("a path mounted into the container cannot contain ':': " + a);
        }
        return a;
    }
}
