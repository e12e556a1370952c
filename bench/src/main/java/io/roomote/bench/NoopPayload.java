package io.roomote.bench;

/** The no-op job's payload: a sequence number so the bench can tell which enqueue a handler start belongs to. */
public record NoopPayload(long seq) {
}
