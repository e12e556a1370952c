package io.roomote.jobs.github;

import io.roomote.core.config.ConfigurationException;
import io.roomote.core.config.Settings;
import io.roomote.core.metrics.ExternalCalls;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.KeyPairGenerator;
import java.time.Clock;
import java.util.Base64;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * GITHUB_COMMENTS=true on a runner whose only GitHub credentials are a GitHub App: the comments are set up
 * (through GitHubCredentials, as every other part); with neither a token nor an App, one line says what to set.
 * No GitHub is involved: what the comments send is shown by GitHubClientsAppTest against the GitHub stand-in.
 */
class IssueCommentsSettingsTest {

    @Test
    void aRunnerWithOnlyAGitHubAppCommentsOnIssues() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        String pem = "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(generator.generateKeyPair().getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----\n";

        var comments = GitHubRunnerExtension.comments(Settings.of(Map.of("GITHUB_COMMENTS", "true", "GITHUB_APP_ID", "4242",
                "GITHUB_APP_PRIVATE_KEY", pem)), null, ExternalCalls.none(), Clock.systemUTC());

        assertThat(comments).isPresent();
        comments.get().close();
    }

    @Test
    void withNeitherATokenNorAnAppTheSettingIsRefusedInOneLine() {
        assertThatThrownBy(() -> GitHubRunnerExtension.comments(Settings.of(Map.of("GITHUB_COMMENTS", "true")), null,
                ExternalCalls.none(), Clock.systemUTC()))
                .isInstanceOf(ConfigurationException.class)
                .hasMessage("GITHUB_COMMENTS=true needs GH_TOKEN (or GITHUB_TOKEN) or a GitHub App"
                        + " (GITHUB_APP_ID with GITHUB_APP_PRIVATE_KEY or GITHUB_APP_PRIVATE_KEY_FILE) to write the"
                        + " comments: set one of them");
    }
}
