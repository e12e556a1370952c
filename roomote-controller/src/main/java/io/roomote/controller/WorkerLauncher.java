package io.roomote.controller;

import java.io.IOException;
import java.util.List;

/**
 * Starts single-job workers ({@code roomote worker --once}) on one engine — local processes, a Docker host,
 * Kubernetes — and tells which of them are alive, from the engine itself (labels, pid files, the API server),
 * so that a restarted controller counts the workers it already has instead of starting more.
 */
public interface WorkerLauncher {

    /** {@code process}, {@code docker} or {@code kubernetes}: the value of {@code ROOMOTE_LAUNCHER}. */
    String name();

    /** Starts one worker. Returns once the engine accepted it; the worker claims its job by itself. */
    LaunchedWorker launch(WorkerSpec spec) throws IOException;

    /** The workers of {@code controllerId} that are alive (starting or running) now, as the engine sees them. */
    List<LaunchedWorker> alive(String controllerId) throws IOException;

    /** Removes what exited workers of {@code controllerId} left (containers, Jobs, pid files); returns them. */
    List<ReapedWorker> reap(String controllerId) throws IOException;

    /**
     * Asks to be told (on any thread) when a worker this launcher started exits, so the controller looks at once
     * instead of at its next poll. Engines that cannot tell do nothing: the poll still sees the exit.
     */
    default void onWorkerExit(Runnable listener) {
    }
}
