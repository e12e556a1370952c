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
     * {@code labels} when within bounds, without null values. A job type that breaks them has a bug the enqueuer
     * cannot fix, so this is an {@link IllegalStateException} naming the type, not a validation problem.
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
                if (value.length() > MAX_VALUE_LENGTH || value.indexOf('\0') >= 0) {
                    throw new IllegalStateException("job type " + type + " gave label " + name + " a value longer than "
                            + MAX_VALUE_LENGTH + " characters or with a NUL character");
                }
                out.put(name, value);
            }
        });
        return Map.copyOf(out);
    }
}
