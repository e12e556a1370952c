package io.roomote.runner.dashboard;

import java.net.URI;
import java.net.URISyntaxException;

/** Which URLs from job data may become a link: escaping keeps a value inside its attribute, not off javascript:. */
final class SafeUrl {

    private SafeUrl() {
    }

    /** An http(s) URL safe to put in {@code href}, or null (javascript:, data:, relative, malformed...). */
    static String of(String url) {
        if (url == null) {
            return null;
        }
        String u = url.trim();
        if (!(u.regionMatches(true, 0, "https://", 0, 8) || u.regionMatches(true, 0, "http://", 0, 7))) {
            return null;
        }
        try {
            URI uri = new URI(u);
            return uri.getHost() == null ? null : uri.toASCIIString();
        } catch (URISyntaxException e) {
            return null;
        }
    }
}
