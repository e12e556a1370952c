package io.roomote.runner.dashboard;

/**
 * A small HTML builder. {@link #text} and {@link #attr} escape; {@link #raw} takes markup and must only ever be
 * given constants of this package, never data. Every job field, setting or request value goes through
 * {@link #text}, {@link #attr} or {@link #esc}.
 */
final class Html {

    private final StringBuilder out = new StringBuilder(16 * 1024);

    /** Markup written as is: constants only. */
    Html raw(String markup) {
        out.append(markup);
        return this;
    }

    /** Text content, escaped. Null writes nothing. */
    Html text(Object value) {
        if (value != null) {
            escapeInto(String.valueOf(value), out);
        }
        return this;
    }

    /** {@code  name="value"}, the value escaped. Null writes nothing. */
    Html attr(String name, Object value) {
        if (value != null) {
            out.append(' ').append(name).append("=\"");
            escapeInto(String.valueOf(value), out);
            out.append('"');
        }
        return this;
    }

    /** {@code <tag class="cls">text</tag>}. */
    Html el(String tag, String cls, Object text) {
        out.append('<').append(tag);
        attr("class", cls);
        out.append('>');
        text(text);
        out.append("</").append(tag).append('>');
        return this;
    }

    Html append(Html other) {
        out.append(other.out);
        return this;
    }

    @Override
    public String toString() {
        return out.toString();
    }

    static String esc(Object value) {
        if (value == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder();
        escapeInto(String.valueOf(value), sb);
        return sb.toString();
    }

    private static void escapeInto(String s, StringBuilder sb) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> sb.append("&amp;");
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&#39;");
                case '`' -> sb.append("&#96;");
                default -> {
                    // Control characters other than tab/newline have no business in a page.
                    if (c < 0x20 && c != '\n' && c != '\t' && c != '\r') {
                        sb.append('\uFFFD');
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
    }

    /** An http(s) URL safe to put in {@code href}, or null (javascript:, data:, relative, malformed...). */
    static String safeUrl(String url) {
        if (url == null) {
            return null;
        }
        String u = url.trim();
        if (!(u.regionMatches(true, 0, "https://", 0, 8) || u.regionMatches(true, 0, "http://", 0, 7))) {
            return null;
        }
        try {
            java.net.URI uri = new java.net.URI(u);
            return uri.getHost() == null ? null : uri.toASCIIString();
        } catch (java.net.URISyntaxException e) {
            return null;
        }
    }
}
