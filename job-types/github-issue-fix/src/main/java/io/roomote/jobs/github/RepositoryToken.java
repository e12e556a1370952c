package io.roomote.jobs.github;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;

/**
 * The token of one job for its one repository, fetched again when it is about to expire: an App's installation
 * token lasts an hour, and a job may run longer. Asked before every GitHub call and every git command of Roomote.
 */
final class RepositoryToken {

    /** Less than this left: a fresh token, so that no call starts with one that dies under it. */
    static final Duration REFRESH_MARGIN = Duration.ofMinutes(5);

    private final GitHubCredentials credentials;
    private final String repo;
    private final Clock clock;
    private GitHubCredentials.Token current;

    RepositoryToken(GitHubCredentials credentials, String repo, Clock clock) {
        this.credentials = credentials;
        this.repo = repo;
        this.clock = clock;
    }

    synchronized String value() throws IOException {
        if (current == null || current.expiresAt().map(at -> clock.instant().plus(REFRESH_MARGIN).isAfter(at)).orElse(false)) {
            current = credentials.tokenFor(repo);
        }
        return current.value();
    }
}
