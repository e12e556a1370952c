package io.roomote.jobs.github;

import io.roomote.core.config.ConfigurationException;
import io.roomote.core.config.Settings;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The GitHub App settings: complete or one line naming the variable; both PEM forms of the key. */
class GitHubAppSettingsTest {

    static KeyPair keys;

    @TempDir
    Path temp;

    @BeforeAll
    static void keys() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        keys = generator.generateKeyPair();
    }

    /** The PKCS#1 key inside a 2048-bit RSA key's PKCS#8 encoding (after its fixed 26-byte header). */
    static byte[] pkcs1(byte[] pkcs8) {
        return Arrays.copyOfRange(pkcs8, 26, pkcs8.length);
    }

    private static IssueFixSettings settings(Map<String, String> values) {
        Map<String, String> all = new HashMap<>(values);
        all.put("ROOMOTE_HOME", "/tmp/roomote-home");
        return IssueFixSettings.from(Settings.of(all));
    }

    private static String pkcs8Pem() {
        return GitHubAppAuthTest.pem("PRIVATE KEY", keys.getPrivate().getEncoded());
    }

    @Test
    void anAppIdWithAKeyIsAnApp() {
        IssueFixSettings s = settings(Map.of("GITHUB_APP_ID", "4242", "GITHUB_APP_PRIVATE_KEY", pkcs8Pem()));

        assertThat(s.app()).hasValueSatisfying(app -> {
            assertThat(app.appId()).isEqualTo("4242");
            assertThat(app.privateKey().getEncoded()).isEqualTo(keys.getPrivate().getEncoded());
            assertThat(app.installationId()).isEmpty();
            assertThat(app.toString()).doesNotContain(pkcs8Pem().lines().skip(1).findFirst().orElseThrow());
        });
        assertThat(GitHubCredentials.of(s)).containsInstanceOf(GitHubCredentials.App.class);
        assertThat(settings(Map.of()).app()).isEmpty();
    }

    @Test
    void gitHubsPkcs1KeyIsReadAsTheSameKey() {
        String pkcs1 = GitHubAppAuthTest.pem("RSA PRIVATE KEY", pkcs1(keys.getPrivate().getEncoded()));

        IssueFixSettings s = settings(Map.of("GITHUB_APP_ID", "4242", "GITHUB_APP_PRIVATE_KEY", pkcs1));

        assertThat(s.app().orElseThrow().privateKey().getEncoded()).isEqualTo(keys.getPrivate().getEncoded());
    }

    @Test
    void anIdWithoutAKeyIsOneLine() {
        assertThatThrownBy(() -> settings(Map.of("GITHUB_APP_ID", "4242")))
                .isInstanceOf(ConfigurationException.class)
                .hasMessage("GITHUB_APP_ID is set but neither GITHUB_APP_PRIVATE_KEY (the PEM text) nor"
                        + " GITHUB_APP_PRIVATE_KEY_FILE (its path) is: set the App's private key");
        assertThatThrownBy(() -> settings(Map.of("GITHUB_APP_PRIVATE_KEY", pkcs8Pem())))
                .hasMessageStartingWith("GITHUB_APP_PRIVATE_KEY is set but GITHUB_APP_ID is not");
        assertThatThrownBy(() -> settings(Map.of("GITHUB_APP_ID", "my-app", "GITHUB_APP_PRIVATE_KEY", pkcs8Pem())))
                .hasMessage("GITHUB_APP_ID must be the GitHub App's numeric id, got \"my-app\"");
    }

    @Test
    void anUnreadableKeyFileIsOneLineNamingTheVariable() {
        Path missing = temp.resolve("nope.pem");

        assertThatThrownBy(() -> settings(Map.of("GITHUB_APP_ID", "4242", "GITHUB_APP_PRIVATE_KEY_FILE", missing.toString())))
                .isInstanceOf(ConfigurationException.class)
                .hasMessage("GITHUB_APP_PRIVATE_KEY_FILE=" + missing + " cannot be read (NoSuchFileException): give"
                        + " the path of the App's private key (.pem)");
    }

    @Test
    void aBadPemIsOneLineNamingTheVariableAndNothingOfTheKey() throws Exception {
        Path file = temp.resolve("bad.pem");
        Files.writeString(file, "-----BEGIN PRIVATE KEY-----\nnotAKeyAtAllButSecretLooking0123\n-----END PRIVATE KEY-----\n");

        assertThatThrownBy(() -> settings(Map.of("GITHUB_APP_ID", "4242", "GITHUB_APP_PRIVATE_KEY_FILE", file.toString())))
                .isInstanceOf(ConfigurationException.class)
                .hasMessage("GITHUB_APP_PRIVATE_KEY_FILE is not a readable RSA private key: download a new private key"
                        + " from the GitHub App's settings page");
        assertThatThrownBy(() -> settings(Map.of("GITHUB_APP_ID", "4242", "GITHUB_APP_PRIVATE_KEY", "ghp_notAKey")))
                .hasMessageStartingWith("GITHUB_APP_PRIVATE_KEY is not a PEM private key:")
                .hasMessageNotContaining("ghp_notAKey");
    }

    @Test
    void readinessAcceptsAnAppInsteadOfAToken() {
        FixReadiness readiness = new FixReadiness(io.roomote.agents.AgentDrivers.of(java.util.List.of(
                new io.roomote.agents.command.CommandAgentDriver())), Map.of("PATH", "/usr/bin:/bin"));
        Map<String, String> base = Map.of("ROOMOTE_HOME", temp.toString(), "ROOMOTE_AGENT", "command",
                "ROOMOTE_AGENT_COMMAND", "true", "ROOMOTE_SANDBOX", "none");
        Map<String, String> app = new HashMap<>(base);
        app.put("GITHUB_APP_ID", "4242");
        app.put("GITHUB_APP_PRIVATE_KEY", pkcs8Pem());
        Map<String, String> halfApp = new HashMap<>(base);
        halfApp.put("GITHUB_APP_ID", "4242");

        assertThat(readiness.missing(Settings.of(app))).noneMatch(l -> l.contains("GH_TOKEN"));
        assertThat(readiness.missing(Settings.of(base))).anyMatch(l -> l.contains("GH_TOKEN (or GITHUB_TOKEN) is not set,"
                + " nor a GitHub App (GITHUB_APP_ID with GITHUB_APP_PRIVATE_KEY or GITHUB_APP_PRIVATE_KEY_FILE)"));
        assertThat(readiness.missing(Settings.of(halfApp))).singleElement().asString()
                .startsWith("GITHUB_APP_ID is set but neither GITHUB_APP_PRIVATE_KEY");
    }

    @Test
    void aKeyFilesContentIsMaskedInLogsLineByLine() throws Exception {
        Path file = temp.resolve("app.pem");
        Files.writeString(file, pkcs8Pem());
        Settings config = Settings.of(Map.of("GITHUB_APP_PRIVATE_KEY_FILE", file.toString()));
        String line = pkcs8Pem().lines().skip(3).findFirst().orElseThrow();

        String redacted = new io.roomote.core.logging.SecretRedactor(config.secretValues()).redact("oops: " + line);

        assertThat(redacted).isEqualTo("oops: ****");
    }
}
