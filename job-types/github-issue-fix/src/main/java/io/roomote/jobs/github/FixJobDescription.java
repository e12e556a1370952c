package io.roomote.jobs.github;

import io.roomote.spi.JobDescription;

import java.util.Map;
import java.util.Optional;

/**
 * How Roomote speaks of a fix job in Slack threads, for the runner and the Jenkins step alike: "Creating a pull
 * request for GitHub Issue #7" with the issue's link, then "Pull request created" with the PR's — or, for a job
 * skipped because a pull request was already open, "Pull request already open" with that one's.
 */
public final class FixJobDescription {

    private FixJobDescription() {
    }

    /** @param serverUrl GitHub's web address ({@code GITHUB_SERVER_URL}), without a trailing slash */
    public static JobDescription of(String serverUrl, String repo, int issue, Optional<Map<String, Object>> result) {
        JobDescription.Link subject = new JobDescription.Link("GitHub Issue #" + issue,
                serverUrl + "/" + repo + "/issues/" + issue);
        Optional<JobDescription.Made> made = result.flatMap(r -> text(r, "prUrl").map(url -> new JobDescription.Made(
                text(r, "outcome").filter(Outcome.SKIPPED.value()::equals).isPresent() ? "Pull request already open"
                        : "Pull request created", new JobDescription.Link(prNumber(r).map(n -> "PR #" + n).orElse(url), url))));
        return new JobDescription("Creating a pull request for", subject, made);
    }

    private static Optional<String> text(Map<String, Object> result, String field) {
        return result.get(field) instanceof String s && !s.isBlank() ? Optional.of(s) : Optional.empty();
    }

    private static Optional<Long> prNumber(Map<String, Object> result) {
        return result.get("prNumber") instanceof Number n && n.longValue() > 0 ? Optional.of(n.longValue()) : Optional.empty();
    }
}
