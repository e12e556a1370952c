package io.roomote.jobs.github.webhook;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;

/** Checks GitHub's {@code X-Hub-Signature-256} (HMAC-SHA256 of the raw body) in constant time. */
public final class WebhookSignature {

    public enum Verdict { VALID, MISSING, INVALID }

    private final byte[] secret;

    public WebhookSignature(String secret) {
        if (secret == null || secret.isEmpty()) {
            throw new IllegalArgumentException("a webhook secret is required");
        }
        this.secret = secret.getBytes(StandardCharsets.UTF_8);
    }

    public Verdict verify(byte[] body, String header) {
        if (header == null || header.isBlank()) {
            return Verdict.MISSING;
        }
        if (!header.startsWith("sha256=")) {
            return Verdict.INVALID;
        }
        byte[] given;
        try {
            given = HexFormat.of().parseHex(header.substring("sha256=".length()).trim().toLowerCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return Verdict.INVALID;
        }
        return MessageDigest.isEqual(sign(body), given) ? Verdict.VALID : Verdict.INVALID;
    }

    /** The header value GitHub would send for {@code body}. */
    public String header(byte[] body) {
        return "sha256=" + HexFormat.of().formatHex(sign(body));
    }

    private byte[] sign(byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return mac.doFinal(body);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }
}
