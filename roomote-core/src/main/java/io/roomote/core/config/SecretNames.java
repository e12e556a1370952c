package io.roomote.core.config;

import java.util.Locale;
import java.util.Set;

/** Which setting names hold secrets whose values must never be shown. */
public final class SecretNames {

    /**
     * Names that match the rule but hold no secret: a count of tokens, the name of a Kubernetes Secret. Masking
     * their values would hide every "1000" in a job log, and hand them to workers as secrets.
     */
    private static final Set<String> NOT_SECRET = Set.of("ROOMOTE_MAX_TOKENS", "ROOMOTE_KUBERNETES_SECRET");

    private SecretNames() {
    }

    /** A setting that names a file whose content is a secret ({@code GITHUB_APP_PRIVATE_KEY_FILE}): masked too. */
    public static boolean isSecretFile(String name) {
        return name.toUpperCase(Locale.ROOT).endsWith("_PRIVATE_KEY_FILE");
    }

    public static boolean isSecret(String name) {
        String n = name.toUpperCase(Locale.ROOT);
        if (NOT_SECRET.contains(n)) {
            return false;
        }
        return n.contains("TOKEN") || n.contains("SECRET") || n.contains("PASSWORD") || n.endsWith("_KEY")
                || n.equals("DATABASE_URL");
    }
}
