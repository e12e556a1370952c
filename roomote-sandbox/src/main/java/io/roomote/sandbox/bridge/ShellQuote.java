package io.roomote.sandbox.bridge;

/** Quotes a word for a POSIX shell so that it stays one word and nothing in it is interpreted. */
public final class ShellQuote {

    private ShellQuote() {
    }

    /**
     * {@code 'text'} with each {@code '} written as {@code '\''}: inside single quotes a POSIX shell
     * interprets nothing, so {@code $}, backquotes, {@code \}, {@code ;} and newlines stay literal.
     */
    public static String quote(String text) {
        if (text.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("a shell word cannot contain a NUL character");
        }
        return "'" + text.replace("'", "'\\''") + "'";
    }
}
