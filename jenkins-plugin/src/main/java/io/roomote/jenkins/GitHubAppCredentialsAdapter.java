package io.roomote.jenkins;

import com.cloudbees.plugins.credentials.common.StandardCredentials;
import edu.umd.cs.findbugs.annotations.CheckForNull;
import io.roomote.jenkins.bridge.step.GitHubAppKey;
import jenkins.model.Jenkins;
import org.jenkinsci.plugins.github_branch_source.GitHubAppCredentials;

import java.util.Optional;

/**
 * The GitHub Branch Source plugin's App credentials ({@link GitHubAppCredentials}) as jenkins-bridge's
 * {@link GitHubAppKey}: the App's id, its private key and its API URL. Roomote's job mints its own installation
 * token from them, scoped to the job's repository and replaced before it expires, instead of taking the
 * credentials' password (a token the plugin mints for the whole installation, that expires in an hour).
 * github-branch-source is an optional dependency: this class is touched only when it is installed.
 */
final class GitHubAppCredentialsAdapter {

    private GitHubAppCredentialsAdapter() {
    }

    /** The App of {@code credentials} when they are GitHub App credentials; empty otherwise or without the plugin. */
    static Optional<GitHubAppKey> appOf(@CheckForNull StandardCredentials credentials) {
        if (credentials == null || !installed()) {
            return Optional.empty();
        }
        return Holder.appOf(credentials);
    }

    private static boolean installed() {
        Jenkins jenkins = Jenkins.getInstanceOrNull();
        if (jenkins == null) {
            return false;
        }
        hudson.PluginWrapper plugin = jenkins.getPluginManager().getPlugin("github-branch-source");
        return plugin != null && plugin.isActive();
    }

    /** Loaded only after {@link #installed()}: the only place that names the plugin's class. */
    private static final class Holder {
        static Optional<GitHubAppKey> appOf(StandardCredentials credentials) {
            if (!(credentials instanceof GitHubAppCredentials app)) {
                return Optional.empty();
            }
            return Optional.of(new GitHubAppKey(app.getAppID(), app.getPrivateKey().getPlainText(),
                    Optional.ofNullable(app.getApiUri())));
        }
    }
}
