package io.roomote.runner.api;

import io.javalin.http.Context;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;

/** Checks {@code Authorization: Bearer <ROOMOTE_API_TOKEN>} in constant time. No token configured: open. */
final class BearerAuth {

    private final byte[] expected;

    BearerAuth(Optional<String> token) {
        this.expected = token.map(t -> t.getBytes(StandardCharsets.UTF_8)).orElse(null);
    }

    boolean enabled() {
        return expected != null;
    }

    void check(Context ctx) {
        if (expected == null) {
            return;
        }
        String header = ctx.header("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            ctx.header("WWW-Authenticate", "Bearer realm=\"roomote\"");
            throw ApiError.of(401, "unauthorized", "send the API token as 'Authorization: Bearer <ROOMOTE_API_TOKEN>'");
        }
        byte[] given = header.substring(7).trim().getBytes(StandardCharsets.UTF_8);
        if (!MessageDigest.isEqual(given, expected)) {
            ctx.header("WWW-Authenticate", "Bearer realm=\"roomote\", error=\"invalid_token\"");
            throw ApiError.of(401, "unauthorized", "the API token is wrong");
        }
    }
}
