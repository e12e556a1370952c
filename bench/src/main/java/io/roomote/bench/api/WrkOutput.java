package io.roomote.bench.api;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The figures wrk (4.x) prints with {@code --latency}, read from its own output; the output is kept verbatim
 * too, for the report. wrk prints "Socket errors" and "Non-2xx or 3xx responses" only when there were some.
 *
 * @param requests       responses received within the run ("N requests in …"); requests still in flight when
 *                       wrk's clock ran out are not among them
 * @param seconds        the run's length as wrk measured it
 * @param requestsPerSec wrk's "Requests/sec"
 * @param latencyMs      the latency distribution: percentile (50, 75, 90, 99) to milliseconds
 * @param maxLatencyMs   the thread stats' Max
 * @param non2xx3xx      "Non-2xx or 3xx responses" (wrk counts status ≥ 400 there)
 */
record WrkOutput(long requests, double seconds, double requestsPerSec, Map<Integer, Double> latencyMs,
                 double maxLatencyMs, long connectErrors, long readErrors, long writeErrors, long timeouts,
                 long non2xx3xx, String raw) {

    private static final Pattern REQUESTS = Pattern.compile("^\\s*(\\d+) requests in ([\\d.]+)(us|ms|s|m|h),", Pattern.MULTILINE);
    private static final Pattern RATE = Pattern.compile("^Requests/sec:\\s*([\\d.]+)", Pattern.MULTILINE);
    private static final Pattern PERCENTILE = Pattern.compile("^\\s*(\\d+)%\\s+([\\d.]+)(us|ms|s|m|h)\\s*$", Pattern.MULTILINE);
    private static final Pattern LATENCY = Pattern.compile("^\\s*Latency\\s+([\\d.]+)(us|ms|s|m|h)\\s+([\\d.]+)(us|ms|s|m|h)\\s+([\\d.]+)(us|ms|s|m|h)",
            Pattern.MULTILINE);
    private static final Pattern SOCKET = Pattern.compile("Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)");
    private static final Pattern NON_2XX = Pattern.compile("Non-2xx or 3xx responses: (\\d+)");

    /** Reads wrk's output; one clear line when it is not the output of a wrk run with {@code --latency}. */
    static WrkOutput parse(String out) {
        Matcher requests = find(REQUESTS, out, "the \"N requests in T\" line");
        Matcher rate = find(RATE, out, "the Requests/sec line");
        Matcher latency = find(LATENCY, out, "the thread stats' Latency line");
        Map<Integer, Double> percentiles = new LinkedHashMap<>();
        Matcher p = PERCENTILE.matcher(out);
        while (p.find()) {
            percentiles.put(Integer.parseInt(p.group(1)), millis(p.group(2), p.group(3)));
        }
        if (!percentiles.containsKey(99)) {
            throw new IllegalArgumentException("wrk's output has no latency distribution (run it with --latency):\n" + out);
        }
        Matcher socket = SOCKET.matcher(out);
        boolean errors = socket.find();
        Matcher non2xx = NON_2XX.matcher(out);
        return new WrkOutput(Long.parseLong(requests.group(1)), millis(requests.group(2), requests.group(3)) / 1000,
                Double.parseDouble(rate.group(1)), Map.copyOf(percentiles), millis(latency.group(5), latency.group(6)),
                errors ? Long.parseLong(socket.group(1)) : 0, errors ? Long.parseLong(socket.group(2)) : 0,
                errors ? Long.parseLong(socket.group(3)) : 0, errors ? Long.parseLong(socket.group(4)) : 0,
                non2xx.find() ? Long.parseLong(non2xx.group(1)) : 0, out);
    }

    /** Responses with a status below 400; the API answers no 3xx, so these are its 2xx. */
    long below400() {
        return requests - non2xx3xx;
    }

    long socketErrors() {
        return connectErrors + readErrors + writeErrors + timeouts;
    }

    double latencyMs(int percentile) {
        Double v = latencyMs.get(percentile);
        if (v == null) {
            throw new IllegalArgumentException("wrk printed no " + percentile + " % latency");
        }
        return v;
    }

    private static Matcher find(Pattern pattern, String out, String what) {
        Matcher m = pattern.matcher(out);
        if (!m.find()) {
            throw new IllegalArgumentException("wrk's output has no " + what + ":\n" + out);
        }
        return m;
    }

    /** wrk's time units (us, ms, s, m, h) to milliseconds. */
    static double millis(String number, String unit) {
        double v = Double.parseDouble(number);
        return switch (unit.toLowerCase(Locale.ROOT)) {
            case "us" -> v / 1000;
            case "ms" -> v;
            case "s" -> v * 1000;
            case "m" -> v * 60_000;
            case "h" -> v * 3_600_000;
            default -> throw new IllegalArgumentException("unknown wrk time unit " + unit);
        };
    }
}
