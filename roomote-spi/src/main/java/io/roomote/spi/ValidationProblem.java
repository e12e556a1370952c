package io.roomote.spi;

import java.util.Objects;

/**
 * One thing wrong with a payload.
 *
 * @param path    where, as a dotted path from the payload root (e.g. {@code payload.repo}, {@code payload.labels[2]})
 * @param message what is wrong and, where it helps, what would be right
 */
public record ValidationProblem(String path, String message) {
    public ValidationProblem {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(message, "message");
    }
}
