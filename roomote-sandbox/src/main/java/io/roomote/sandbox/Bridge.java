package io.roomote.sandbox;

/**
 * One way out of the sandbox: inside, {@code 127.0.0.1:port} is forwarded (by socat) to the unix socket
 * {@code socketName} in the spec's bridge folder, where Roomote listens on the host.
 *
 * @param socketName file name of the socket in {@link SandboxSpec#bridgeDir()}, e.g. {@code gateway.sock}
 * @param port       the loopback port the agent connects to inside the sandbox
 */
public record Bridge(String socketName, int port) {
    public Bridge {
        if (socketName.contains("/") || socketName.isBlank()) {
            throw new IllegalArgumentException("socket name must be a plain file name: " + socketName);
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
    }
}
