package io.roomote.core.logging;

import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Removes secrets from text before it is stored or shown: the configured secret values themselves, and
 * anything shaped like a well-known token (GitHub, Slack, OpenRouter/OpenAI keys, credentials in URLs).
 */
public final class SecretRedactor {

    public static final String MASK = "****";

    private static final Pattern TOKEN_SHAPES = Pattern.compile(
            "\\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|xox[abposr]-[A-Za-z0-9-]{10,}"
                    + "|sk-(?:or-)?(?:v1-)?[A-Za-z0-9_-]{20,})");
    private static final Pattern URL_CREDENTIALS = Pattern.compile("(://[^/\\s:@]+:)[^@\\s/]+@");
    private static final Pattern BEARER = Pattern.compile("(?i)(bearer\\s+)[A-Za-z0-9._~+/=-]{8,}");

    private final List<String> secrets;

    public SecretRedactor(List<String> secretValues) {
        // Longest first, so a secret that contains another is masked whole.
        this.secrets = secretValues.stream()
                .filter(s -> s != null && s.length() >= 4)
                .distinct()
                .sorted(Comparator.comparingInt(String::length).reversed())
                .toList();
    }

    public String redact(String text) {
        if (text == null || text.isEmpty()) {
            return text;
        }
        String out = text;
        for (String secret : secrets) {
            if (out.contains(secret)) {
                out = out.replace(secret, MASK);
            }
        }
        out = TOKEN_SHAPES.matcher(out).replaceAll(MASK);
        out = URL_CREDENTIALS.matcher(out).replaceAll("$1" + MASK + "@");
        out = BEARER.matcher(out).replaceAll("$1" + MASK);
        return out;
    }
}
