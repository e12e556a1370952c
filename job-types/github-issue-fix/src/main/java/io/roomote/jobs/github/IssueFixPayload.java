package io.roomote.jobs.github;

import java.util.List;

/**
 * The payload of {@code github.issue.fix}, as the original: {@code {repo, issue, title, body, labels?}}, plus
 * the optional choice of {@code agent} and {@code model}, and a lower model budget than the runner's
 * ({@code maxCostUsd}, {@code maxTokens}: a payload can lower {@code ROOMOTE_MAX_COST_USD} and
 * {@code ROOMOTE_MAX_TOKENS}, never raise them). Title, body and labels may be left out; they are
 * then read from GitHub before the agent starts.
 */
public record IssueFixPayload(String repo, Integer issue, String title, String body, List<String> labels,
                              String agent, String model, Double maxCostUsd, Long maxTokens) {

    public IssueFixPayload(String repo, Integer issue, String title, String body, List<String> labels, String agent,
                           String model) {
        this(repo, issue, title, body, labels, agent, model, null, null);
    }

    public String owner() {
        return repo.substring(0, repo.indexOf('/'));
    }

    public String name() {
        return repo.substring(repo.indexOf('/') + 1);
    }
}
