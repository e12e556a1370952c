package io.roomote.jenkins.bridge.step;

import java.net.URI;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A GitHub repository as found in a clone URL or an {@code owner/name} string: {@code https://github.com/o/r.git},
 * {@code git@github.com:o/r.git}, {@code ssh://git@ghe.example.com:2222/o/r}, {@code https://user@ghe.example.com/o/r},
 * {@code o/r}. {@code host} is empty for a bare {@code owner/name}.
 */
public record GitHubRepoRef(Optional<String> host, String owner, String name) {

    static final Pattern OWNER = Pattern.compile("[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})");
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,100}");
    private static final Pattern SCP = Pattern.compile("^(?:[^@/\\s]+@)?([^:/\\s]+):(?!//)/?([^\\s]+)$");
    private static final Pattern OWNER_NAME = Pattern.compile("^([^/\\s]+)/([^/\\s]+)$");

    public GitHubRepoRef {
        host = host.map(h -> h.toLowerCase(Locale.ROOT));
    }

    /** {@code owner/name}. */
    public String fullName() {
        return owner + "/" + name;
    }

    /** True when the host is github.com (or not known). */
    public boolean onGitHubDotCom() {
        return host.isEmpty() || host.get().equals("github.com") || host.get().equals("www.github.com");
    }

    /** {@code https://<host>}: the GITHUB_SERVER_URL of this repository's host. */
    public Optional<String> serverUrl() {
        return host.map(h -> "https://" + h);
    }

    /** GitHub Enterprise Server's REST API lives under {@code /api/v3}; github.com's at api.github.com. */
    public Optional<String> apiUrl() {
        if (host.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(onGitHubDotCom() ? "https://api.github.com" : "https://" + host.get() + "/api/v3");
    }

    @Override
    public String toString() {
        return host.map(h -> h + "/").orElse("") + fullName();
    }

    /** Parses a clone URL, a web URL of the repository or {@code owner/name}; empty when it is none of these. */
    public static Optional<GitHubRepoRef> parse(String text) {
        if (text == null || text.isBlank()) {
            return Optional.empty();
        }
        String s = text.trim();
        Matcher plain = OWNER_NAME.matcher(s);
        if (plain.matches() && !s.contains(":")) {
            return of(Optional.empty(), plain.group(1), plain.group(2));
        }
        if (s.contains("://")) {
            URI uri;
            try {
                uri = URI.create(s);
            } catch (IllegalArgumentException e) {
                return Optional.empty();
            }
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("https") && !scheme.equals("http") && !scheme.equals("ssh") && !scheme.equals("git")
                    && !scheme.equals("git+ssh")) {
                return Optional.empty();
            }
            if (uri.getHost() == null || uri.getPath() == null) {
                return Optional.empty();
            }
            return fromPath(Optional.of(uri.getHost()), uri.getPath());
        }
        Matcher scp = SCP.matcher(s);
        if (scp.matches()) {
            return fromPath(Optional.of(scp.group(1)), scp.group(2));
        }
        return Optional.empty();
    }

    private static Optional<GitHubRepoRef> fromPath(Optional<String> host, String path) {
        String p = path.replaceAll("^/+", "").replaceAll("/+$", "");
        String[] parts = p.split("/");
        if (parts.length < 2) {
            return Optional.empty();
        }
        // Web URLs may go on (/tree/main, /issues/7, /pull/3); the repository is the first two segments.
        return of(host, parts[0], parts[1]);
    }

    private static Optional<GitHubRepoRef> of(Optional<String> host, String owner, String name) {
        String n = name.endsWith(".git") ? name.substring(0, name.length() - 4) : name;
        if (!OWNER.matcher(owner).matches() || !NAME.matcher(n).matches() || n.equals(".") || n.contains("..")) {
            return Optional.empty();
        }
        return Optional.of(new GitHubRepoRef(host, owner, n));
    }
}
