package io.roomote.sandbox.docker;

import io.roomote.core.host.HostCommand;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Removes the job containers a runner left behind when it died ({@code docker ps -aq --filter
 * label=io.roomote.managed=true}, then {@code docker rm -f} them). Run it at the runner's start, before any job:
 * it removes every Roomote container on that docker engine, so give each runner its own engine.
 */
public final class DockerLeftovers {

    private static final Logger LOG = LoggerFactory.getLogger(DockerLeftovers.class);

    private final Path docker;
    private final Duration timeout;

    /** @param timeout the limit for each docker command */
    public DockerLeftovers(Path docker, Duration timeout) {
        this.docker = docker;
        this.timeout = timeout;
    }

    /** The ids of the containers removed; empty (after a WARN) when docker does not answer. */
    public List<String> sweep() {
        HostCommand ps = HostCommand.run(List.of(docker.toString(), "ps", "-aq", "--filter", "label=" + DockerSandbox.MANAGED_LABEL), timeout);
        if (!ps.succeeded()) {
            LOG.warn("could not list leftover job containers (docker ps): {}", ps.firstErrorLine());
            return List.of();
        }
        List<String> ids = Arrays.stream(ps.output().split("\\s+")).filter(s -> !s.isBlank()).toList();
        if (ids.isEmpty()) {
            return ids;
        }
        List<String> rm = new ArrayList<>(List.of(docker.toString(), "rm", "-f"));
        rm.addAll(ids);
        HostCommand removed = HostCommand.run(rm, timeout);
        if (!removed.succeeded()) {
            LOG.warn("could not remove leftover job containers {}: {}", ids, removed.firstErrorLine());
            return List.of();
        }
        LOG.info("removed {} leftover job container(s): {}", ids.size(), ids);
        return ids;
    }
}
