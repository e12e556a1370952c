package io.roomote.bench.api;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Resident memory of a process and of its descendants, from /proc. RSS counts shared pages (PostgreSQL's shared
 * buffers, the JDK's mapped libraries) in every process that touched them, so a sum of RSS over a process tree
 * overstates it; PSS splits each shared page among its sharers, so a sum of PSS does not.
 *
 * @param rssKb   VmRSS of the process
 * @param pssKb   Pss of the process (smaps_rollup), or -1 where the kernel has none
 * @param processes how many processes were counted
 */
record ProcessMemory(long rssKb, long pssKb, int processes) {

    static final ProcessMemory NONE = new ProcessMemory(0, 0, 0);

    /** The process itself. */
    static ProcessMemory of(long pid) {
        return new ProcessMemory(field(Path.of("/proc", Long.toString(pid), "status"), "VmRSS:"),
                field(Path.of("/proc", Long.toString(pid), "smaps_rollup"), "Pss:"), 1);
    }

    /** Every live descendant of {@code pid} (children, their children, …), summed; not the process itself. */
    static ProcessMemory descendantsOf(long pid) {
        ProcessMemory sum = NONE;
        List<ProcessHandle> all;
        try (Stream<ProcessHandle> descendants = ProcessHandle.of(pid).map(ProcessHandle::descendants).orElse(Stream.empty())) {
            all = descendants.toList();
        }
        for (ProcessHandle p : all) {
            ProcessMemory m = of(p.pid());
            if (m.rssKb() >= 0) { // else it ended meanwhile
                sum = sum.plus(m);
            }
        }
        return sum;
    }

    ProcessMemory plus(ProcessMemory other) {
        long pss = pssKb < 0 || other.pssKb < 0 ? -1 : pssKb + other.pssKb;
        return new ProcessMemory(rssKb + other.rssKb, pss, processes + other.processes);
    }

    double rssMb() {
        return rssKb / 1024.0;
    }

    double pssMb() {
        return pssKb / 1024.0;
    }

    /** The value in kB of a {@code Name:   123 kB} line, or -1 (a process that is gone, a kernel without it). */
    private static long field(Path file, String name) {
        try {
            for (String line : Files.readAllLines(file)) {
                if (line.startsWith(name)) {
                    return Long.parseLong(line.substring(name.length()).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
