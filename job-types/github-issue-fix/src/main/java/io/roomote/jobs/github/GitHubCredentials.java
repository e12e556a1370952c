package io.roomote.jobs.github;

import io.roomote.spi.Configuration;
import org.kohsuke.github.GHAppInstallation;
import org.kohsuke.github.GHAppInstallationToken;
import org.kohsuke.github.GHFileNotFoundException;
import org.kohsuke.github.GHPermissionType;
import org.kohsuke.github.GitHub;
import org.kohsuke.github.GitHubBuilder;
import org.kohsuke.github.HttpException;
import org.kohsuke.github.extras.authorization.JWTTokenProvider;

import java.io.IOException;
import java.time.Clock;
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

    /**
     * A token source for {@code repo} ("owner/name") that every GitHub call and git command asks afresh: the same
     * token until it is about to expire (by {@code clock}), then a new one.
     */
    default GitHubApi.TokenSource tokenSource(String repo, Clock clock) {
        RepositoryToken token = new RepositoryToken(this, repo, clock);
        return token::value;
    }

    /** Whatever is configured: the App when there is one, else the personal token; empty when neither is. */
    static Optional<GitHubCredentials> of(IssueFixSettings settings) {
        return of(settings.apiUrl(), settings.token(), settings.app());
    }

    /**
     * The one place that decides "token or App" for every part of Roomote that talks to GitHub (jobs, the enqueue
     * command, issue comments): {@code GITHUB_APP_ID} and its key when set, else {@code GH_TOKEN} (or
     * {@code GITHUB_TOKEN}); empty when neither is. A half or bad App configuration is a ConfigurationException.
     */
    static Optional<GitHubCredentials> from(Configuration config) {
        return of(apiUrl(config), config.get("GH_TOKEN").or(() -> config.get("GITHUB_TOKEN")).filter(t -> !t.isBlank()),
                GitHubAppSettings.from(config));
    }

    /** {@code GITHUB_API_URL} without a trailing slash; GitHub.com's API when unset. */
    static String apiUrl(Configuration config) {
        return config.get("GITHUB_API_URL").map(String::strip).filter(s -> !s.isEmpty())
                .orElse("https://api.github.com").replaceAll("/+$", "");
    }

    /** What to set, for the one line that says credentials are missing. */
    String NEEDED = "GH_TOKEN (or GITHUB_TOKEN) or a GitHub App (GITHUB_APP_ID with GITHUB_APP_PRIVATE_KEY or"
            + " GITHUB_APP_PRIVATE_KEY_FILE)";

    private static Optional<GitHubCredentials> of(String apiUrl, Optional<String> token, Optional<GitHubAppSettings> app) {
        if (app.isPresent()) {
            return Optional.of(new App(apiUrl, app.get()));
        }
        return token.map(PersonalToken::new);
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

        /** {@link #PERMISSIONS}, and reading check runs when failed checks start review rounds. */
        Map<String, GHPermissionType> permissions() {
            if (!app.readChecks()) {
                return PERMISSIONS;
            }
            Map<String, GHPermissionType> all = new java.util.HashMap<>(PERMISSIONS);
            all.put("checks", GHPermissionType.READ);
            return Map.copyOf(all);
        }

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
                    .permissions(permissions())
                    .create();
            return new Token(token.getToken(), Optional.ofNullable(token.getExpiresAt()).map(java.util.Date::toInstant));
        }

        /**
         * The one line that says why GitHub refused to mint a token for {@code repo}, when {@code e} is such a
         * refusal (404: not installed there; 401, 403, 422: a wrong App, key or permissions); empty otherwise.
         */
        public Optional<String> refusal(IOException e, String repo) {
            if (e instanceof GHFileNotFoundException) {
                return Optional.of("the GitHub App (GITHUB_APP_ID) is not installed on " + repo
                        + (app.installationId().isPresent() ? " or GITHUB_APP_INSTALLATION_ID is not its installation" : "")
                        + ": install it on the repository");
            }
            if (e instanceof HttpException http && (http.getResponseCode() == 401 || http.getResponseCode() == 403
                    || http.getResponseCode() == 422)) {
                return Optional.of("GitHub refused the GitHub App's token request for " + repo
                        + " (HTTP " + http.getResponseCode() + "): check GITHUB_APP_ID, its private key, and that the"
                        + " App has the permissions Contents, Pull requests and Issues (read and write)");
            }
            return Optional.empty();
        }

        @Override
        public String toString() {
            return "App[" + app + "]";
        }
    }
}
