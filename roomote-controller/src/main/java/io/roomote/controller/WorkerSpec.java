package io.roomote.controller;

import java.util.Map;
import java.util.Objects;

/**
 * One worker to start.
 *
 * @param controllerId the controller's stable name (labels and pid files carry it, so a restart finds its workers)
 * @param workerName   unique name of this worker, e.g. {@code roomote-worker-<controller>-<n>}
 * @param environment  non-secret settings of the worker ({@code DATABASE_URL}'s host part is not secret; the URL is)
 * @param secrets      secret settings ({@code DATABASE_URL}, {@code GH_TOKEN}, …): never on a command line, in a
 *                     label or an image; a launcher passes them by a 0600 file, a Kubernetes Secret reference, or
 *                     the child's environment
 */
public record WorkerSpec(String controllerId, String workerName, Map<String, String> environment, Map<String, String> secrets) {
    public WorkerSpec {
        Objects.requireNonNull(controllerId, "controllerId");
        Objects.requireNonNull(workerName, "workerName");
        environment = Map.copyOf(environment);
        secrets = Map.copyOf(secrets);
    }

    @Override
    public String toString() {
        return "WorkerSpec[" + controllerId + "/" + workerName + ", settings " + environment.keySet()
                + ", secrets " + secrets.keySet() + "]";
    }
}
