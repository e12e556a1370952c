package io.roomote.sandbox.egress;

import io.roomote.core.config.ConfigurationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Real parsing and decisions; names resolve through a map (a stand-in for DNS) so no network is needed. */
class EgressPolicyTest {

    private static final String PUBLIC = "203.0.113.10"; // TEST-NET-3: not internal by any rule

    private static HostResolver map(Map<String, List<String>> names) {
        return host -> {
            List<String> ips = names.get(host);
            if (ips == null) {
                throw new UnknownHostException(host);
            }
            List<InetAddress> out = new ArrayList<>();
            for (String ip : ips) {
                out.add(InetAddress.getByName(ip)); // literals only: no lookup
            }
            return out;
        };
    }

    private static EgressPolicy policy(String raw, Map<String, List<String>> names) {
        return EgressPolicy.parse(raw).withResolver(map(names));
    }

    @Test
    void exactHostIsCaseInsensitiveAndAllowsOnlyHttpsAndHttpWithoutAPort() {
        EgressPolicy p = policy("GitHub.com", Map.of("github.com", List.of(PUBLIC)));

        assertThat(p.decide("github.com", 443).allowed()).isTrue();
        assertThat(p.decide("GITHUB.COM", 80).allowed()).isTrue();
        assertThat(p.decide("github.com.", 443).allowed()).isTrue();
        EgressPolicy.Decision ssh = p.decide("github.com", 22);
        assertThat(ssh.allowed()).isFalse();
        assertThat(ssh.reason()).contains("port 22");
        assertThat(p.decide("api.github.com", 443).allowed()).isFalse();
        assertThat(p.decide("evilgithub.com", 443).allowed()).isFalse();
    }

    @Test
    void wildcardAllowsSubdomainsButNotTheApex() {
        EgressPolicy p = policy("*.example.com", Map.of(
                "a.example.com", List.of(PUBLIC), "x.y.example.com", List.of(PUBLIC), "example.com", List.of(PUBLIC),
                "badexample.com", List.of(PUBLIC), "example.com.evil.org", List.of(PUBLIC)));

        assertThat(p.decide("a.example.com", 443).allowed()).isTrue();
        assertThat(p.decide("x.y.example.com", 80).allowed()).isTrue();
        assertThat(p.decide("example.com", 443).allowed()).isFalse();
        assertThat(p.decide("badexample.com", 443).allowed()).isFalse();
        assertThat(p.decide("example.com.evil.org", 443).allowed()).isFalse();
    }

    @Test
    void anExplicitPortAllowsThatPortOnly() {
        EgressPolicy p = policy(" registry.npmjs.org:8443 , *.pypi.org:443", Map.of(
                "registry.npmjs.org", List.of(PUBLIC), "files.pypi.org", List.of(PUBLIC)));

        assertThat(p.decide("registry.npmjs.org", 8443).allowed()).isTrue();
        assertThat(p.decide("registry.npmjs.org", 443).allowed()).isFalse();
        assertThat(p.decide("files.pypi.org", 443).allowed()).isTrue();
        assertThat(p.decide("files.pypi.org", 80).allowed()).isFalse();
        assertThat(p.describe()).isEqualTo("registry.npmjs.org:8443, *.pypi.org:443");
    }

    @Test
    void emptyAndNoneAllowNothing() {
        assertThat(EgressPolicy.parse("").rules()).isEmpty();
        assertThat(EgressPolicy.parse(" , ").rules()).isEmpty();
        assertThat(EgressPolicy.none().decide("github.com", 443).allowed()).isFalse();
        assertThat(EgressPolicy.none().describe()).isEqualTo("(none)");
    }

    @Test
    void withAddsEntriesAndKeepsTheResolver() {
        EgressPolicy p = policy("registry.npmjs.org", Map.of("github.com", List.of(PUBLIC)))
                .with(List.of("github.com", "*.githubusercontent.com"));

        assertThat(p.decide("github.com", 443).allowed()).isTrue();
        assertThat(p.describe()).isEqualTo("registry.npmjs.org, github.com, *.githubusercontent.com");
    }

    @ParameterizedTest
    @ValueSource(strings = {"*", "*.", "http://github.com", "github.com/path", "a b.com", "github.com:0",
            "github.com:70000", "github.com:https", "2001:db8::1", "[2001:db8::1", "[zz::1]", "*.*.example.com",
            "-bad-.com", "host..com"})
    void garbageIsAConfigurationErrorNamingTheSettingAndTheEntry(String entry) {
        assertThatThrownBy(() -> EgressPolicy.parse("github.com," + entry))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("ROOMOTE_EGRESS_ALLOW")
                .hasMessageContaining("'" + entry.strip() + "'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "127.8.9.10", "0.0.0.0", "0.1.2.3", "169.254.169.254", "10.1.2.3",
            "172.16.0.1", "172.31.255.255", "192.168.1.1", "100.64.0.1", "100.127.255.255", "224.0.0.1",
            "255.255.255.255", "::1", "::", "fe80::1", "fc00::1", "fd12:3456::1", "ff02::1", "::ffff:127.0.0.1",
            "::127.0.0.1", "64:ff9b::a9fe:a9fe", "2002:0a00:0001::1"})
    void aNameResolvingToAnInternalAddressIsRefused(String internal) {
        EgressPolicy p = policy("*.example.com", Map.of("db.example.com", List.of(internal)));

        EgressPolicy.Decision d = p.decide("db.example.com", 443);

        assertThat(d.allowed()).as(internal).isFalse();
        assertThat(d.reason()).contains("resolves to").contains("list that IP explicitly");
        assertThat(d.addresses()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"8.8.8.8", "172.32.0.1", "172.15.255.255", "100.128.0.1", "100.63.255.255",
            "192.169.0.1", "2606:4700::1111", "11.0.0.1"})
    void aNameResolvingToPublicAddressesIsAllowed(String address) throws Exception {
        EgressPolicy p = policy("*.example.com", Map.of("www.example.com", List.of(address)));

        EgressPolicy.Decision d = p.decide("www.example.com", 443);

        assertThat(d.allowed()).as(address).isTrue();
        assertThat(d.addresses()).containsExactly(InetAddress.getByName(address));
    }

    @Test
    void oneInternalAddressAmongPublicOnesRefusesTheName() {
        EgressPolicy p = policy("www.example.com", Map.of("www.example.com", List.of("8.8.8.8", "10.0.0.7")));

        EgressPolicy.Decision d = p.decide("www.example.com", 443);

        assertThat(d.allowed()).isFalse();
        assertThat(d.reason()).contains("10.0.0.7").contains("private");
    }

    @Test
    void unresolvableNameIsDenied() {
        EgressPolicy.Decision d = policy("nowhere.example.com", Map.of()).decide("nowhere.example.com", 443);

        assertThat(d.allowed()).isFalse();
        assertThat(d.reason()).contains("cannot resolve");
    }

    @Test
    void anExactIpLiteralEntryOptsAnInternalAddressIn() throws Exception {
        EgressPolicy p = policy("127.0.0.1:5432,[::1]:8080,10.0.0.5", Map.of("db.local", List.of("127.0.0.1")))
                .with(List.of("db.local:5432"));

        assertThat(p.decide("127.0.0.1", 5432).allowed()).isTrue();
        assertThat(p.decide("127.0.0.1", 5432).addresses()).containsExactly(InetAddress.getByName("127.0.0.1"));
        assertThat(p.decide("[::1]", 8080).allowed()).isTrue();
        assertThat(p.decide("0:0:0:0:0:0:0:1", 8080).allowed()).isTrue();
        assertThat(p.decide("10.0.0.5", 443).allowed()).isTrue();
        assertThat(p.decide("10.0.0.5", 22).allowed()).isFalse();
        // the literal opts in that IP only, on that port only, and not names that resolve to it
        assertThat(p.decide("127.0.0.1", 5433).allowed()).isFalse();
        assertThat(p.decide("127.0.0.2", 5432).allowed()).isFalse();
        assertThat(p.decide("db.local", 5432).allowed()).isFalse();
        assertThat(p.describe()).isEqualTo("127.0.0.1:5432, [0:0:0:0:0:0:0:1]:8080, 10.0.0.5, db.local:5432");
    }

    @Test
    void looseNumericFormsAreNamesNotLiteralsSoTheyCannotUseALiteralsOptIn() {
        // 2130706433 and 127.1 are 127.0.0.1 to many resolvers; they must not match the literal entry
        EgressPolicy p = policy("127.0.0.1:5432", Map.of("2130706433", List.of("127.0.0.1"),
                "127.1", List.of("127.0.0.1")));

        assertThat(p.decide("2130706433", 5432).allowed()).isFalse();
        assertThat(p.decide("127.1", 5432).allowed()).isFalse();
        assertThat(p.decide("0127.0.0.1", 5432).allowed()).isFalse();
    }

    @Test
    void anUnlistedIpLiteralIsDeniedEvenIfPublic() {
        EgressPolicy.Decision d = policy("github.com", Map.of()).decide("8.8.8.8", 443);

        assertThat(d.allowed()).isFalse();
        assertThat(d.reason()).isEqualTo("not in the allow-list");
    }

    @Test
    void theNameIsResolvedOnceAndTheCheckedAddressIsTheOneToConnectTo() throws Exception {
        // A rebinding DNS answer: public on the first lookup, loopback on every later one.
        AtomicInteger lookups = new AtomicInteger();
        HostResolver rebinding = host -> List.of(InetAddress.getByName(
                lookups.getAndIncrement() == 0 ? PUBLIC : "127.0.0.1"));
        EgressPolicy p = EgressPolicy.parse("rebind.example.com").withResolver(rebinding);

        EgressPolicy.Decision d = p.decide("rebind.example.com", 443);

        assertThat(d.allowed()).isTrue();
        assertThat(d.addresses()).containsExactly(InetAddress.getByName(PUBLIC));
        assertThat(lookups).hasValue(1);
        // and the next decision sees the loopback answer and refuses it
        assertThat(p.decide("rebind.example.com", 443).allowed()).isFalse();
    }

    @Test
    void nothingIsResolvedForADestinationThatNoEntryAllows() {
        AtomicInteger lookups = new AtomicInteger();
        EgressPolicy p = EgressPolicy.parse("github.com").withResolver(host -> {
            lookups.incrementAndGet();
            return List.of(InetAddress.getByName(PUBLIC));
        });

        assertThat(p.decide("attacker.example", 443).allowed()).isFalse();
        assertThat(lookups).hasValue(0);
    }
}
