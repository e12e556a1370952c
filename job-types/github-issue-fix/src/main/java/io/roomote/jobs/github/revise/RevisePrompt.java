package io.roomote.jobs.github.revise;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The agent's prompt for a review round: the pull request, then each piece of feedback with its file and line,
 * fenced (people's text is untrusted: a fence longer than any backtick run inside it, so it cannot close it), and
 * the rules — new commits only, never a force-push or a rewrite of pushed history; commit and let Roomote push
 * ({@code ROOMOTE_PUSH=host}) or push to the same branch ({@code agent}).
 */
final class RevisePrompt {

    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{(repo|pr|title|branch|feedback)}");
    private static final Pattern BACKTICKS = Pattern.compile("`+");

    private RevisePrompt() {
    }

    static String render(boolean hostPush, String repo, int pr, String title, String branch,
                         List<ReviewFeedback.Item> items) {
        String template = resource(hostPush ? "prompt-template-revise-host-push.txt" : "prompt-template-revise.txt");
        Map<String, String> values = Map.of("repo", repo, "pr", String.valueOf(pr), "title", title == null ? "" : title,
                "branch", branch, "feedback", feedback(items));
        // One pass, so a "${branch}" typed inside a comment is not expanded.
        Matcher m = PLACEHOLDER.matcher(template);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(values.get(m.group(1))));
        }
        m.appendTail(out);
        return out.toString();
    }

    static String feedback(List<ReviewFeedback.Item> items) {
        StringBuilder b = new StringBuilder();
        int n = 0;
        for (ReviewFeedback.Item i : items) {
            b.append("### ").append(++n).append(". ").append(switch (i.kind()) {
                case "review" -> "Review";
                case "review_comment" -> "Review comment";
                case "check_run" -> "Failing check";
                default -> "Comment";
            });
            if (i.author() != null) {
                b.append(" by ").append(i.author());
            }
            if (i.path() != null) {
                b.append(" on ").append(i.path()).append(i.line() == null ? "" : ":" + i.line());
            }
            b.append("\n\n");
            if (i.diffHunk() != null) {
                b.append("The diff it is about:\n").append(fence(i.diffHunk(), "diff")).append('\n');
            }
            if (!i.thread().isEmpty()) {
                b.append("Earlier in this thread:\n").append(fence(String.join("\n", i.thread()), "")).append('\n');
            }
            b.append(fence(i.body(), "")).append("\n\n");
        }
        return b.toString().strip();
    }

    /** A Markdown fence longer than any run of backticks in {@code text}. */
    static String fence(String text, String info) {
        int longest = 0;
        Matcher m = BACKTICKS.matcher(text);
        while (m.find()) {
            longest = Math.max(longest, m.group().length());
        }
        String f = "`".repeat(Math.max(3, longest + 1));
        return f + info + "\n" + text + "\n" + f;
    }

    private static String resource(String name) {
        try (InputStream in = RevisePrompt.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
