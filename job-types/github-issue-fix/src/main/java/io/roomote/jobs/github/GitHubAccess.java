package io.roomote.jobs.github;

import io.roomote.jobs.github.git.Git;
import io.roomote.spi.JobContext;
import io.roomote.spi.JobFailedException;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * One job's way into GitHub for its one repository: the configured credentials, the job's token (an App's is
 * replaced before it expires), the REST API with it, and Roomote's own git, whose askpass reads the token of the
 * moment from a folder the agent never sees. Shared by {@code github.issue.fix} and {@code github.pr.revise}.
 */
public final class GitHubAccess {

    private final IssueFixSettings settings;
    private final GitHubCredentials credentials;
    private final RepositoryToken token;
    private final String firstToken;
    private final GitHubApi api;

    private GitHubAccess(IssueFixSettings settings, GitHubCredentials credentials, RepositoryToken token,
                         String firstToken) throws IOException {
        this.settings = settings;
        this.credentials = credentials;
        this.token = token;
        this.firstToken = firstToken;
        this.api = new GitHubApi(settings.apiUrl(), token::value);
    }

    /** The configured token or App; neither ends the job with one line saying what Roomote needs one {@code for}. */
    public static GitHubCredentials credentials(IssueFixSettings settings, String forWhat) throws JobFailedException {
        return GitHubCredentials.of(settings).orElseThrow(() -> JobFailedException.permanent(
                "GH_TOKEN is not set, nor a GitHub App (GITHUB_APP_ID and its private key): Roomote needs one to "
                        + forWhat));
    }

    /** Fetches the job's first token; an App that cannot mint one for {@code repo} ends the job with one clear line. */
    public static GitHubAccess open(IssueFixSettings settings, GitHubCredentials credentials, String repo, Clock clock)
            throws IOException, JobFailedException {
        RepositoryToken token = new RepositoryToken(credentials, repo, clock);
        return new GitHubAccess(settings, credentials, token, firstToken(settings, token, credentials, repo));
    }

    private static String firstToken(IssueFixSettings settings, RepositoryToken token, GitHubCredentials credentials,
                                     String repo) throws IOException, JobFailedException {
        try {
            return token.value();
        } catch (IOException e) {
            if (credentials instanceof GitHubCredentials.App app && app.refusal(e, repo).isPresent()) {
                throw JobFailedException.permanent(app.refusal(e, repo).get());
            }
            throw e;
        }
    }

    public GitHubApi api() {
        return api;
    }

    public GitHubCredentials credentials() {
        return credentials;
    }

    /** The token of the moment (an installation token: this repository only). */
    public String token() throws IOException {
        return token.value();
    }

    /**
     * Roomote's own git for this job: its askpass lives in the job's {@code git-home}, outside anything the agent
     * can see, and each git command reads the token afresh.
     */
    public Git git(JobContext ctx, Map<String, String> processEnvironment, Optional<String> model, Duration timeout)
            throws IOException {
        Map<String, String> gitEnv = AgentEnvironment.build(settings, ctx.config(), processEnvironment,
                Files.createDirectories(ctx.workDir().resolve("git-home")), model, Optional.of(firstToken));
        return new Git(() -> AgentEnvironment.withToken(gitEnv, settings, token.value()), timeout);
    }

    /** The agent's environment: its own HOME, and the token of the moment only when it pushes itself. */
    public Map<String, String> agentEnvironment(JobContext ctx, Map<String, String> processEnvironment,
                                                java.nio.file.Path home, Optional<String> model, boolean agentPushes)
            throws IOException {
        return new java.util.HashMap<>(AgentEnvironment.build(settings, ctx.config(), processEnvironment, home, model,
                agentPushes ? Optional.of(token.value()) : Optional.empty()));
    }
}
