package io.roomote.jobs.github;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.roomote.core.config.ConfigurationException;
import io.roomote.core.config.Settings;
import io.roomote.core.extension.IssueSource;
import io.roomote.core.queue.EnqueueRequest;
import io.roomote.core.store.Json;

import java.io.IOException;
import java.time.Clock;

/**
 * {@code roomote enqueue}'s GitHub side: reads a real issue through the GitHub API (a token, or a GitHub App's
 * installation token for the repository) and names the {@code github.issue.fix} job for it.
 */
public final class GitHubIssueSource implements IssueSource {

    static final String FIX_TYPE = "github.issue.fix";

    private final Settings settings;
    private final Clock clock;
    private final ObjectMapper mapper = Json.newMapper();

    public GitHubIssueSource(Settings settings, Clock clock) {
        this.settings = settings;
        this.clock = clock;
    }

    @Override
    public EnqueueRequest jobFor(String repo, int issue) throws Refused {
        String apiUrl = GitHubCredentials.apiUrl(settings);
        GitHubCredentials credentials;
        try {
            credentials = GitHubCredentials.from(settings).orElseThrow(() -> new Refused("no GitHub credentials:"
                    + " set " + GitHubCredentials.NEEDED + " to read the issue (e.g. export GH_TOKEN=$(gh auth token))"));
        } catch (ConfigurationException e) {
            throw new Refused(e.getMessage());
        }
        GitHubApi.TokenSource token = credentials.tokenSource(repo, clock);
        GitHubApi.IssueInfo info;
        try {
            token.token(); // an App mints its token here: a refusal is its own clear line, not a "not found"
            info = new GitHubApi(apiUrl, token).issue(repo, issue).orElseThrow(() -> new Refused("issue #"
                    + issue + " was not found in " + repo + " (or the "
                    + (credentials instanceof GitHubCredentials.App ? "GitHub App" : "token") + " cannot see it)"));
        } catch (Refused e) {
            throw e;
        } catch (IOException e) {
            if (credentials instanceof GitHubCredentials.App app && app.refusal(e, repo).isPresent()) {
                throw new Refused(app.refusal(e, repo).get());
            }
            throw new Refused("cannot read " + repo + "#" + issue + " from GitHub at " + apiUrl + ": " + e.getMessage());
        }
        if (info.pullRequest()) {
            throw new Refused("#" + issue + " in " + repo + " is a pull request, not an issue");
        }
        ObjectNode payload = mapper.createObjectNode();
        payload.put("repo", repo).put("issue", issue).put("title", info.title()).put("body", info.body() == null ? "" : info.body());
        payload.set("labels", mapper.valueToTree(info.labels()));
        return new EnqueueRequest(FIX_TYPE, payload, null, null);
    }
}
