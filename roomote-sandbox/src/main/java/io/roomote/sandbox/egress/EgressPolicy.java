package io.roomote.sandbox.egress;

import io.roomote.core.config.ConfigurationException;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Where the agent may connect through the egress proxy ({@code ROOMOTE_EGRESS_ALLOW}): comma-separated entries,
 * each {@code host} (exact, case-insensitive), {@code *.example.com} (any subdomain, not the apex) or an IP literal
 * ({@code 203.0.113.7}, {@code [2001:db8::1]}), with an optional {@code :port}; without a port an entry allows 443
 * and 80 only.
 *
 * <p>A name is resolved once, through {@link #resolver()}, and refused if any of its addresses is internal
 * (loopback, private, link-local/metadata, CGNAT, multicast, …): the proxy runs on the host and must not become a
 * way to the host's own services. Only an entry that is that exact IP literal opts such an address in. The allowed
 * decision carries the checked addresses, and the proxy connects to those: no second lookup, so no DNS rebinding.
 */
public record EgressPolicy(List<Rule> rules, HostResolver resolver) {

    static final String SETTING = "ROOMOTE_EGRESS_ALLOW";

    public EgressPolicy {
        rules = List.copyOf(new LinkedHashSet<>(rules));
        Objects.requireNonNull(resolver, "resolver");
    }

    /** Parses {@code ROOMOTE_EGRESS_ALLOW}; blank allows nothing. */
    public static EgressPolicy parse(String raw) {
        return none().with(raw == null ? List.of() : List.of(raw.split(",")));
    }

    /** Allows nothing. */
    public static EgressPolicy none() {
        return new EgressPolicy(List.of(), HostResolver.system());
    }

    /** This policy plus {@code moreEntries} (same syntax as one entry of the setting each; blanks are skipped). */
    public EgressPolicy with(List<String> moreEntries) {
        List<Rule> all = new ArrayList<>(rules);
        for (String entry : moreEntries) {
            if (!entry.isBlank()) {
                all.add(Rule.parse(entry));
            }
        }
        return new EgressPolicy(all, resolver);
    }

    /** This policy resolving names through {@code other}. */
    public EgressPolicy withResolver(HostResolver other) {
        return new EgressPolicy(rules, other);
    }

    /** The entries as the setting would spell them, e.g. {@code github.com, *.npmjs.org:443}, or {@code (none)}. */
    public String describe() {
        return rules.isEmpty() ? "(none)" : rules.stream().map(Rule::toString).collect(Collectors.joining(", "));
    }

    /**
     * Whether the agent may connect to {@code host:port}. {@code host} is a name, a dotted IPv4 literal or an IPv6
     * literal with or without brackets. Resolves a name at most once.
     */
    public Decision decide(String host, int port) {
        if (port < 1 || port > 65535) {
            return Decision.deny("port out of range");
        }
        String h = normalize(host);
        Optional<InetAddress> literal = literal(h);
        if (literal.isPresent()) {
            InetAddress address = literal.get();
            for (Rule r : rules) {
                if (r.kind() == Kind.IP && r.host().equals(address.getHostAddress()) && r.allowsPort(port)) {
                    return Decision.allow("explicitly allowed IP " + r, List.of(address));
                }
            }
            return Decision.deny(anyRule(r -> r.kind() == Kind.IP && r.host().equals(address.getHostAddress()))
                    ? "port " + port + " is not allowed for this address" : "not in the allow-list");
        }
        Optional<Rule> match = rules.stream().filter(r -> r.matchesName(h) && r.allowsPort(port)).findFirst();
        if (match.isEmpty()) {
            return Decision.deny(anyRule(r -> r.matchesName(h))
                    ? "port " + port + " is not allowed for this host" : "not in the allow-list");
        }
        List<InetAddress> addresses;
        try {
            addresses = List.copyOf(resolver.resolve(h));
        } catch (UnknownHostException e) {
            return Decision.deny("cannot resolve the host name");
        } catch (RuntimeException e) {
            return Decision.deny("cannot resolve the host name (" + e.getClass().getSimpleName() + ")");
        }
        if (addresses.isEmpty()) {
            return Decision.deny("cannot resolve the host name");
        }
        for (InetAddress a : addresses) {
            Optional<String> kind = InternalAddresses.kind(a);
            if (kind.isPresent()) {
                return Decision.deny("resolves to " + a.getHostAddress() + ", a " + kind.get()
                        + " address; list that IP explicitly to allow it");
            }
        }
        return Decision.allow("allowed by " + match.get(), addresses);
    }

    private boolean anyRule(Predicate<Rule> test) {
        return rules.stream().anyMatch(test);
    }

    private static String normalize(String host) {
        String h = host.strip().toLowerCase(Locale.ROOT);
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        while (h.endsWith(".") && h.length() > 1) {
            h = h.substring(0, h.length() - 1);
        }
        return h;
    }

    private static Optional<InetAddress> literal(String h) {
        return h.indexOf(':') >= 0 ? IpLiterals.v6(h) : IpLiterals.v4(h);
    }

    /** What an entry names. */
    public enum Kind { EXACT, WILDCARD, IP }

    /**
     * One entry of the allow-list.
     *
     * @param kind exact name, {@code *.suffix} or IP literal
     * @param host the lower-case name; for {@code WILDCARD} the suffix after {@code *.}; for {@code IP} the
     *             address as {@link InetAddress#getHostAddress()} spells it
     * @param port the one port allowed, or 0 for the defaults 443 and 80
     */
    public record Rule(Kind kind, String host, int port) {

        private static final Pattern LABEL = Pattern.compile("[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?");

        public Rule {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(host, "host");
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port out of range: " + port);
            }
        }

        /** Parses one entry of {@code ROOMOTE_EGRESS_ALLOW}, e.g. {@code *.npmjs.org:443} or {@code [::1]:8080}. */
        public static Rule parse(String entry) {
            String e = entry.strip().toLowerCase(Locale.ROOT);
            String hostPart = e;
            int port = 0;
            if (e.startsWith("[")) {
                int close = e.indexOf(']');
                if (close < 0) {
                    throw bad(entry, "an IPv6 literal needs its closing ']'");
                }
                hostPart = e.substring(1, close);
                String rest = e.substring(close + 1);
                if (!rest.isEmpty()) {
                    if (!rest.startsWith(":")) {
                        throw bad(entry, "only ':port' may follow an IPv6 literal");
                    }
                    port = port(entry, rest.substring(1));
                }
                InetAddress a = IpLiterals.v6(hostPart).orElseThrow(() -> bad(entry, "not an IPv6 address"));
                return new Rule(Kind.IP, a.getHostAddress(), port);
            }
            int colon = e.indexOf(':');
            if (colon >= 0) {
                if (e.indexOf(':', colon + 1) >= 0) {
                    throw bad(entry, "write an IPv6 literal in brackets, e.g. [2001:db8::1]:443");
                }
                hostPart = e.substring(0, colon);
                port = port(entry, e.substring(colon + 1));
            }
            Optional<InetAddress> v4 = IpLiterals.v4(hostPart);
            if (v4.isPresent()) {
                return new Rule(Kind.IP, v4.get().getHostAddress(), port);
            }
            Kind kind = Kind.EXACT;
            if (hostPart.startsWith("*.")) {
                kind = Kind.WILDCARD;
                hostPart = hostPart.substring(2);
            }
            if (hostPart.endsWith(".")) {
                hostPart = hostPart.substring(0, hostPart.length() - 1);
            }
            if (!isHostName(hostPart)) {
                throw bad(entry, "expected a host name, *.domain or IP literal");
            }
            return new Rule(kind, hostPart, port);
        }

        boolean matchesName(String normalizedHost) {
            return switch (kind) {
                case EXACT -> host.equals(normalizedHost);
                case WILDCARD -> normalizedHost.endsWith("." + host);
                case IP -> false;
            };
        }

        boolean allowsPort(int p) {
            return port == 0 ? p == 443 || p == 80 : p == port;
        }

        @Override
        public String toString() {
            String h = switch (kind) {
                case EXACT -> host;
                case WILDCARD -> "*." + host;
                case IP -> host.indexOf(':') >= 0 ? "[" + host + "]" : host;
            };
            return port == 0 ? h : h + ":" + port;
        }

        private static boolean isHostName(String h) {
            if (h.isEmpty() || h.length() > 253) {
                return false;
            }
            for (String label : h.split("\\.", -1)) {
                if (!LABEL.matcher(label).matches()) {
                    return false;
                }
            }
            return true;
        }

        private static int port(String entry, String digits) {
            if (!digits.matches("\\d{1,5}")) {
                throw bad(entry, "the port must be a number");
            }
            int p = Integer.parseInt(digits);
            if (p < 1 || p > 65535) {
                throw bad(entry, "the port must be between 1 and 65535");
            }
            return p;
        }

        private static ConfigurationException bad(String entry, String why) {
            return new ConfigurationException(SETTING + ": '" + entry.strip() + "' is not a valid entry (" + why
                    + "); expected comma-separated host, *.domain or IP literal, each with an optional :port,"
                    + " e.g. github.com,*.npmjs.org,[2001:db8::1]:8443");
        }
    }

    /**
     * What the policy says about one destination.
     *
     * @param allowed   whether the agent may connect
     * @param reason    one line: which entry allowed it, or why not
     * @param addresses when allowed, the checked addresses to connect to (in order); empty when denied
     */
    public record Decision(boolean allowed, String reason, List<InetAddress> addresses) {
        public Decision {
            Objects.requireNonNull(reason, "reason");
            addresses = List.copyOf(addresses);
        }

        static Decision allow(String reason, List<InetAddress> addresses) {
            return new Decision(true, reason, addresses);
        }

        static Decision deny(String reason) {
            return new Decision(false, reason, List.of());
        }
    }
}
