package io.roomote.sandbox.egress;

/** The client's request cannot be served as sent; the message (no header values in it) goes into the 400. */
final class BadRequest extends Exception {
    private static final long serialVersionUID = 1L;

    BadRequest(String message) {
        super(message, null, false, false);
    }
}
