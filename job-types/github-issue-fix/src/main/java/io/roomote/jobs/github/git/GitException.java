package io.roomote.jobs.github.git;

import java.io.IOException;

/** A git command failed; the message carries git's own words. An I/O failure, so retryable by default. */
public class GitException extends IOException {
    private static final long serialVersionUID = 1L;

    public GitException(String message) {
        super(message);
    }
}
