package io.roomote.sandbox.docker;

import io.roomote.core.host.HostCommand;


import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The runner's numeric user and group. The container runs as them so that the files the agent writes in the
 * workspace belong to the runner, and the bridge sockets (mode 0600) accept it.
 */
public record RunnerUser(long uid, long gid) {

    /** This process's real uid and gid from {@code /proc/self/status}; {@code id -u} / {@code id -g} where there is no /proc. */
    public static RunnerUser current() {
        try {
            return parseStatus(Files.readString(Path.of("/proc/self/status"))).orElseGet(RunnerUser::fromId);
        } catch (IOException e) {
            return fromId();
        }
    }

    /** The real ids from the {@code Uid:} and {@code Gid:} lines of a {@code /proc/<pid>/status} text. */
    static Optional<RunnerUser> parseStatus(String status) {
        Long uid = null;
        Long gid = null;
        for (String line : status.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 2 && f[0].equals("Uid:")) {
                uid = Long.parseLong(f[1]);
            } else if (f.length >= 2 && f[0].equals("Gid:")) {
                gid = Long.parseLong(f[1]);
            }
        }
        return uid == null || gid == null ? Optional.empty() : Optional.of(new RunnerUser(uid, gid));
    }

    private static RunnerUser fromId() {
        HostCommand u = HostCommand.run(List.of("id", "-u"), Duration.ofSeconds(5));
        HostCommand g = HostCommand.run(List.of("id", "-g"), Duration.ofSeconds(5));
        if (!u.succeeded() || !g.succeeded()) {
            throw new IllegalStateException("cannot tell the runner's user id: neither /proc/self/status nor `id` answered");
        }
        return new RunnerUser(Long.parseLong(u.output().strip()), Long.parseLong(g.output().strip()));
    }

    /** {@code uid:gid}, as {@code docker run --user} takes it. */
    public String dockerUser() {
        return uid + ":" + gid;
    }
}
