package io.roomote.jenkins.bridge.admission;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The cap on concurrent Roomote builds, as the plugin's queue dispatcher applies it: which jobs count as
 * Roomote builds, and why an item must wait. Pure, so the decision is tested without Jenkins.
 */
public final class ConcurrencyGate {

    private ConcurrencyGate() {
    }

    /**
     * Why a Roomote build must wait, or empty when it may start. {@code running} counts Roomote builds that
     * are running or already handed to an executor; a {@code cap} of 0 or less means no cap.
     */
    public static Optional<String> blockReason(int running, int cap) {
        if (cap <= 0 || running < cap) {
            return Optional.empty();
        }
        return Optional.of("Waiting for a Roomote slot: " + running + " of " + cap + " Roomote build"
                + (cap == 1 ? " is" : "s are") + " running (Max concurrent Roomote builds, Manage Jenkins » System » Roomote)");
    }

    /**
     * Whether the job {@code fullName} (e.g. {@code folder/roomote-fix}) is a Roomote build: it matches one of
     * {@code patterns}, each a full job name, or a folder followed by {@code /*} for every job inside it
     * (at any depth), or {@code *} for every job. Case-insensitive.
     */
    public static boolean isCapped(String fullName, List<String> patterns) {
        if (fullName == null) {
            return false;
        }
        String name = fullName.toLowerCase(Locale.ROOT);
        for (String raw : patterns) {
            String p = raw.trim().toLowerCase(Locale.ROOT);
            if (p.isEmpty()) {
                continue;
            }
            if (p.equals("*") || p.equals(name) || p.endsWith("/*") && name.startsWith(p.substring(0, p.length() - 1))) {
                return true;
            }
        }
        return false;
    }

    /** Patterns from a text of names separated by commas, spaces or new lines. */
    public static List<String> patterns(String text) {
        if (text == null || text.isBlank()) {
            return List.of();
        }
        return Arrays.stream(text.split("[,\\s]+")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }
}
