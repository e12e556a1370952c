package io.roomote.jobs.github;

import io.roomote.spi.Configuration;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A {@link GitHubApi} per repository for the parts of Roomote that talk to GitHub outside a job (issue comments):
 * with a GitHub App each repository gets its own installation token, scoped to it and replaced before it
 * expires; with a personal token all share it. One client per repository is kept, so that a token is minted
 * once an hour per repository, not per call.
 */
public final class GitHubClients {

    /** Opens a client for one repository. */
    @FunctionalInterface
    private interface Opener {
        GitHubApi open(String repo) throws IOException;
    }

    private final Opener opener;
    private final Map<String, GitHubApi> clients = new ConcurrentHashMap<>();

    /** @param clock decides when an App's installation token is old enough to be replaced */
    public GitHubClients(String apiUrl, GitHubCredentials credentials, Clock clock) {
        this(repo -> new GitHubApi(apiUrl, credentials.tokenSource(repo, clock)));
    }

    private GitHubClients(Opener opener) {
        this.opener = opener;
    }

    /** The same client for every repository (a test, or one personal token). */
    public static GitHubClients fixed(GitHubApi api) {
        return new GitHubClients(repo -> api);
    }

    /** From {@code GH_TOKEN} or the GitHub App of {@code config} ({@link GitHubCredentials#from}); empty when neither is set. */
    public static Optional<GitHubClients> from(Configuration config, Clock clock) {
        String apiUrl = GitHubCredentials.apiUrl(config);
        return GitHubCredentials.from(config).map(c -> new GitHubClients(apiUrl, c, clock));
    }

    /** The client for {@code repo} ("owner/name"); its token is fetched at its first call, not here. */
    public GitHubApi forRepository(String repo) throws IOException {
        try {
            return clients.computeIfAbsent(repo, r -> {
                try {
                    return opener.open(r);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
