package io.roomote.core.config;

import java.util.Locale;

/** Which setting names hold secrets whose values must never be shown. */
public final class SecretNames {

    private SecretNames() {
    }

    public static boolean isSecret(String name) {
        String n = name.toUpperCase(Locale.ROOT);
        return n.contains("TOKEN") || n.contains("SECRET") || n.contains("PASSWORD") || n.endsWith("_KEY")
                || n.equals("DATABASE_URL");
    }
}
