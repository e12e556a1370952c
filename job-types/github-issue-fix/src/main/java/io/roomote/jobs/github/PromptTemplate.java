package io.roomote.jobs.github;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The agent's first prompt. By default the original Roomote template, to the character; a team can replace it
 * with a file ({@code ROOMOTE_PROMPT_TEMPLATE}) using the same placeholders: {@code ${repo}}, {@code ${issue}},
 * {@code ${title}}, {@code ${body}}, {@code ${labels}} (the "Labels: a, b" line, empty without labels) and
 * {@code ${branch}} (the branch to push, {@code fix-<issue>} unless that exists already).
 */
public final class PromptTemplate {

    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{(repo|issue|title|body|labels|branch)}");

    private final String template;

    private PromptTemplate(String template) {
        this.template = template;
    }

    public static PromptTemplate original() {
        return resource("prompt-template.txt");
    }

    /**
     * The original template for an agent that cannot push ({@code ROOMOTE_PUSH=host}): it asks the agent to
     * commit on the branch and leaves pushing and the pull request to Roomote.
     */
    public static PromptTemplate hostPush() {
        return resource("prompt-template-host-push.txt");
    }

    private static PromptTemplate resource(String name) {
        try (InputStream in = PromptTemplate.class.getResourceAsStream(name)) {
            return new PromptTemplate(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static PromptTemplate fromFile(Path file) throws IOException {
        return new PromptTemplate(Files.readString(file, StandardCharsets.UTF_8));
    }

    public String render(String repo, int issue, String title, String body, List<String> labels, String branch) {
        Map<String, String> values = Map.of(
                "repo", repo,
                "issue", String.valueOf(issue),
                "title", title == null ? "" : title,
                "body", body == null ? "" : body,
                "labels", labels == null || labels.isEmpty() ? "" : "Labels: " + String.join(", ", labels),
                "branch", branch);
        // One pass, so a "${title}" typed inside an issue body is not expanded again.
        Matcher m = PLACEHOLDER.matcher(template);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(values.get(m.group(1))));
        }
        m.appendTail(out);
        return out.toString();
    }
}
