package io.roomote.jobs.github;

import java.util.List;

/**
 * The payload of {@code github.issue.fix}, as the original: {@code {repo, issue, title, body, labels?}}, plus
 * the optional choice of {@code agent} and {@code model}. Title, body and labels may be left out; they are
 * then read from GitHub before the agent starts.
 */
public record IssueFixPayload(String repo, Integer issue, String title, String body, List<String> labels,
                              String agent, String model) {

    public String owner() {
        return repo.substring(0, repo.indexOf('/'));
    }

    public String name() {
        return repo.substring(repo.indexOf('/') + 1);
    }
}
