package io.roomote.jenkins.bridge.step;

import java.util.Optional;

/**
 * A GitHub App as Jenkins holds it in the GitHub Branch Source plugin's App credentials
 * ({@code GitHubAppCredentials}): its id, its private key (PEM text) and the GitHub API it belongs to when that
 * is not github.com's. The plugin hands these over and Roomote's job mints, per job, an installation token
 * scoped to the job's repository and replaces it before it expires, as a standalone runner does with
 * {@code GITHUB_APP_ID} and {@code GITHUB_APP_PRIVATE_KEY}.
 *
 * @param appId         the App's numeric id ({@code GitHubAppCredentials.getAppID()})
 * @param privateKeyPem its private key as PEM text ({@code getPrivateKey().getPlainText()}), PKCS#8 or PKCS#1
 * @param apiUri        {@code getApiUri()}, e.g. {@code https://ghe.example.com/api/v3}; empty: not set (github.com)
 */
public record GitHubAppKey(String appId, String privateKeyPem, Optional<String> apiUri) {

    public GitHubAppKey {
        apiUri = apiUri.map(String::strip).filter(u -> !u.isEmpty());
    }

    @Override
    public String toString() {
        return "GitHubAppKey[appId=" + appId + ", apiUri=" + apiUri + ", privateKeyPem=***]";
    }
}
