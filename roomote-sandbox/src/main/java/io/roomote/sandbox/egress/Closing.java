package io.roomote.sandbox.egress;

import java.io.Closeable;
import java.io.IOException;

/** Closing during cleanup, where a failure to close changes nothing. */
final class Closing {

    private Closing() {
    }

    static void quietly(Closeable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (IOException e) {
            // already broken: nothing left to release
        }
    }
}
