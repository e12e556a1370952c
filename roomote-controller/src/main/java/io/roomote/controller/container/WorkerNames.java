package io.roomote.controller.container;

import java.util.regex.Pattern;

/**
 * What a controller id and a worker name may look like, so that both fit where the engines put them: docker
 * labels and container names, Kubernetes label values and object names.
 */
public final class WorkerNames {

    /** A Kubernetes label value: at most 63 characters, letters, digits, '-', '_', '.', alphanumeric at both ends. */
    private static final Pattern LABEL_VALUE = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?");

    private WorkerNames() {
    }

    /** @throws IllegalArgumentException when {@code controllerId} cannot be a label value */
    public static String requireControllerId(String controllerId) {
        if (controllerId == null || !LABEL_VALUE.matcher(controllerId).matches()) {
            throw new IllegalArgumentException("controller id '" + controllerId + "' must be 1 to 63 letters, digits,"
                    + " '-', '_' or '.', starting and ending with a letter or digit (it is a label value)");
        }
        return controllerId;
    }

    /** @throws IllegalArgumentException when {@code workerName} cannot be a label value or a container name */
    public static String requireWorkerName(String workerName) {
        if (workerName == null || !LABEL_VALUE.matcher(workerName).matches()) {
            throw new IllegalArgumentException("worker name '" + workerName + "' must be 1 to 63 letters, digits,"
                    + " '-', '_' or '.', starting and ending with a letter or digit (it is a label value and a name)");
        }
        return workerName;
    }
}
