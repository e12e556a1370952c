package io.roomote.bench.soak;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The crash soak's figures. The first four must be zero; the rest say how hard the soak hit.
 *
 * @param lost                   jobs not completed, or completed without a committed side effect of their token
 * @param overlaps               pairs of committed side effects of one job that overlap in time
 * @param staleOutcomes          outcomes recorded with a token older than the job's newest, or by an attempt
 *                               whose fenced end was refused
 * @param stuck                  jobs of a dead (or stopped) runner not running again within one lease after their
 *                               lease expired
 * @param longestRecovery        runner death → the job running again, longest
 * @param longestPastExpiry      lease expiry → the job running again, longest
 * @param total                  first enqueue → last job ended
 * @param heldByDeadRunners      jobs the killed or stopped runners held
 * @param faultsThatHit          kills and stops that found the runner holding jobs
 * @param runnerFaults           kills and stops
 * @param refusedEnds            side effects whose end the fence refused (a stale attempt after SIGCONT)
 * @param cutOff                 side effects started but never ended (their runner was killed, or the job stopped
 *                               when its lease was lost)
 * @param maxAttempts            most claims of one job
 * @param postgresOutage         how long PostgreSQL was down in its restart (the last one)
 */
public record SoakFigures(SoakSettings settings, long lost, long overlaps, long staleOutcomes, long stuck,
                          Duration longestRecovery, Duration longestPastExpiry, Duration total, long heldByDeadRunners,
                          int faultsThatHit, int runnerFaults, long refusedEnds, long cutOff, long maxAttempts,
                          Duration postgresOutage) {

    public boolean passed() {
        return lost == 0 && overlaps == 0 && staleOutcomes == 0 && stuck == 0;
    }

    /** Label, value, what it must be ("" when it is only a figure). */
    List<String[]> rows() {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[]{"jobs lost", String.valueOf(lost), "0"});
        rows.add(new String[]{"side effects overlapping in time (same job)", String.valueOf(overlaps), "0"});
        rows.add(new String[]{"outcomes recorded by a stale token", String.valueOf(staleOutcomes), "0"});
        rows.add(new String[]{"jobs stuck beyond one lease after their runner died", String.valueOf(stuck), "0"});
        rows.add(new String[]{"longest recovery (runner died → job running again)", secs(longestRecovery), ""});
        rows.add(new String[]{"longest wait past the lease's expiry", secs(longestPastExpiry), ""});
        rows.add(new String[]{"total time (first enqueue → last job ended)", secs(total), ""});
        rows.add(new String[]{"jobs", String.valueOf(settings.jobs()), ""});
        rows.add(new String[]{"kill -9 / SIGSTOP past the lease / PostgreSQL restarts",
                settings.kills() + " / " + settings.stops() + " / " + settings.postgresRestarts(), ""});
        rows.add(new String[]{"kills and stops that hit running jobs", faultsThatHit + " of " + runnerFaults, ""});
        rows.add(new String[]{"jobs held by a killed or stopped runner", String.valueOf(heldByDeadRunners), ""});
        rows.add(new String[]{"stale side-effect ends refused by the fence", String.valueOf(refusedEnds), ""});
        rows.add(new String[]{"side effects started, never ended (runner killed, or job stopped)", String.valueOf(cutOff), ""});
        rows.add(new String[]{"most claims of one job", String.valueOf(maxAttempts), ""});
        rows.add(new String[]{"PostgreSQL down during its restart", secs(postgresOutage), ""});
        return rows;
    }

    String settingsLine() {
        return String.format(Locale.ROOT, "2 runners × MAX_WORKERS=%d, LEASE_DURATION=%ds, jobs of %d–%d ms;"
                        + " with both runners up, a burst of jobs, then a fault 0.3–%.1f s later; seed %d",
                settings.maxWorkers(), settings.lease().toSeconds(), settings.minSleep().toMillis(),
                settings.maxSleep().toMillis(), settings.maxGap().toMillis() / 1000.0, settings.seed());
    }

    /** A plain table for the terminal. */
    public String table() {
        StringBuilder out = new StringBuilder("Crash soak: " + settingsLine() + "\n");
        for (String[] r : rows()) {
            out.append(String.format(Locale.ROOT, "  %-66s %10s%s%n", r[0], r[1], r[2].isEmpty() ? "" : "   (must be " + r[2] + ")"));
        }
        out.append(passed() ? "  PASSED: every figure that must be 0 is 0\n" : "  FAILED: a figure that must be 0 is not\n");
        return out.toString();
    }

    public String markdown() {
        StringBuilder out = new StringBuilder("| Crash soak | Result | Must be |\n|---|---:|---:|\n");
        for (String[] r : rows()) {
            out.append("| ").append(r[0]).append(" | ").append(r[1]).append(" | ").append(r[2]).append(" |\n");
        }
        out.append("\n").append(settingsLine()).append(".\n");
        return out.toString();
    }

    private static String secs(Duration d) {
        return String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
    }
}
