package io.roomote.runner.dashboard;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** How the dashboard writes numbers, times and durations. */
final class Format {

    private static final DateTimeFormatter UTC = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'", Locale.ROOT)
            .withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    private Format() {
    }

    static String number(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    /** 1,234 / 12.3k / 1.2M: for big counts in tight places. */
    static String compact(long n) {
        if (n < 10_000) {
            return number(n);
        }
        if (n < 1_000_000) {
            return String.format(Locale.ROOT, "%.1fk", n / 1000.0).replace(".0k", "k");
        }
        return String.format(Locale.ROOT, "%.2fM", n / 1_000_000.0);
    }

    static String utc(Instant t) {
        return t == null ? "" : UTC.format(t);
    }

    static String clock(Instant t) {
        return t == null ? "" : CLOCK.format(t);
    }

    /** "850 ms", "12.3 s", "4 min 05 s", "2 h 10 min", "3 d 4 h". */
    static String duration(Duration d) {
        if (d == null) {
            return "";
        }
        if (d.isNegative()) {
            d = Duration.ZERO;
        }
        long ms = d.toMillis();
        if (ms < 1000) {
            return ms + " ms";
        }
        if (ms < 60_000) {
            return String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
        }
        long s = d.toSeconds();
        if (s < 3600) {
            return String.format(Locale.ROOT, "%d min %02d s", s / 60, s % 60);
        }
        if (s < 86_400) {
            return String.format(Locale.ROOT, "%d h %02d min", s / 3600, (s % 3600) / 60);
        }
        return String.format(Locale.ROOT, "%d d %d h", s / 86_400, (s % 86_400) / 3600);
    }

    /** "just now", "42 s ago", "5 min ago", "3 h ago", "2 d ago"; "in 30 s" for the future. */
    static String ago(Instant t, Instant now) {
        if (t == null) {
            return "";
        }
        long s = Duration.between(t, now).toSeconds();
        if (s < 0) {
            return "in " + span(-s);
        }
        if (s < 2) {
            return "just now";
        }
        return span(s) + " ago";
    }

    private static String span(long s) {
        if (s < 60) {
            return s + " s";
        }
        if (s < 3600) {
            return s / 60 + " min";
        }
        if (s < 86_400) {
            return s / 3600 + " h";
        }
        return s / 86_400 + " d";
    }

    /** "$0.42" from a cost in dollars. */
    static String usd(double v) {
        return v >= 100 ? String.format(Locale.ROOT, "$%,.0f", v) : String.format(Locale.ROOT, "$%.2f", v);
    }

    /** A model call's cost: sub-cent amounts keep four decimals ("$0.0012"), others as {@link #usd}. */
    static String callCost(double v) {
        return v > 0 && v < 0.01 ? String.format(Locale.ROOT, "$%.4f", v) : usd(v);
    }

    /** First line of a text, at most {@code max} characters. */
    static String firstLine(String s, int max) {
        if (s == null) {
            return null;
        }
        String line = s.strip();
        int nl = line.indexOf('\n');
        if (nl >= 0) {
            line = line.substring(0, nl).strip() + " …";
        }
        return line.length() > max ? line.substring(0, max - 1) + "…" : line;
    }
}
