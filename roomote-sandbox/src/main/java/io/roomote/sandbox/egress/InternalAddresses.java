package io.roomote.sandbox.egress;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Optional;

/**
 * Addresses the proxy must never lead to on its own: it runs on the host, so these reach the host itself, its
 * network, or the cloud's metadata service. Returns what kind of address it is, for the denial reason.
 */
final class InternalAddresses {

    private InternalAddresses() {
    }

    static Optional<String> kind(InetAddress a) {
        if (a.isLoopbackAddress()) {
            return Optional.of("loopback");
        }
        if (a.isAnyLocalAddress()) {
            return Optional.of("any-local");
        }
        if (a.isLinkLocalAddress()) {
            return Optional.of("link-local (incl. cloud metadata)");
        }
        if (a.isSiteLocalAddress()) {
            return Optional.of("private");
        }
        if (a.isMulticastAddress()) {
            return Optional.of("multicast");
        }
        byte[] b = a.getAddress();
        if (a instanceof Inet4Address) {
            int first = b[0] & 0xff;
            int second = b[1] & 0xff;
            if (first == 100 && (second & 0xc0) == 64) {
                return Optional.of("carrier-grade NAT");
            }
            if (first == 0) {
                return Optional.of("this-network"); // 0.0.0.0/8: Linux connects 0.x to the host itself
            }
            if (first >= 240) {
                return Optional.of("reserved"); // 240/4 and the broadcast address
            }
            return Optional.empty();
        }
        if (a instanceof Inet6Address) {
            if ((b[0] & 0xfe) == 0xfc) {
                return Optional.of("private (unique local)");
            }
            // IPv6 forms that carry an IPv4 address the host may route to: v4-compatible ::a.b.c.d,
            // NAT64 64:ff9b::/96 and 6to4 2002::/16. The embedded address decides.
            if (allZero(b, 0, 12)) {
                return kind(v4(b, 12)).map(k -> k + " (IPv4-compatible)");
            }
            if (b[0] == 0x00 && b[1] == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b && allZero(b, 4, 12)) {
                return kind(v4(b, 12)).map(k -> k + " (NAT64)");
            }
            if (b[0] == 0x20 && b[1] == 0x02) {
                return kind(v4(b, 2)).map(k -> k + " (6to4)");
            }
        }
        return Optional.empty();
    }

    private static boolean allZero(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }

    private static InetAddress v4(byte[] b, int offset) {
        try {
            return InetAddress.getByAddress(Arrays.copyOfRange(b, offset, offset + 4));
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
