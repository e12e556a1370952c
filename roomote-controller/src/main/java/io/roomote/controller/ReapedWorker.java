package io.roomote.controller;

import java.util.OptionalInt;

/** A worker that has exited and whose leftovers were removed; its exit code when the engine kept it. */
public record ReapedWorker(String id, String workerName, OptionalInt exitCode) {
}
