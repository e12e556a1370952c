package io.roomote.bench.api;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The API bench's table: measurement, figure, target, verdict (empty target and verdict: context only). */
final class Verdicts {

    record Row(String measurement, String figure, String target, String verdict) {
    }

    private final List<Row> rows = new ArrayList<>();

    void context(String measurement, String figure) {
        rows.add(new Row(measurement, figure, "", ""));
    }

    void atMost(String measurement, double value, double limit, String format, String unit) {
        rows.add(new Row(measurement, fmt(format, value) + unit, "≤ " + fmt(format, limit) + unit, value <= limit ? "met" : "MISSED"));
    }

    void atLeast(String measurement, double value, double limit, String format, String unit) {
        rows.add(new Row(measurement, fmt(format, value) + unit, "≥ " + fmt(format, limit) + unit, value >= limit ? "met" : "MISSED"));
    }

    void check(String measurement, String figure, String target, boolean met) {
        rows.add(new Row(measurement, figure, target, met ? "met" : "MISSED"));
    }

    boolean allMet() {
        return rows.stream().noneMatch(r -> r.verdict().equals("MISSED"));
    }

    List<Row> rows() {
        return List.copyOf(rows);
    }

    void printMarkdown(PrintStream out) {
        out.println("| Measurement | Figure | Target | Verdict |");
        out.println("|---|---:|---:|---|");
        for (Row r : rows) {
            out.printf(Locale.ROOT, "| %s | %s | %s | %s |%n", r.measurement(), r.figure(), r.target(), r.verdict());
        }
    }

    static String fmt(String format, double value) {
        return String.format(Locale.ROOT, format, value);
    }
}
