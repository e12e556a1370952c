package io.roomote.jenkins.bridge.step;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A validated {@code roomoteFix} call: the {@code github.issue.fix} payload, the job's settings (secrets
 * included: keep this object on the controller and hand {@link #secretSettings()} over apart), the deadline
 * and whether a missing pull request fails the step.
 */
public record FixStepPlan(String repo, int issue, Map<String, Object> payload, Map<String, String> settings,
                          Duration timeout, boolean failOnNoPr, List<String> notes) {

    public FixStepPlan {
        payload = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(payload));
        settings = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(settings));
        notes = List.copyOf(notes);
    }

    /** One fix job per issue: the same key as the job type's, {@code owner/name#N} in lower case. */
    public String dedupeKey() {
        return repo.toLowerCase(Locale.ROOT) + "#" + issue;
    }

    /** Settings that may be written into the request file and shown. */
    public Map<String, String> publicSettings() {
        Map<String, String> out = new LinkedHashMap<>();
        settings.forEach((k, v) -> {
            if (!FixStepArguments.isSecretSetting(k)) {
                out.put(k, v);
            }
        });
        return out;
    }

    /** Settings that are secrets (GH_TOKEN, OPENROUTER_API_KEY, …). */
    public Map<String, String> secretSettings() {
        Map<String, String> out = new LinkedHashMap<>();
        settings.forEach((k, v) -> {
            if (FixStepArguments.isSecretSetting(k)) {
                out.put(k, v);
            }
        });
        return out;
    }

    @Override
    public String toString() {
        return "FixStepPlan[" + repo + "#" + issue + ", payload=" + payload + ", settings=" + publicSettings().keySet()
                + " + " + secretSettings().size() + " secret(s), timeout=" + timeout + "]";
    }
}
