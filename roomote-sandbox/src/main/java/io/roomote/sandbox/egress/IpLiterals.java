package io.roomote.sandbox.egress;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Strict IP literals: dotted-quad IPv4 without leading zeros, and IPv6 (without brackets here). Anything looser
 * ({@code 127.1}, {@code 0x7f.0.0.1}, {@code 2130706433}) is not a literal and is treated as a name, so it can
 * only ever match a name entry and then still has to pass the address rule.
 */
final class IpLiterals {

    private static final String OCTET = "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
    private static final Pattern V4 = Pattern.compile(OCTET + "\\." + OCTET + "\\." + OCTET + "\\." + OCTET);
    private static final Pattern V6 = Pattern.compile("[0-9a-fA-F:.]{2,45}");

    private IpLiterals() {
    }

    static Optional<InetAddress> v4(String text) {
        var m = V4.matcher(text);
        if (!m.matches()) {
            return Optional.empty();
        }
        byte[] bytes = new byte[4];
        for (int i = 0; i < 4; i++) {
            bytes[i] = (byte) Integer.parseInt(m.group(i + 1));
        }
        return Optional.of(byAddress(bytes));
    }

    /** {@code text} is the part between the brackets. */
    static Optional<InetAddress> v6(String text) {
        if (!V6.matcher(text).matches() || text.indexOf(':') < 0) {
            return Optional.empty();
        }
        try {
            // A string containing ':' is parsed as a literal by the JDK, never looked up in DNS.
            return Optional.of(InetAddress.getByName(text));
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }

    private static InetAddress byAddress(byte[] bytes) {
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // only thrown for a wrong length
        }
    }
}
