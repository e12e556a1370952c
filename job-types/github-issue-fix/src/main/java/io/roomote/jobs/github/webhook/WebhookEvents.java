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

    public static WebhookDecision decide(String event, JsonNode payload, TriggerPolicy policy) {
        if (event == null || event.isBlank()) {
            return new WebhookDecision.Ignore("event_ignored", "no X-GitHub-Event header");
        }
        String action = payload.path("action").asText("");
        return switch (event) {
            case "ping" -> new WebhookDecision.Ignore("pong", "ping");
            case "issues" -> issues(action, payload, policy);
            case "issue_comment" -> comment(action, payload, policy);
            case "pull_request" -> pullRequest(action, payload);
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

    private static WebhookDecision comment(String action, JsonNode p, TriggerPolicy base) {
        if (!action.equals("created")) {
            return new WebhookDecision.Ignore("action_ignored", "issue_comment." + action + " is not used");
        }
        String repo = p.at("/repository/full_name").asText();
        TriggerPolicy policy = base.forRepo(repo);
        String body = p.at("/comment/body").asText("");
        if (body.contains(OWN_COMMENT_MARKER)) {
            return new WebhookDecision.Ignore("action_ignored", "Roomote's own comment");
        }
        if (policy.mention().isEmpty() || !body.toLowerCase(Locale.ROOT).contains(policy.mention().get().toLowerCase(Locale.ROOT))) {
            return new WebhookDecision.Ignore("action_ignored", "the comment does not mention " + policy.mention().orElse("Roomote"));
        }
        if (p.at("/issue/pull_request").isObject()) {
            return new WebhookDecision.Reject("comments on pull requests do not start an agent");
        }
        return check(policy, repo, p.path("issue"), p.path("comment").path("user"),
                p.at("/comment/author_association").asText(""), "issue_comment.created");
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
