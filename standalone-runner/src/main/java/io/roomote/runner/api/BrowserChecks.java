package io.roomote.runner.api;

import io.javalin.http.Context;

import java.net.URI;
import java.util.Locale;
import java.util.Optional;

/**
 * What a browser's request says about where it comes from, shared by the open API and the dashboard. A web page
 * the user visits can send requests to {@code localhost}: with DNS rebinding under its own name (then {@code Host}
 * is not a loopback name), or directly (then {@code Origin} and {@code Sec-Fetch-Site} name another site).
 */
public final class BrowserChecks {

    private BrowserChecks() {
    }

    /** True when {@code Host} names this machine's loopback: localhost (or *.localhost), 127.x.y.z or [::1], any port. */
    public static boolean loopbackHost(String hostHeader) {
        if (hostHeader == null) {
            return false;
        }
        String host = hostHeader.trim();
        String name;
        if (host.startsWith("[")) {
            int end = host.indexOf(']');
            if (end < 0) {
                return false;
            }
            name = host.substring(0, end + 1);
        } else {
            name = host.contains(":") ? host.substring(0, host.lastIndexOf(':')) : host;
        }
        name = name.toLowerCase(Locale.ROOT);
        return name.equals("localhost") || name.endsWith(".localhost") || name.equals("[::1]")
                || name.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");
    }

    /**
     * True when the browser says the request comes from another origin: an {@code Origin} that is not this server's
     * (as {@code X-Forwarded-Host}, else {@code Host}, names it), else a {@code Sec-Fetch-Site} other than
     * {@code same-origin} or {@code none} (typed in the address bar). Non-browser clients send neither.
     */
    public static boolean crossOrigin(Context ctx) {
        String origin = ctx.header("Origin");
        if (origin != null) {
            if ("null".equals(origin)) {
                return true;
            }
            try {
                URI o = URI.create(origin.trim());
                String host = Optional.ofNullable(ctx.header("X-Forwarded-Host")).orElse(ctx.header("Host"));
                return host == null || o.getHost() == null || !authority(o).equalsIgnoreCase(normalizeAuthority(host, o.getScheme()));
            } catch (IllegalArgumentException e) {
                return true;
            }
        }
        String site = ctx.header("Sec-Fetch-Site");
        return site != null && !site.equals("same-origin") && !site.equals("none");
    }

    /** True when {@code Content-Type}'s media type is {@code application/json} (parameters such as charset allowed). */
    public static boolean isJson(String contentType) {
        if (contentType == null) {
            return false;
        }
        int semicolon = contentType.indexOf(';');
        String media = (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim();
        return media.equalsIgnoreCase("application/json");
    }

    /** True when the request carries a body (a length above 0, or chunked). */
    public static boolean hasBody(Context ctx) {
        String length = ctx.header("Content-Length");
        if (length != null) {
            return !length.trim().equals("0");
        }
        return ctx.header("Transfer-Encoding") != null;
    }

    private static String authority(URI u) {
        int port = u.getPort();
        if (port == -1 || port == 80 && "http".equalsIgnoreCase(u.getScheme()) || port == 443 && "https".equalsIgnoreCase(u.getScheme())) {
            return u.getHost();
        }
        return u.getHost() + ":" + port;
    }

    private static String normalizeAuthority(String host, String scheme) {
        String h = host.trim();
        if ("http".equalsIgnoreCase(scheme) && h.endsWith(":80") || "https".equalsIgnoreCase(scheme) && h.endsWith(":443")) {
            return h.substring(0, h.lastIndexOf(':'));
        }
        return h;
    }
}
