package io.roomote.sandbox.egress;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.Arrays;
import java.util.Optional;

/** Reads a request head (up to and including its blank line) and keeps what the client sent after it. */
final class HeadReader {

    /** @param head the head's bytes, blank line included; @param rest bytes already read past the head */
    record Head(byte[] head, ByteBuffer rest) {
    }

    private HeadReader() {
    }

    /** Empty when the client closed before finishing a head. */
    static Optional<Head> read(SocketChannel client, int maxBytes) throws IOException, BadRequest {
        ByteBuffer buf = ByteBuffer.allocate(maxBytes);
        int scanned = 0;
        while (buf.hasRemaining()) {
            if (client.read(buf) < 0) {
                return Optional.empty();
            }
            byte[] a = buf.array();
            int end = buf.position();
            for (int i = Math.max(scanned, 1); i < end; i++) {
                // a blank line: "\n\n" or "\n\r\n"
                if (a[i] == '\n' && (a[i - 1] == '\n' || (a[i - 1] == '\r' && i >= 2 && a[i - 2] == '\n'))) {
                    ByteBuffer rest = ByteBuffer.wrap(Arrays.copyOfRange(a, i + 1, end));
                    return Optional.of(new Head(Arrays.copyOf(a, i + 1), rest));
                }
            }
            scanned = end;
        }
        throw new BadRequest("request head larger than " + maxBytes + " bytes");
    }
}
