package io.roomote.jobs.github;

import org.kohsuke.github.GHAppInstallation;
import org.kohsuke.github.GHAppInstallationToken;
import org.kohsuke.github.GHPermissionType;
import org.kohsuke.github.GitHub;
import org.kohsuke.github.GitHubBuilder;
import org.kohsuke.github.extras.authorization.JWTTokenProvider;

import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How Roomote authenticates to GitHub: a personal token ({@code GH_TOKEN}) used as it is, or a GitHub App that
 * mints, per job, an installation token for that one repository with only the permissions a fix needs.
 */
public sealed interface GitHubCredentials permits GitHubCredentials.PersonalToken, GitHubCredentials.App {

    /** A token and when it stops working; empty: it does not expire (a personal token, as far as Roomote knows). */
    record Token(String value, Optional<Instant> expiresAt) {
        @Override
        public String toString() {
            return "Token[***, expiresAt=" + expiresAt + "]";
        }
    }

    /** A token that works on {@code repo} ("owner/name"). */
    Token tokenFor(String repo) throws IOException;

    /** Whatever is configured: the App when there is one, else the personal token; empty when neither is. */
    static Optional<GitHubCredentials> of(IssueFixSettings settings) {
        if (settings.app().isPresent()) {
            return Optional.of(new App(settings.apiUrl(), settings.app().get()));
        }
        return settings.token().map(PersonalToken::new);
    }

    record PersonalToken(String token) implements GitHubCredentials {
        @Override
        public Token tokenFor(String repo) {
            return new Token(token, Optional.empty());
        }

        @Override
        public String toString() {
            return "PersonalToken[***]";
        }
    }

    /**
     * A GitHub App: github-api's JWTTokenProvider signs the App's JWT; with it Roomote finds the installation
     * (configured, else the repository's) and asks for an installation token scoped to the repository.
     */
    record App(String apiUrl, GitHubAppSettings app) implements GitHubCredentials {

        /** What a fix job does: push a branch, open and update its pull request, read and comment on the issue. */
        public static final Map<String, GHPermissionType> PERMISSIONS = Map.of(
                "contents", GHPermissionType.WRITE,
                "pull_requests", GHPermissionType.WRITE,
                "issues", GHPermissionType.WRITE);

        @Override
        public Token tokenFor(String repo) throws IOException {
            int slash = repo.indexOf('/');
            GitHub asApp = new GitHubBuilder().withEndpoint(apiUrl)
                    .withAuthorizationProvider(new JWTTokenProvider(app.appId(), app.privateKey())).build();
            GHAppInstallation installation = app.installationId().isPresent()
                    ? asApp.getApp().getInstallationById(app.installationId().get())
                    : asApp.getApp().getInstallationByRepository(repo.substring(0, slash), repo.substring(slash + 1));
            GHAppInstallationToken token = installation.createToken()
                    .repositories(List.of(repo.substring(slash + 1)))
                    .permissions(PERMISSIONS)
                    .create();
            return new Token(token.getToken(), Optional.ofNullable(token.getExpiresAt()).map(java.util.Date::toInstant));
        }

        @Override
        public String toString() {
            return "App[" + app + "]";
        }
    }
}
