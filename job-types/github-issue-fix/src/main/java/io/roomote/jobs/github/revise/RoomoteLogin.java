package io.roomote.jobs.github.revise;

import io.roomote.jobs.github.GitHubAccess;
import io.roomote.jobs.github.GitHubCredentials;
import org.kohsuke.github.GitHubBuilder;
import org.kohsuke.github.extras.authorization.JWTTokenProvider;

import java.io.IOException;

/**
 * Roomote's own GitHub login, which wrote its pull requests and round replies: the token's user
 * ({@code GET /user}) for a personal token, {@code <app-slug>[bot]} for a GitHub App (an installation token
 * has no user; the App's slug comes from {@code GET /app} with the App's JWT).
 */
final class RoomoteLogin {

    private RoomoteLogin() {
    }

    static String of(GitHubAccess access, String apiUrl) throws IOException {
        if (access.credentials() instanceof GitHubCredentials.App app) {
            String slug = new GitHubBuilder().withEndpoint(apiUrl)
                    .withAuthorizationProvider(new JWTTokenProvider(app.app().appId(), app.app().privateKey()))
                    .build().getApp().getSlug();
            return slug + "[bot]";
        }
        return access.api().currentLogin();
    }
}
