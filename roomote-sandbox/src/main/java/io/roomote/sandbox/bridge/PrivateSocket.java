package io.roomote.sandbox.bridge;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Binds the host end of a bridge: a unix socket that only the runner's user may connect to (mode 0600, in a 0700
 * folder). A stale socket file left at the path by an earlier run is replaced; any other file there is an error,
 * never deleted.
 */
public final class PrivateSocket {

    private PrivateSocket() {
    }

    public static ServerSocketChannel bind(Path socket, int backlog) throws IOException {
        Path path = socket.toAbsolutePath();
        if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            if (!Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isOther()) {
                throw new IOException("cannot listen on " + path + ": a file that is not a socket is in the way");
            }
            Files.delete(path);
        }
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(path), backlog);
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
            return server;
        } catch (IOException | RuntimeException e) {
            try {
                server.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            Files.deleteIfExists(path);
            throw e;
        }
    }
}
