package io.roomote.jobs.github;

import io.roomote.core.config.ConfigurationException;
import io.roomote.spi.Configuration;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Optional;

/**
 * A GitHub App Roomote authenticates as: {@code GITHUB_APP_ID}, its private key ({@code GITHUB_APP_PRIVATE_KEY},
 * the PEM text, or {@code GITHUB_APP_PRIVATE_KEY_FILE}) and optionally {@code GITHUB_APP_INSTALLATION_ID} (else the
 * installation is looked up per repository). The key is read and checked here, so that a bad one is one line
 * at start, not a failure inside a job. Both PEM forms are accepted: PKCS#8 ({@code BEGIN PRIVATE KEY}) and the
 * PKCS#1 ({@code BEGIN RSA PRIVATE KEY}) GitHub downloads, which github-api's JWTTokenProvider refuses and which
 * is therefore re-wrapped as PKCS#8 here. {@code readChecks}: the installation tokens also ask to read check runs,
 * because failed checks start review rounds ({@code ROOMOTE_FIX_CHECKS=true}); without that setting they do not,
 * so an App that was not granted Checks keeps working.
 */
public record GitHubAppSettings(String appId, PrivateKey privateKey, Optional<Long> installationId, boolean readChecks) {

    public GitHubAppSettings(String appId, PrivateKey privateKey, Optional<Long> installationId) {
        this(appId, privateKey, installationId, false);
    }

    public static final String APP_ID = "GITHUB_APP_ID";
    public static final String PRIVATE_KEY = "GITHUB_APP_PRIVATE_KEY";
    public static final String PRIVATE_KEY_FILE = "GITHUB_APP_PRIVATE_KEY_FILE";
    public static final String INSTALLATION_ID = "GITHUB_APP_INSTALLATION_ID";

    @Override
    public String toString() {
        return "GitHubAppSettings[appId=" + appId + ", installationId=" + installationId + ", privateKey=***]";
    }

    /** The App, when {@code GITHUB_APP_ID} or a key is set; a half or bad configuration is one line naming the variable. */
    public static Optional<GitHubAppSettings> from(Configuration c) {
        Optional<String> id = c.get(APP_ID).map(String::strip).filter(s -> !s.isEmpty());
        Optional<String> key = c.get(PRIVATE_KEY).filter(s -> !s.isBlank());
        Optional<String> file = c.get(PRIVATE_KEY_FILE).map(String::strip).filter(s -> !s.isEmpty());
        Optional<String> installation = c.get(INSTALLATION_ID).map(String::strip).filter(s -> !s.isEmpty());
        if (id.isEmpty() && key.isEmpty() && file.isEmpty()) {
            if (installation.isPresent()) {
                throw new ConfigurationException(INSTALLATION_ID + " is set but " + APP_ID + " is not: set the App's id"
                        + " and its private key (" + PRIVATE_KEY + " or " + PRIVATE_KEY_FILE + ")");
            }
            return Optional.empty();
        }
        if (id.isEmpty()) {
            throw new ConfigurationException((key.isPresent() ? PRIVATE_KEY : PRIVATE_KEY_FILE) + " is set but "
                    + APP_ID + " is not: set the GitHub App's id (its settings page shows \"App ID\")");
        }
        if (!id.get().matches("\\d{1,19}")) {
            throw new ConfigurationException(APP_ID + " must be the GitHub App's numeric id, got \"" + id.get() + "\"");
        }
        if (key.isPresent() && file.isPresent()) {
            throw new ConfigurationException("both " + PRIVATE_KEY + " and " + PRIVATE_KEY_FILE + " are set: set one");
        }
        if (key.isEmpty() && file.isEmpty()) {
            throw new ConfigurationException(APP_ID + " is set but neither " + PRIVATE_KEY + " (the PEM text) nor "
                    + PRIVATE_KEY_FILE + " (its path) is: set the App's private key");
        }
        String variable = key.isPresent() ? PRIVATE_KEY : PRIVATE_KEY_FILE;
        String pem = key.isPresent() ? key.get() : readKeyFile(Path.of(file.get()));
        Optional<Long> installationId = Optional.empty();
        if (installation.isPresent()) {
            if (!installation.get().matches("\\d{1,19}")) {
                throw new ConfigurationException(INSTALLATION_ID + " must be a numeric installation id, got \""
                        + installation.get() + "\"");
            }
            installationId = Optional.of(Long.parseLong(installation.get()));
        }
        return Optional.of(new GitHubAppSettings(id.get(), privateKey(pem, variable), installationId,
                Boolean.parseBoolean(c.get("ROOMOTE_FIX_CHECKS", "false").strip())));
    }

    private static String readKeyFile(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            throw new ConfigurationException(PRIVATE_KEY_FILE + "=" + file + " cannot be read ("
                    + e.getClass().getSimpleName() + "): give the path of the App's private key (.pem)");
        }
    }

    /** An RSA private key from PEM text, PKCS#8 or PKCS#1; never says anything of the key itself. */
    static PrivateKey privateKey(String pem, String variable) {
        String text = pem.strip();
        boolean pkcs1 = text.startsWith("-----BEGIN RSA PRIVATE KEY-----");
        if (!pkcs1 && !text.startsWith("-----BEGIN PRIVATE KEY-----")) {
            throw new ConfigurationException(variable + " is not a PEM private key: it must start with"
                    + " \"-----BEGIN RSA PRIVATE KEY-----\" (as GitHub downloads it) or \"-----BEGIN PRIVATE KEY-----\"");
        }
        try {
            String base64 = text.replaceAll("-----(BEGIN|END) (RSA )?PRIVATE KEY-----", "").replaceAll("\\s", "");
            byte[] der = Base64.getDecoder().decode(base64);
            return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(pkcs1 ? pkcs8(der) : der));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new ConfigurationException(variable + " is not a readable RSA private key: download a new private"
                    + " key from the GitHub App's settings page");
        }
    }

    /** PKCS#1 RSAPrivateKey wrapped as PKCS#8 PrivateKeyInfo: version 0, algorithm rsaEncryption, the key. */
    private static byte[] pkcs8(byte[] pkcs1) {
        byte[] algorithm = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01,
                0x01, 0x05, 0x00};
        byte[] version = {0x02, 0x01, 0x00};
        byte[] octets = der(0x04, pkcs1);
        byte[] body = new byte[version.length + algorithm.length + octets.length];
        System.arraycopy(version, 0, body, 0, version.length);
        System.arraycopy(algorithm, 0, body, version.length, algorithm.length);
        System.arraycopy(octets, 0, body, version.length + algorithm.length, octets.length);
        return der(0x30, body);
    }

    private static byte[] der(int tag, byte[] content) {
        byte[] length;
        if (content.length < 128) {
            length = new byte[]{(byte) content.length};
        } else {
            byte[] n = BigInteger.valueOf(content.length).toByteArray();
            int skip = n[0] == 0 ? 1 : 0;
            length = new byte[n.length - skip + 1];
            length[0] = (byte) (0x80 | (n.length - skip));
            System.arraycopy(n, skip, length, 1, n.length - skip);
        }
        byte[] out = new byte[1 + length.length + content.length];
        out[0] = (byte) tag;
        System.arraycopy(length, 0, out, 1, length.length);
        System.arraycopy(content, 0, out, 1 + length.length, content.length);
        return out;
    }
}
