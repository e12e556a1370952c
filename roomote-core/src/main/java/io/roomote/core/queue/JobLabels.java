package io.roomote.core.queue;

import java.util.Map;
import java.util.regex.Pattern;

/** The bounds of a job's labels ({@code JobType.labels}), checked before they are stored. */
final class JobLabels {

    static final int MAX_LABELS = 20;
    static final int MAX_VALUE_LENGTH = 200;
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_.-]{0,39}");

    private JobLabels() {
    }

    /**
     * {@code labels} without null values, each value cut to {@value #MAX_VALUE_LENGTH} characters and without NUL
     * (values come from payloads, which the enqueuer writes: a long one must not refuse the job). Too many labels or
     * a bad name is a bug of the job type that the enqueuer cannot fix, so that is an {@link IllegalStateException}
     * naming the type, not a validation problem.
     */
    static Map<String, String> checked(String type, Map<String, String> labels) {
        if (labels == null || labels.isEmpty()) {
            return Map.of();
        }
        if (labels.size() > MAX_LABELS) {
            throw new IllegalStateException("job type " + type + " gave " + labels.size() + " labels; at most "
                    + MAX_LABELS + " are stored");
        }
        Map<String, String> out = new java.util.TreeMap<>();
        labels.forEach((name, value) -> {
            if (name == null || !NAME.matcher(name).matches()) {
                throw new IllegalStateException("job type " + type + " gave the label name \"" + name
                        + "\"; names are lower case [a-z][a-z0-9_.-], at most 40 characters");
            }
            if (value != null) {
                out.put(name, bounded(value));
            }
        });
        return Map.copyOf(out);
    }

    /** At most {@link #MAX_VALUE_LENGTH} characters, never half a surrogate pair, no NUL (PostgreSQL refuses it). */
    private static String bounded(String value) {
        String v = value.indexOf('\0') >= 0 ? value.replace("\0", "") : value;
        if (v.length() <= MAX_VALUE_LENGTH) {
            return v;
        }
        int end = Character.isHighSurrogate(v.charAt(MAX_VALUE_LENGTH - 1)) ? MAX_VALUE_LENGTH - 1 : MAX_VALUE_LENGTH;
        return v.substring(0, end);
    }
}
