package io.roomote.jobs.github;

import io.roomote.core.config.ConfigurationException;
import io.roomote.spi.Configuration;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Settings of {@code github.issue.fix}, with the names GitHub Actions uses for the hosts so that GitHub
 * Enterprise (and test stand-ins) work unchanged.
 *
 * @param token        {@code GH_TOKEN} (or {@code GITHUB_TOKEN}): reads the issue, opens the PR, and lets the agent push
 * @param apiUrl       {@code GITHUB_API_URL}, default https://api.github.com
 * @param serverUrl    {@code GITHUB_SERVER_URL}, default https://github.com; clone URLs are {@code <serverUrl>/<owner>/<repo>.git}
 * @param agent        default agent ({@code ROOMOTE_AGENT}, default {@code roo-code})
 * @param model        default model ({@code OPENROUTER_MODEL}); empty means the agent's default
 * @param passthrough  extra variable names handed to the agent ({@code ROOMOTE_AGENT_ENV}, comma-separated)
 * @param githubAttempts attempts at a GitHub write that fails with 5xx, 429 or a network error
 *                     ({@code GITHUB_RETRY_ATTEMPTS}, default 4)
 * @param githubBackoff  wait before the second attempt, doubling after each ({@code GITHUB_RETRY_BACKOFF_MS}, 2000)
 * @param push         who pushes the branch and opens the pull request ({@code ROOMOTE_PUSH}); empty: Roomote
 *                     (host) whenever the agent is sandboxed, else the agent, as the original did
 * @param draftPr      {@code ROOMOTE_DRAFT_PR} (default true): a pull request Roomote opens starts as a draft and is
 *                     marked ready for review when the job ends well
 * @param reviewers    {@code ROOMOTE_REVIEWERS}: users and {@code org/team} slugs asked to review; empty: the issue's author
 * @param skipAssigned {@code ROOMOTE_SKIP_ASSIGNED} (default true): pre-flight skips an issue assigned to someone
 * @param app          a GitHub App ({@code GITHUB_APP_ID} and its key): when set, every job mints its own token with it
 *                     instead of using {@code token}
 */
public record IssueFixSettings(Optional<String> token, String apiUrl, String serverUrl, String agent,
                               Optional<String> model, String gitUserName, String gitUserEmail,
                               Optional<Path> promptTemplate, Path home, List<String> passthrough,
                               int githubAttempts, Duration githubBackoff, Optional<PushMode> push,
                               boolean draftPr, List<String> reviewers, boolean skipAssigned,
                               Optional<GitHubAppSettings> app) {

    /** Who pushes: {@code host} — Roomote, and the agent gets no GitHub token — or {@code agent}, as the original. */
    public enum PushMode {
        HOST, AGENT;

        public String value() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Never handed to an agent, whatever ROOMOTE_AGENT_ENV says. */
    static final Set<String> FORBIDDEN = Set.of("DATABASE_URL", "GH_WEBHOOK_SECRET", "SLACK_API_TOKEN",
            "ROOMOTE_API_TOKEN", "PGPASSWORD");

    public static IssueFixSettings from(Configuration c) {
        List<String> passthrough = c.get("ROOMOTE_AGENT_ENV").map(v -> Arrays.stream(v.split(","))
                .map(String::trim).filter(s -> !s.isEmpty()).toList()).orElse(List.of());
        for (String name : passthrough) {
            if (FORBIDDEN.contains(name)) {
                throw new ConfigurationException("ROOMOTE_AGENT_ENV must not hand " + name + " to the agent");
            }
        }
        String apiUrl = stripSlash(c.get("GITHUB_API_URL", "https://api.github.com"));
        String serverUrl = stripSlash(c.get("GITHUB_SERVER_URL", "https://github.com"));
        return new IssueFixSettings(
                c.get("GH_TOKEN").or(() -> c.get("GITHUB_TOKEN")),
                apiUrl, serverUrl,
                defaultAgent(c),
                c.get("OPENROUTER_MODEL"),
                c.get("ROOMOTE_GIT_USER_NAME", "Roomote"),
                c.get("ROOMOTE_GIT_USER_EMAIL", "roomote@users.noreply.github.com"),
                c.get("ROOMOTE_PROMPT_TEMPLATE").map(Path::of),
                Path.of(c.get("ROOMOTE_HOME", Path.of(System.getProperty("user.home"), ".roomote").toString())),
                passthrough,
                positiveInt(c, "GITHUB_RETRY_ATTEMPTS", 4),
                Duration.ofMillis(nonNegativeInt(c, "GITHUB_RETRY_BACKOFF_MS", 2000)),
                pushMode(c),
                bool(c, "ROOMOTE_DRAFT_PR", true),
                c.get("ROOMOTE_REVIEWERS").map(IssueFixSettings::reviewers).orElse(List.of()),
                bool(c, "ROOMOTE_SKIP_ASSIGNED", true),
                GitHubAppSettings.from(c));
    }

    private static boolean bool(Configuration c, String name, boolean defaultValue) {
        String raw = c.get(name).map(String::strip).orElse("");
        return switch (raw.toLowerCase(java.util.Locale.ROOT)) {
            case "" -> defaultValue;
            case "true" -> true;
            case "false" -> false;
            default -> throw new ConfigurationException(name + " must be true or false, got \"" + raw + "\"");
        };
    }

    /** GitHub logins ({@code alice}) and team slugs ({@code acme/reviewers}), comma-separated. */
    private static List<String> reviewers(String raw) {
        List<String> out = Arrays.stream(raw.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
        for (String r : out) {
            if (!r.matches("[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:/[A-Za-z0-9][A-Za-z0-9_.-]{0,99})?")) {
                throw new ConfigurationException("ROOMOTE_REVIEWERS must list GitHub logins or org/team slugs, comma-separated;"
                        + " \"" + r + "\" is neither");
            }
        }
        return out;
    }

    private static Optional<PushMode> pushMode(Configuration c) {
        Optional<String> raw = c.get("ROOMOTE_PUSH").map(String::strip).filter(v -> !v.isEmpty());
        if (raw.isEmpty()) {
            return Optional.empty();
        }
        return switch (raw.get().toLowerCase(java.util.Locale.ROOT)) {
            case "host" -> Optional.of(PushMode.HOST);
            case "agent" -> Optional.of(PushMode.AGENT);
            default -> throw new ConfigurationException("ROOMOTE_PUSH must be host (Roomote pushes; the agent gets no"
                    + " GitHub token) or agent (the agent pushes, as the original did), got \"" + raw.get() + "\"");
        };
    }

    private static int positiveInt(Configuration c, String name, int defaultValue) {
        int value = nonNegativeInt(c, name, defaultValue);
        if (value < 1) {
            throw new ConfigurationException(name + " must be at least 1, got " + value);
        }
        return value;
    }

    private static int nonNegativeInt(Configuration c, String name, int defaultValue) {
        String raw = c.get(name).map(String::trim).orElse(null);
        if (raw == null || raw.isEmpty()) {
            return defaultValue;
        }
        try {
            int value = Integer.parseInt(raw);
            if (value >= 0) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new ConfigurationException(name + " must be a whole number of at least 0, got \"" + raw + "\"");
    }

    private static String stripSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    public String cloneUrl(String repo) {
        return serverUrl + "/" + repo + ".git";
    }

    /**
     * {@code ROOMOTE_SPARE_WORKSPACES} (default true): keep a spare working copy of each repository next to its
     * mirror, made while a job runs, so the next job's working copy is ready in a fraction of a clone's time; it
     * costs one more checkout's worth of disk per repository.
     */
    public static boolean spareWorkspaces(Configuration c) {
        return bool(c, "ROOMOTE_SPARE_WORKSPACES", true);
    }

    /** Key of the repository in the mirror cache: host/owner/repo. */
    public String mirrorKey(String repo) {
        String host = URI.create(serverUrl).getHost();
        return (host == null ? "local" : host) + "/" + repo;
    }

    public String issueUrl(String repo, int issue) {
        return serverUrl + "/" + repo + "/issues/" + issue;
    }

    /** The host name for the {@code gh} CLI when it is not github.com. */
    public Optional<String> enterpriseHost() {
        String host = URI.create(serverUrl).getHost();
        return host == null || host.equals("github.com") ? Optional.empty() : Optional.of(host);
    }

    /** The agent of a job whose payload names none ({@code ROOMOTE_AGENT}, default {@code roo-code}). */
    public static String defaultAgent(Configuration c) {
        return c.get("ROOMOTE_AGENT", "roo-code");
    }
}
