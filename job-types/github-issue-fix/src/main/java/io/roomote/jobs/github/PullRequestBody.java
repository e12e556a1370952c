package io.roomote.jobs.github;

import io.roomote.agents.AgentUsage;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The body of a pull request Roomote opens: {@code Fixes #N}, the agent's own final words (trimmed and made
 * harmless: they are attacker-influenced text), the files changed, tokens and cost, the job's dashboard page,
 * and Roomote's hidden marker ({@link GitHubApi#marker}).
 */
public final class PullRequestBody {

    static final int MAX_SUMMARY_LINES = 6;
    static final int MAX_SUMMARY_CHARS = 600;
    static final int MAX_FILES = 30;

    private static final Pattern HTML_COMMENT = Pattern.compile("<!--.*?(-->|$)", Pattern.DOTALL);
    /** {@code @login} or {@code @org/team}: GitHub would notify them. */
    private static final Pattern MENTION = Pattern.compile("@(?=[A-Za-z0-9])");
    /** {@code #12} or {@code owner/repo#12}: a closing keyword before it would close that issue on merge. */
    private static final Pattern REFERENCE = Pattern.compile("#(?=\\d)");
    private static final String ZERO_WIDTH_SPACE = "\u200B";

    private PullRequestBody() {
    }

    /**
     * @param issueUrl      the issue on GitHub
     * @param agentMessage  what the agent's driver reported at the end
     * @param files         {@code git diff --name-only base..tip}
     * @param jobPage       the job's dashboard page, when {@code ROOMOTE_PUBLIC_URL} is set
     */
    static String render(int issue, String issueUrl, long jobId, String agentName, String agentMessage,
                         List<String> files, AgentUsage usage, Optional<String> jobPage) {
        StringBuilder b = new StringBuilder();
        b.append("Fixes #").append(issue).append("\n\nResolves ").append(issueUrl).append("\n\n");
        List<String> summary = summary(agentMessage);
        if (!summary.isEmpty()) {
            b.append("### Summary\n\nIn the agent's words:\n\n");
            summary.forEach(line -> b.append("> ").append(line).append('\n'));
            b.append('\n');
        }
        b.append("### Files changed (").append(files.size()).append(")\n\n");
        files.stream().limit(MAX_FILES).forEach(f -> b.append("- `").append(neutralise(f).replace('`', '\'')).append("`\n"));
        if (files.size() > MAX_FILES) {
            b.append("- … and ").append(files.size() - MAX_FILES).append(" more\n");
        }
        b.append("\n### Cost\n\n").append(cost(usage)).append("\n\n");
        b.append("Opened by Roomote, job ").append(jobId).append(" (agent ").append(agentName).append(")")
                .append(jobPage.map(url -> ": " + url).orElse(".")).append('\n');
        b.append(GitHubApi.marker(jobId)).append('\n');
        return b.toString();
    }

    /** The first lines of the agent's message, each made harmless, blank lines dropped. */
    public static List<String> summary(String message) {
        if (message == null) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        int chars = 0;
        for (String line : neutralise(message).split("\\R")) {
            String l = line.strip();
            if (l.isEmpty()) {
                continue;
            }
            if (out.size() == MAX_SUMMARY_LINES || chars >= MAX_SUMMARY_CHARS) {
                out.add("…");
                break;
            }
            if (chars + l.length() > MAX_SUMMARY_CHARS) {
                l = l.substring(0, MAX_SUMMARY_CHARS - chars) + " …";
            }
            chars += l.length();
            out.add(l);
        }
        return out;
    }

    /**
     * Text that can notify nobody, close nothing and hide nothing: HTML comments (where a forged marker could
     * hide) are removed and other tags shown as text; mentions and issue references get a zero-width space.
     */
    public static String neutralise(String text) {
        String s = HTML_COMMENT.matcher(text).replaceAll("");
        s = s.replace("<", "&lt;");
        s = MENTION.matcher(s).replaceAll("@" + ZERO_WIDTH_SPACE);
        return REFERENCE.matcher(s).replaceAll("#" + ZERO_WIDTH_SPACE);
    }

    public static String cost(AgentUsage usage) {
        if (usage == null || usage.tokensIn() == null && usage.tokensOut() == null && usage.costUsd() == null) {
            return "Tokens and cost: not reported.";
        }
        String tokens = "Tokens: " + count(usage.tokensIn()) + " in, " + count(usage.tokensOut()) + " out";
        String cost = usage.costUsd() == null ? "cost not reported"
                : "cost $" + String.format(Locale.ROOT, "%.4f", usage.costUsd());
        return tokens + "; " + cost + (usage.model() == null ? "" : " (model " + neutralise(usage.model()) + ")") + ".";
    }

    private static String count(Long n) {
        return n == null ? "?" : String.format(Locale.ROOT, "%,d", n);
    }
}
