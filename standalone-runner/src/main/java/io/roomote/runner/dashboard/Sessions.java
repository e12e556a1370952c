package io.roomote.runner.dashboard;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The dashboard's sessions, in memory: a random 256-bit id (the cookie) maps to a session that is signed in
 * or not, with its own CSRF token and a one-shot flash message. Sessions end after {@link #IDLE} without use,
 * after {@link #MAX_AGE} in any case, at sign-out, and when the process stops. The store is capped; the least
 * recently used sessions go first, sessions not signed in before signed-in ones.
 */
final class Sessions {

    static final Duration IDLE = Duration.ofHours(12);
    static final Duration MAX_AGE = Duration.ofDays(7);
    static final int MAX_SIGNED_IN = 10_000;
    static final int MAX_ANONYMOUS = 2_000;

    private static final SecureRandom RANDOM = new SecureRandom();

    /** One browser's session. */
    static final class Session {
        private final String id;
        private final String csrf;
        private final boolean signedIn;
        private final Instant created;
        private volatile Instant lastSeen;
        private volatile String flash;

        private Session(String id, boolean signedIn, Instant now) {
            this.id = id;
            this.csrf = randomToken();
            this.signedIn = signedIn;
            this.created = now;
            this.lastSeen = now;
        }

        String id() {
            return id;
        }

        String csrf() {
            return csrf;
        }

        boolean signedIn() {
            return signedIn;
        }

        /** A message for the next page this session sees. */
        void flash(String message) {
            this.flash = message;
        }

        /** The pending flash message, once. */
        Optional<String> takeFlash() {
            String f = flash;
            flash = null;
            return Optional.ofNullable(f);
        }

        /** Constant-time comparison with the CSRF token a request presented. */
        boolean csrfMatches(String presented) {
            return presented != null && MessageDigest.isEqual(presented.getBytes(StandardCharsets.UTF_8),
                    csrf.getBytes(StandardCharsets.UTF_8));
        }
    }

    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final Clock clock;

    Sessions(Clock clock) {
        this.clock = clock;
    }

    /** A new session; {@code signedIn} false for a sign-in form's session. */
    Session create(boolean signedIn) {
        Instant now = clock.instant();
        evictIfFull(signedIn, now);
        Session s = new Session(randomToken(), signedIn, now);
        sessions.put(s.id, s);
        return s;
    }

    /** The live session with this id, touched; empty when unknown or expired. */
    Optional<Session> find(String id) {
        if (id == null || id.length() != 43) {
            return Optional.empty();
        }
        Session s = sessions.get(id);
        if (s == null) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        if (expired(s, now)) {
            sessions.remove(id);
            return Optional.empty();
        }
        s.lastSeen = now;
        return Optional.of(s);
    }

    void remove(Session s) {
        sessions.remove(s.id);
    }

    int size() {
        return sessions.size();
    }

    private static boolean expired(Session s, Instant now) {
        return s.lastSeen.plus(IDLE).isBefore(now) || s.created.plus(MAX_AGE).isBefore(now);
    }

    private void evictIfFull(boolean signedIn, Instant now) {
        sessions.values().removeIf(s -> expired(s, now));
        int cap = signedIn ? MAX_SIGNED_IN : MAX_ANONYMOUS;
        long ofKind = sessions.values().stream().filter(s -> s.signedIn == signedIn).count();
        if (ofKind >= cap) {
            sessions.values().stream().filter(s -> s.signedIn == signedIn)
                    .sorted(Comparator.comparing(s -> s.lastSeen))
                    .limit(ofKind - cap + 1)
                    .toList()
                    .forEach(this::remove);
        }
    }

    /** 32 random bytes, base64url without padding: 43 characters. */
    static String randomToken() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
