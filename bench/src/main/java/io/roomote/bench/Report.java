package io.roomote.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The measured figures: one row per metric, the median of its repetitions and their spread. */
final class Report {

    enum Unit {
        PER_SECOND("/s", "%,.0f"), MS("ms", "%.2f"), MS_PER_JOB("ms/job", "%.3f"), PERCENT("%", "%.0f");

        final String suffix;
        final String format;

        Unit(String suffix, String format) {
            this.suffix = suffix;
            this.format = format;
        }

        String format(double v) {
            return String.format(Locale.ROOT, format, v) + " " + suffix;
        }
    }

    /** {@code upperLimit} is a target the median must not exceed, or null. */
    record Row(String name, Unit unit, List<Double> reps, Double upperLimit) {

        double median() {
            return Stats.median(reps);
        }

        String spread() {
            return reps.size() < 2 ? "" : unit.format(Stats.min(reps)).replace(" " + unit.suffix, "")
                    + "–" + unit.format(Stats.max(reps));
        }

        String target() {
            return upperLimit == null ? "" : "≤ " + unit.format(upperLimit);
        }

        String verdict() {
            return upperLimit == null ? "" : median() <= upperLimit ? "met" : "MISSED";
        }
    }

    private final List<Row> rows = new ArrayList<>();

    void add(String name, Unit unit, List<Double> reps) {
        add(name, unit, reps, null);
    }

    void add(String name, Unit unit, List<Double> reps, Double upperLimit) {
        rows.add(new Row(name, unit, List.copyOf(reps), upperLimit));
    }

    void printPlain(PrintStream out) {
        int w = rows.stream().mapToInt(r -> r.name().length()).max().orElse(10);
        String fmt = "%-" + w + "s  %14s  %22s  %12s  %s%n";
        out.printf(Locale.ROOT, fmt, "measurement", "median", "spread (min–max)", "target", "");
        for (Row r : rows) {
            out.printf(Locale.ROOT, fmt, r.name(), r.unit().format(r.median()), r.spread(), r.target(), r.verdict());
        }
    }

    void printMarkdown(PrintStream out) {
        out.println("| Measurement | Median | Spread (min–max) | Target | Verdict |");
        out.println("|---|---:|---:|---:|---|");
        for (Row r : rows) {
            out.printf(Locale.ROOT, "| %s | %s | %s | %s | %s |%n", r.name(), r.unit().format(r.median()), r.spread(),
                    r.target(), r.verdict());
        }
    }
}
