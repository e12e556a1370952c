package io.roomote.jenkins.bridge.step;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Optional;

/**
 * Which pull request URLs a build may show as a link. The worker writes {@code result.json} in a folder the agent
 * can write to, and Jenkins core's {@code Functions.getActionUrl} returns an action's absolute URL unchanged — a
 * {@code javascript:} URL would become a live link on the build page. Only {@code https://} URLs under the
 * configured GitHub server are accepted: same host and port, the server's path as a prefix, no user info, no
 * query or fragment, no control characters or spaces.
 */
public final class PullRequestUrl {

    public static final String DEFAULT_SERVER = "https://github.com";

    private PullRequestUrl() {
    }

    /** The URL when it is acceptable for {@code serverUrl} (null or blank: {@value #DEFAULT_SERVER}), else empty. */
    public static Optional<String> accept(String url, String serverUrl) {
        if (url == null || url.isBlank() || url.length() > 2048 || url.chars().anyMatch(c -> c <= 0x20 || c == 0x7f)) {
            return Optional.empty();
        }
        try {
            URI u = new URI(url);
            URI server = new URI(serverUrl == null || serverUrl.isBlank() ? DEFAULT_SERVER : serverUrl.trim());
            if (!"https".equalsIgnoreCase(u.getScheme()) || u.getRawUserInfo() != null || u.getHost() == null
                    || u.getRawQuery() != null || u.getRawFragment() != null || !u.getHost().equalsIgnoreCase(server.getHost())
                    || port(u) != port(server)) {
                return Optional.empty();
            }
            String prefix = server.getRawPath() == null ? "" : server.getRawPath().replaceAll("/+$", "");
            String path = u.getRawPath() == null ? "" : u.getRawPath();
            if (!path.startsWith(prefix + "/") || path.contains("/../") || path.contains("/./")) {
                return Optional.empty();
            }
            return Optional.of(url);
        } catch (URISyntaxException e) {
            return Optional.empty();
        }
    }

    private static int port(URI u) {
        return u.getPort() != -1 ? u.getPort() : "http".equals(u.getScheme().toLowerCase(Locale.ROOT)) ? 80 : 443;
    }
}
