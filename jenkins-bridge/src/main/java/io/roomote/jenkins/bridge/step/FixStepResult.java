package io.roomote.jenkins.bridge.step;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import io.roomote.core.execution.JobOutcome;
import io.roomote.spi.Cancellation;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What one {@code roomoteFix} call produced: the {@code github.issue.fix} result's fields plus how the job
 * ended ({@code status}: completed, failed or cancelled, as in {@code cloud_jobs}) and its error. The step
 * returns {@link #toMap()}; {@link #failure(boolean)} decides whether the step fails.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record FixStepResult(long jobId, String repo, int issue, String status, String outcome, String prUrl,
                            Integer prNumber, String branch, String wipBranch, Integer commits, String agent,
                            String model, Double costUsd, Long tokensIn, Long tokensOut, Long durationMs,
                            String error, String reason) {

    public static final String COMPLETED = "completed";
    public static final String FAILED = "failed";
    public static final String CANCELLED = "cancelled";

    /** Maps the runner's outcome of one attempt. */
    public static FixStepResult from(long jobId, String repo, int issue, JobOutcome outcome) {
        if (outcome instanceof JobOutcome.Succeeded s) {
            return of(jobId, repo, issue, COMPLETED, s.result(), null);
        }
        if (outcome instanceof JobOutcome.Failed f) {
            return of(jobId, repo, issue, FAILED, f.result(), f.error());
        }
        JobOutcome.Stopped s = (JobOutcome.Stopped) outcome;
        FixStepResult r = of(jobId, repo, issue, s.reason() == Cancellation.Reason.CANCELLED ? CANCELLED : FAILED,
                s.result(), s.message());
        if (r.outcome() == null) {
            String o = s.reason() == Cancellation.Reason.TIMED_OUT ? "timed_out"
                    : s.reason() == Cancellation.Reason.CANCELLED ? "cancelled" : null;
            r = r.withOutcome(o);
        }
        return r;
    }

    /** A run that produced no result at all (the worker could not start, Jenkins restarted, …). */
    public static FixStepResult failedWithoutResult(long jobId, String repo, int issue, String error) {
        return new FixStepResult(jobId, repo, issue, FAILED, null, null, null, null, null, null, null, null, null,
                null, null, null, error, null);
    }

    private static FixStepResult of(long jobId, String repo, int issue, String status, JsonNode r, String error) {
        JsonNode n = r == null ? com.fasterxml.jackson.databind.node.MissingNode.getInstance() : r;
        return new FixStepResult(jobId, text(n, "repo").orElse(repo), n.hasNonNull("issue") ? n.get("issue").asInt() : issue,
                status, text(n, "outcome").orElse(null), text(n, "prUrl").orElse(null),
                n.hasNonNull("prNumber") ? n.get("prNumber").asInt() : null, text(n, "branch").orElse(null),
                text(n, "wipBranch").orElse(null), n.hasNonNull("commits") ? n.get("commits").asInt() : null,
                text(n, "agent").orElse(null), text(n, "model").orElse(null),
                n.hasNonNull("costUsd") ? n.get("costUsd").asDouble() : null,
                n.hasNonNull("tokensIn") ? n.get("tokensIn").asLong() : null,
                n.hasNonNull("tokensOut") ? n.get("tokensOut").asLong() : null,
                n.hasNonNull("durationMs") ? n.get("durationMs").asLong() : null,
                error, text(n, "reason").orElse(null));
    }

    private static Optional<String> text(JsonNode n, String field) {
        return n.hasNonNull(field) ? Optional.of(n.get(field).asText()) : Optional.empty();
    }

    private FixStepResult withOutcome(String o) {
        return new FixStepResult(jobId, repo, issue, status, o, prUrl, prNumber, branch, wipBranch, commits, agent, model,
                costUsd, tokensIn, tokensOut, durationMs, error, reason);
    }

    /**
     * This result with its pull request URL kept only when {@link PullRequestUrl#accept acceptable} for the GitHub
     * server {@code serverUrl}; otherwise the URL is dropped (no pull request: the step fails when failOnNoPr) and
     * the error says why.
     */
    public FixStepResult acceptPrUrl(String serverUrl) {
        if (prUrl == null || PullRequestUrl.accept(prUrl, serverUrl).isPresent()) {
            return this;
        }
        String server = serverUrl == null || serverUrl.isBlank() ? PullRequestUrl.DEFAULT_SERVER : serverUrl;
        String why = "the worker reported a pull request URL that is not an https:// URL under " + server + "; it was refused";
        return new FixStepResult(jobId, repo, issue, FAILED, outcome, null, null, branch, wipBranch, commits, agent, model,
                costUsd, tokensIn, tokensOut, durationMs, error == null ? why : error + "; " + why, reason);
    }

    /** True when a pull request exists for the work (opened now, or already open before). */
    public boolean hasPullRequest() {
        return prUrl != null && !prUrl.isBlank();
    }

    /**
     * Whether the step fails, and with which message. A pull request is success; no pull request fails the
     * step when {@code failOnNoPr} (the default), saying why and where unfinished work went.
     */
    public Optional<String> failure(boolean failOnNoPr) {
        if (hasPullRequest() || !failOnNoPr) {
            return Optional.empty();
        }
        StringBuilder m = new StringBuilder("roomoteFix: no pull request for ").append(repo).append('#').append(issue);
        if (outcome != null) {
            m.append(" (").append(outcome).append(')');
        }
        String why = io.roomote.core.events.JobEnd.withoutPrefix(error != null ? error : reason, outcome);
        if (why != null) {
            m.append(": ").append(why);
        }
        if (wipBranch != null) {
            m.append("; unfinished work was pushed to branch ").append(wipBranch);
        }
        m.append(" (set failOnNoPr: false to go on without a pull request)");
        return Optional.of(m.toString());
    }

    /** One line for the build console. */
    public String summary() {
        StringBuilder s = new StringBuilder("Roomote ").append(repo).append('#').append(issue).append(": ");
        if (hasPullRequest()) {
            s.append("pull request ").append(prUrl);
        } else {
            s.append("no pull request");
        }
        s.append(" — ").append(outcome != null ? outcome : status);
        if (costUsd != null) {
            s.append(String.format(Locale.ROOT, ", cost $%.2f", costUsd));
        }
        if (wipBranch != null) {
            s.append(", unfinished work on ").append(wipBranch);
        }
        if (!hasPullRequest() && (error != null || reason != null)) {
            s.append(" (").append(io.roomote.core.events.JobEnd.withoutPrefix(error != null ? error : reason, outcome)).append(')');
        }
        return s.toString();
    }

    /** The step's return value: only Strings, numbers and booleans, safe for a Pipeline to keep. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("success", hasPullRequest());
        m.put("status", status);
        put(m, "outcome", outcome);
        put(m, "prUrl", prUrl);
        put(m, "prNumber", prNumber);
        put(m, "branch", branch);
        put(m, "wipBranch", wipBranch);
        put(m, "commits", commits);
        put(m, "agent", agent);
        put(m, "model", model);
        put(m, "costUsd", costUsd);
        put(m, "tokensIn", tokensIn);
        put(m, "tokensOut", tokensOut);
        put(m, "durationMs", durationMs);
        put(m, "error", error);
        put(m, "reason", reason);
        m.put("repo", repo);
        m.put("issue", issue);
        m.put("jobId", jobId);
        return m;
    }

    private static void put(Map<String, Object> m, String k, Object v) {
        if (v != null) {
            m.put(k, v);
        }
    }
}
