package io.roomote.sandbox.egress;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/** Turns a host name into its addresses; injectable so tests can map names to chosen addresses. */
@FunctionalInterface
public interface HostResolver {

    /** Every address of {@code host} (never empty); throws if the name does not resolve. */
    List<InetAddress> resolve(String host) throws UnknownHostException;

    /** The JVM's resolver (the system's DNS). */
    static HostResolver system() {
        return host -> List.of(InetAddress.getAllByName(host));
    }
}
