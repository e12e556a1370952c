package io.roomote.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * What the machine's CPUs do, from /proc: all of it, and the part that is other work: neither this bench (its
 * JVM and child JVM), nor its PostgreSQL, nor the kernel's own threads (which write the bench's fsyncs), so a
 * run disturbed by other work on a shared machine can be told apart.
 */
public final class CpuTicks {

    /** Linux reports /proc in USER_HZ ticks, 100 per second on every mainstream kernel. */
    private static final long MILLIS_PER_TICK = 10;

    private final long postmasterPid;

    /** @param dataDirectory PostgreSQL's data directory, whose postmaster.pid names the server process */
    public CpuTicks(String dataDirectory) {
        long pid;
        try {
            pid = Long.parseLong(Files.readAllLines(Path.of(dataDirectory, "postmaster.pid")).get(0).trim());
        } catch (IOException | RuntimeException e) {
            pid = -1;
        }
        this.postmasterPid = pid;
    }

    /** Busy milliseconds summed over all cores since boot, or -1 where there is no /proc/stat. */
    static long busyMillis() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            // cpu user nice system idle iowait irq softirq steal …: work is user, nice, system, irq, softirq.
            long busy = 0;
            for (int i : new int[]{1, 2, 3, 6, 7}) {
                busy += Long.parseLong(f[i]);
            }
            return busy * MILLIS_PER_TICK;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * User and system milliseconds of every process but this bench, its PostgreSQL and kernel threads, as a
     * counter: only differences mean anything. Exited children count through their parent's cutime/cstime.
     */
    public long othersBusyMillis() {
        long all;
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            all = (Long.parseLong(f[1]) + Long.parseLong(f[2]) + Long.parseLong(f[3])) * MILLIS_PER_TICK;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        long self = ProcessHandle.current().pid();
        long ours = processTree(self);
        boolean postmasterIsOurs = ProcessHandle.of(postmasterPid).flatMap(ProcessHandle::parent)
                .map(parent -> parent.pid() == self).orElse(false);
        if (postmasterPid > 0 && !postmasterIsOurs) {
            ours += processTree(postmasterPid);
        }
        return all - ours - kernelThreads();
    }

    /** CPU of the kernel's threads (children of kthreadd, pid 2), in ms. */
    private static long kernelThreads() {
        long total = 0;
        try (Stream<ProcessHandle> all = ProcessHandle.allProcesses()) {
            for (ProcessHandle p : all.toList()) {
                if (p.pid() == 2 || p.parent().map(parent -> parent.pid() == 2).orElse(false)) {
                    total += cpuOf(p.pid(), false);
                }
            }
        }
        return total;
    }

    /** CPU of a process, its exited children and its live descendants, in ms. */
    private static long processTree(long pid) {
        long total = cpuOf(pid, true);
        try (Stream<ProcessHandle> descendants = ProcessHandle.of(pid).map(ProcessHandle::descendants).orElse(Stream.empty())) {
            for (ProcessHandle child : descendants.toList()) {
                total += cpuOf(child.pid(), false);
            }
        }
        return total;
    }

    private static long cpuOf(long pid, boolean withReapedChildren) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // Fields after "(comm) ": state is [0]; utime, stime, cutime, cstime are [11]..[14].
            List<String> f = List.of(stat.substring(stat.lastIndexOf(')') + 2).split(" "));
            long ticks = Long.parseLong(f.get(11)) + Long.parseLong(f.get(12));
            if (withReapedChildren) {
                ticks += Long.parseLong(f.get(13)) + Long.parseLong(f.get(14));
            }
            return ticks * MILLIS_PER_TICK;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** The 1, 5 and 15 minute load averages, or "unknown". */
    public static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }
}
