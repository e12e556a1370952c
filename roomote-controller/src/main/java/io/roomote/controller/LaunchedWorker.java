package io.roomote.controller;

import java.time.Instant;

/** A worker as its engine knows it: its id there (pid, container id, Job name) and when it was started. */
public record LaunchedWorker(String id, String workerName, Instant startedAt) {
}
