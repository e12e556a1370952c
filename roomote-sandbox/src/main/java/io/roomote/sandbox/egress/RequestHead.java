package io.roomote.sandbox.egress;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A proxy request's head: {@code CONNECT host:port} or an absolute-form {@code http://} request. Strict on
 * purpose: whatever the proxy cannot read unambiguously is a 400, not a guess.
 *
 * @param method  the request method as sent
 * @param host    lower-case name, dotted IPv4 or IPv6 (without brackets); only name/IP characters
 * @param port    the destination port
 * @param target  for absolute-form, the origin-form path and query to send upstream; empty for CONNECT
 * @param version {@code HTTP/1.1} or {@code HTTP/1.0}
 * @param headers the header fields in order
 */
record RequestHead(String method, String host, int port, String target, String version, List<Header> headers) {

    record Header(String name, String value) {
    }

    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}");
    private static final Pattern NAME = Pattern.compile("[a-z0-9_.-]{1,253}");
    private static final Pattern V6 = Pattern.compile("[0-9a-f:.]{2,45}");
    private static final Pattern PATH = Pattern.compile("[\\x21-\\x7e]*");
    /** Hop-by-hop fields and the client's credentials for this proxy: never forwarded. */
    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-connection",
            "proxy-authorization", "proxy-authenticate", "te", "upgrade", "host");
    /** Body framing stays as sent because the body is relayed raw; a Connection option cannot remove it. */
    private static final Set<String> FRAMING = Set.of("content-length", "transfer-encoding");

    boolean isConnect() {
        return method.equals("CONNECT");
    }

    /** {@code host:port}, IPv6 in brackets: for logs and messages (only validated characters). */
    String authority() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    static RequestHead parse(byte[] head) throws BadRequest {
        String text = new String(head, StandardCharsets.ISO_8859_1);
        String[] lines = text.split("\n", -1);
        String requestLine = stripCr(lines[0]);
        String[] parts = requestLine.split(" ", -1);
        if (parts.length != 3) {
            throw new BadRequest("the request line must be METHOD TARGET HTTP/1.1");
        }
        String method = parts[0];
        String version = parts[2];
        if (!TOKEN.matcher(method).matches()) {
            throw new BadRequest("invalid method");
        }
        if (!version.equals("HTTP/1.1") && !version.equals("HTTP/1.0")) {
            throw new BadRequest("only HTTP/1.1 and HTTP/1.0 are spoken");
        }
        List<Header> headers = new ArrayList<>();
        for (int i = 1; i < lines.length; i++) {
            String line = stripCr(lines[i]);
            if (line.isEmpty()) {
                continue; // the blank line(s) ending the head
            }
            if (line.charAt(0) == ' ' || line.charAt(0) == '\t') {
                throw new BadRequest("obsolete header line folding is not accepted");
            }
            int colon = line.indexOf(':');
            if (colon <= 0 || !TOKEN.matcher(line.substring(0, colon)).matches()) {
                throw new BadRequest("malformed header line " + i);
            }
            String value = line.substring(colon + 1).strip();
            for (int c = 0; c < value.length(); c++) {
                char ch = value.charAt(c);
                if ((ch < 0x20 && ch != '\t') || ch == 0x7f) {
                    throw new BadRequest("control character in header line " + i);
                }
            }
            headers.add(new Header(line.substring(0, colon), value));
        }
        if (method.equals("CONNECT")) {
            HostPort hp = hostPort(parts[1], -1);
            return new RequestHead(method, hp.host, hp.port, "", version, List.copyOf(headers));
        }
        String uri = parts[1];
        if (uri.regionMatches(true, 0, "https://", 0, 8)) {
            throw new BadRequest("https:// goes through CONNECT host:443");
        }
        if (!uri.regionMatches(true, 0, "http://", 0, 7)) {
            throw new BadRequest("this is a proxy: send CONNECT host:port or an absolute http:// URL");
        }
        String rest = uri.substring(7);
        int end = rest.length();
        for (char stop : new char[] {'/', '?', '#'}) {
            int at = rest.indexOf(stop);
            if (at >= 0 && at < end) {
                end = at;
            }
        }
        String authority = rest.substring(0, end);
        authority = authority.substring(authority.lastIndexOf('@') + 1); // user-info is never used nor logged
        HostPort hp = hostPort(authority, 80);
        String path = rest.substring(end);
        int hash = path.indexOf('#');
        if (hash >= 0) {
            path = path.substring(0, hash);
        }
        if (path.isEmpty() || path.startsWith("?")) {
            path = "/" + path;
        }
        if (!PATH.matcher(path).matches()) {
            throw new BadRequest("invalid characters in the URL");
        }
        return new RequestHead(method, hp.host, hp.port, path, version, List.copyOf(headers));
    }

    /** The head to send upstream: origin-form, this hop's fields removed, Host from the URL, Connection: close. */
    byte[] forwardHead() {
        Set<String> drop = new HashSet<>(HOP_BY_HOP);
        for (Header h : headers) {
            if (h.name().equalsIgnoreCase("connection")) {
                for (String option : h.value().split(",")) {
                    String o = option.strip().toLowerCase(Locale.ROOT);
                    if (!FRAMING.contains(o)) {
                        drop.add(o);
                    }
                }
            }
        }
        StringBuilder out = new StringBuilder();
        out.append(method).append(' ').append(target).append(' ').append(version).append("\r\n");
        out.append("Host: ").append(port == 80 ? authority().substring(0, authority().lastIndexOf(':')) : authority())
                .append("\r\n");
        for (Header h : headers) {
            String n = h.name().toLowerCase(Locale.ROOT);
            if (!drop.contains(n) && !n.startsWith("proxy-")) {
                out.append(h.name()).append(": ").append(h.value()).append("\r\n");
            }
        }
        out.append("Connection: close\r\n\r\n");
        return out.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    private record HostPort(String host, int port) {
    }

    private static HostPort hostPort(String authority, int defaultPort) throws BadRequest {
        String a = authority.toLowerCase(Locale.ROOT);
        String host;
        String portText = null;
        if (a.startsWith("[")) {
            int close = a.indexOf(']');
            if (close < 0) {
                throw new BadRequest("unclosed IPv6 literal");
            }
            host = a.substring(1, close);
            String rest = a.substring(close + 1);
            if (!rest.isEmpty()) {
                if (!rest.startsWith(":")) {
                    throw new BadRequest("malformed host:port");
                }
                portText = rest.substring(1);
            }
            if (!V6.matcher(host).matches() || IpLiterals.v6(host).isEmpty()) {
                throw new BadRequest("malformed IPv6 literal");
            }
        } else {
            int colon = a.indexOf(':');
            host = colon < 0 ? a : a.substring(0, colon);
            portText = colon < 0 ? null : a.substring(colon + 1);
            if (host.endsWith(".")) {
                host = host.substring(0, host.length() - 1);
            }
            if (!NAME.matcher(host).matches() || host.startsWith(".") || host.contains("..")) {
                throw new BadRequest("malformed host name");
            }
        }
        int port = defaultPort;
        if (portText != null) {
            Optional<Integer> p = portText.matches("\\d{1,5}") ? Optional.of(Integer.parseInt(portText))
                    : Optional.empty();
            if (p.isEmpty() || p.get() < 1 || p.get() > 65535) {
                throw new BadRequest("malformed port");
            }
            port = p.get();
        }
        if (port < 0) {
            throw new BadRequest("CONNECT needs host:port");
        }
        return new HostPort(host, port);
    }

    private static String stripCr(String line) {
        return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
    }
}
