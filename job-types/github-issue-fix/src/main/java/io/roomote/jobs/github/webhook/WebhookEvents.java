package io.roomote.jobs.github.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import io.roomote.jobs.github.GitHubNames;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Decides what a GitHub event means for Roomote, applying the trigger policy. Pure: no I/O, so the
 * standalone runner and the Jenkins plugin make the same decisions.
 */
public final class WebhookEvents {

    /** Marks Roomote's own comments so that they never trigger it. */
    public static final String OWN_COMMENT_MARKER = "<!-- roomote -->";
    private static final Pattern FIXES = Pattern.compile("(?i)\\b(?:fix(?:es|ed)?|close[sd]?|resolve[sd]?)\\s+#(\\d+)\\b");

    private WebhookEvents() {
    }

    /** As {@link #decide(String, JsonNode, TriggerPolicy, ReviewTriggers)} with review rounds off. */
    public static WebhookDecision decide(String event, JsonNode payload, TriggerPolicy policy) {
        return decide(event, payload, policy, ReviewTriggers.OFF);
    }

    public static WebhookDecision decide(String event, JsonNode payload, TriggerPolicy policy, ReviewTriggers review) {
        if (event == null || event.isBlank()) {
            return new WebhookDecision.Ignore("event_ignored", "no X-GitHub-Event header");
        }
        String action = payload.path("action").asText("");
        return switch (event) {
            case "ping" -> new WebhookDecision.Ignore("pong", "ping");
            case "issues" -> issues(action, payload, policy);
            case "issue_comment" -> comment(action, payload, policy, review);
            case "pull_request" -> pullRequest(action, payload);
            case "pull_request_review" -> review(action, payload, policy, review);
            case "pull_request_review_comment" -> reviewComment(action, payload, policy, review);
            case "check_run", "check_suite" -> check(event, action, payload, policy, review);
            default -> new WebhookDecision.Ignore("event_ignored", "event " + event + " is not used");
        };
    }

    private static WebhookDecision issues(String action, JsonNode p, TriggerPolicy base) {
        String repo = p.at("/repository/full_name").asText();
        TriggerPolicy policy = base.forRepo(repo);
        JsonNode issue = p.path("issue");
        if (action.equals("opened")) {
            if (!policy.onOpened()) {
                return new WebhookDecision.Ignore("action_ignored", "opening an issue does not start an agent here");
            }
            return check(policy, repo, issue, p.path("sender"), issue.path("author_association").asText(""), "issues.opened");
        }
        if (action.equals("labeled")) {
            String label = p.at("/label/name").asText("");
            if (policy.triggerLabel().isEmpty() || !policy.triggerLabel().get().equalsIgnoreCase(label)) {
                return new WebhookDecision.Ignore("action_ignored", "label " + label + " is not the trigger label");
            }
            // Only people with triage access can label; still, bots are not followed.
            return check(policy, repo, issue, p.path("sender"), null, "issues.labeled");
        }
        return new WebhookDecision.Ignore("action_ignored", "issues." + action + " is not used");
    }

    private static WebhookDecision comment(String action, JsonNode p, TriggerPolicy base, ReviewTriggers review) {
        if (!action.equals("created")) {
            return new WebhookDecision.Ignore("action_ignored", "issue_comment." + action + " is not used");
        }
        String repo = p.at("/repository/full_name").asText();
        TriggerPolicy policy = base.forRepo(repo);
        String body = p.at("/comment/body").asText("");
        if (body.contains(OWN_COMMENT_MARKER)) {
            return new WebhookDecision.Ignore("action_ignored", "Roomote's own comment");
        }
        if (p.at("/issue/pull_request").isObject()) {
            if (!review.mentionedIn(body)) {
                return review.mention().isEmpty() && mentions(policy, body)
                        ? new WebhookDecision.Reject("comments on pull requests do not start an agent here")
                        : new WebhookDecision.Ignore("action_ignored", "the comment does not mention "
                        + review.mention().orElse("Roomote"));
            }
            // The issue_comment payload has the pull request as an issue: its head is not there, so GitHub is asked.
            return revise(policy, repo, p.path("issue").path("number"), null, p.path("comment"), "comment");
        }
        if (!mentions(policy, body)) {
            return new WebhookDecision.Ignore("action_ignored", "the comment does not mention " + policy.mention().orElse("Roomote"));
        }
        return check(policy, repo, p.path("issue"), p.path("comment").path("user"),
                p.at("/comment/author_association").asText(""), "issue_comment.created");
    }

    private static boolean mentions(TriggerPolicy policy, String body) {
        return policy.mention().isPresent() && body.toLowerCase(Locale.ROOT).contains(policy.mention().get().toLowerCase(Locale.ROOT));
    }

    private static WebhookDecision review(String action, JsonNode p, TriggerPolicy base, ReviewTriggers review) {
        if (!action.equals("submitted")) {
            return new WebhookDecision.Ignore("action_ignored", "pull_request_review." + action + " is not used");
        }
        String repo = p.at("/repository/full_name").asText();
        JsonNode r = p.path("review");
        String body = r.path("body").asText("");
        if (body.contains(OWN_COMMENT_MARKER)) {
            return new WebhookDecision.Ignore("action_ignored", "Roomote's own review");
        }
        if (!review.mentionedIn(body)) {
            return new WebhookDecision.Ignore("action_ignored", "the review does not mention " + review.mention().orElse("Roomote"));
        }
        return revise(base.forRepo(repo), repo, p.at("/pull_request/number"), p.path("pull_request"), r, "review");
    }

    private static WebhookDecision reviewComment(String action, JsonNode p, TriggerPolicy base, ReviewTriggers review) {
        if (!action.equals("created")) {
            return new WebhookDecision.Ignore("action_ignored", "pull_request_review_comment." + action + " is not used");
        }
        String repo = p.at("/repository/full_name").asText();
        JsonNode c = p.path("comment");
        String body = c.path("body").asText("");
        if (body.contains(OWN_COMMENT_MARKER)) {
            return new WebhookDecision.Ignore("action_ignored", "Roomote's own comment");
        }
        if (!review.mentionedIn(body)) {
            return new WebhookDecision.Ignore("action_ignored", "the comment does not mention " + review.mention().orElse("Roomote"));
        }
        return revise(base.forRepo(repo), repo, p.at("/pull_request/number"), p.path("pull_request"), c, "review_comment");
    }

    /**
     * A mention on a pull request by {@code item}'s author (a review or comment: {@code id}, {@code user},
     * {@code author_association}); {@code pr} is the payload's pull request object, missing for issue comments.
     */
    private static WebhookDecision revise(TriggerPolicy policy, String repo, JsonNode number, JsonNode pr, JsonNode item,
                                          String trigger) {
        WebhookDecision refused = refusedRepo(policy, repo, number);
        if (refused != null) {
            return refused;
        }
        JsonNode actor = item.path("user");
        if (isBot(actor)) {
            return new WebhookDecision.Reject("triggered by a bot (" + actor.path("login").asText() + ")");
        }
        String association = item.path("author_association").asText("");
        if (!policy.allowedAssociations().contains(association.toUpperCase(Locale.ROOT))) {
            return new WebhookDecision.Reject("author association " + (association.isEmpty() ? "NONE" : association)
                    + " of " + actor.path("login").asText("?") + " is not allowed (allowed: "
                    + String.join(", ", policy.allowedAssociations()) + ")");
        }
        if (!item.path("id").canConvertToLong()) {
            return new WebhookDecision.Ignore("action_ignored", "the payload has no " + trigger + " id");
        }
        WebhookDecision.PullRequestRef ref = pr == null || !pr.isObject()
                ? new WebhookDecision.PullRequestRef(number.intValue(), null, null, null, null, null)
                : new WebhookDecision.PullRequestRef(number.intValue(), null, pr.path("body").asText(""),
                        pr.at("/user/login").asText(null), pr.at("/head/repo/full_name").asText(null),
                        "open".equals(pr.path("state").asText()));
        return new WebhookDecision.RevisePullRequest(repo, List.of(ref), trigger, item.path("id").longValue(),
                actor.path("login").asText(null));
    }

    /** A failed check on a pull request: only with {@code ROOMOTE_FIX_CHECKS=true}, only failures. */
    private static WebhookDecision check(String event, String action, JsonNode p, TriggerPolicy base, ReviewTriggers review) {
        if (!review.fixChecks()) {
            return new WebhookDecision.Ignore("event_ignored", event + " starts nothing unless ROOMOTE_FIX_CHECKS=true");
        }
        if (!action.equals("completed")) {
            return new WebhookDecision.Ignore("action_ignored", event + "." + action + " is not used");
        }
        JsonNode check = p.path(event);
        String conclusion = check.path("conclusion").asText("");
        boolean failed = conclusion.equals("failure") || event.equals("check_run") && conclusion.equals("timed_out");
        if (!failed) {
            return new WebhookDecision.Ignore("action_ignored", event + " concluded " + (conclusion.isEmpty() ? "nothing" : conclusion));
        }
        String repo = p.at("/repository/full_name").asText();
        List<WebhookDecision.PullRequestRef> prs = new ArrayList<>();
        for (JsonNode pr : check.path("pull_requests")) {
            // GitHub lists pull requests of this repository only; a fork's are absent, and so never fixed.
            if (isIssueNumber(pr.path("number")) && pr.at("/head/ref").isTextual() && prs.size() < 3) {
                prs.add(new WebhookDecision.PullRequestRef(pr.path("number").intValue(), pr.at("/head/ref").asText(),
                        null, null, null, null));
            }
        }
        if (prs.isEmpty()) {
            return new WebhookDecision.Ignore("action_ignored", event + " is on no pull request");
        }
        WebhookDecision refused = refusedRepo(base.forRepo(repo), repo, check.path("pull_requests").path(0).path("number"));
        if (refused != null) {
            return refused;
        }
        if (!check.path("id").canConvertToLong()) {
            return new WebhookDecision.Ignore("action_ignored", "the payload has no " + event + " id");
        }
        return new WebhookDecision.RevisePullRequest(repo, List.copyOf(prs), event, check.path("id").longValue(), null);
    }

    /** The repository and number checks every trigger shares; null when they pass. */
    private static WebhookDecision refusedRepo(TriggerPolicy policy, String repo, JsonNode number) {
        if (repo.isBlank() || number == null || number.isMissingNode()) {
            return new WebhookDecision.Ignore("action_ignored", "the payload has no repository or pull request");
        }
        if (!GitHubNames.isRepo(repo)) {
            return new WebhookDecision.Reject("repository.full_name is not a GitHub owner/name");
        }
        if (!isIssueNumber(number)) {
            return new WebhookDecision.Reject("pull request number " + abbreviate(number.toString()) + " is not a valid number");
        }
        if (!policy.allowsRepo(repo)) {
            return new WebhookDecision.Reject("repository " + repo + " is not in ROOMOTE_ALLOWED_REPOS");
        }
        return null;
    }

    private static WebhookDecision check(TriggerPolicy policy, String repo, JsonNode issue, JsonNode actor,
                                         String association, String trigger) {
        if (repo.isBlank() || !issue.has("number")) {
            return new WebhookDecision.Ignore("action_ignored", "the payload has no repository or issue");
        }
        if (!GitHubNames.isRepo(repo)) {
            return new WebhookDecision.Reject("repository.full_name is not a GitHub owner/name");
        }
        JsonNode number = issue.get("number");
        if (!isIssueNumber(number)) {
            // asInt() would truncate 4294971538 (2^32 + 4242) to 4242: a job for another issue.
            return new WebhookDecision.Reject("issue number " + abbreviate(number.toString()) + " is not a valid issue number");
        }
        if (!policy.allowsRepo(repo)) {
            return new WebhookDecision.Reject("repository " + repo + " is not in ROOMOTE_ALLOWED_REPOS");
        }
        if (isBot(actor)) {
            return new WebhookDecision.Reject("triggered by a bot (" + actor.path("login").asText() + ")");
        }
        if (association != null && !policy.allowedAssociations().contains(association.toUpperCase(Locale.ROOT))) {
            return new WebhookDecision.Reject("author association " + (association.isEmpty() ? "NONE" : association)
                    + " of " + actor.path("login").asText("?") + " is not allowed (allowed: "
                    + String.join(", ", policy.allowedAssociations()) + ")");
        }
        List<String> labels = new ArrayList<>();
        issue.path("labels").forEach(l -> labels.add(l.path("name").asText()));
        if (policy.requiredLabel().isPresent() && labels.stream().noneMatch(l -> l.equalsIgnoreCase(policy.requiredLabel().get()))) {
            return new WebhookDecision.Reject("the issue lacks the required label " + policy.requiredLabel().get());
        }
        return new WebhookDecision.FixIssue(repo, number.intValue(), issue.path("title").asText(""),
                issue.path("body").isNull() ? "" : issue.path("body").asText(""), labels, trigger);
    }

    static boolean isBot(JsonNode actor) {
        return "Bot".equalsIgnoreCase(actor.path("type").asText()) || actor.path("login").asText("").endsWith("[bot]");
    }

    private static WebhookDecision pullRequest(String action, JsonNode p) {
        if (!action.equals("opened")) {
            return new WebhookDecision.Ignore("action_ignored", "pull_request." + action + " is not used");
        }
        JsonNode pr = p.path("pull_request");
        Optional<Integer> issue = referencedIssue(pr.path("title").asText("")).or(() -> referencedIssue(pr.path("body").asText("")));
        if (issue.isEmpty()) {
            return new WebhookDecision.Ignore("no_issue_reference_found", "no fixes/closes/resolves #N");
        }
        if (!GitHubNames.isRepo(p.at("/repository/full_name").asText()) || !isIssueNumber(pr.path("number"))) {
            return new WebhookDecision.Ignore("action_ignored", "the payload has no valid repository or pull request number");
        }
        return new WebhookDecision.PullRequestOpened(p.at("/repository/full_name").asText(), issue.get(),
                pr.path("html_url").asText(), pr.path("number").intValue());
    }

    /** A positive integer that fits an int: GitHub's issue and pull request numbers. */
    static boolean isIssueNumber(JsonNode n) {
        return n != null && n.isIntegralNumber() && n.canConvertToInt() && n.intValue() > 0;
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "…";
    }

    /** The first {@code fixes|closes|resolves #N} in {@code text} whose N can be an issue number. */
    public static Optional<Integer> referencedIssue(String text) {
        Matcher m = FIXES.matcher(text == null ? "" : text);
        while (m.find()) {
            // "#99999999999" is no issue (numbers are ints); look on for a real one.
            String digits = m.group(1);
            if (digits.length() <= 10) {
                long n = Long.parseLong(digits);
                if (n > 0 && n <= Integer.MAX_VALUE) {
                    return Optional.of((int) n);
                }
            }
        }
        return Optional.empty();
    }
}
