package io.roomote.controller.kubernetes;

import io.roomote.controller.container.SettingValues;
import io.roomote.controller.container.WorkerContainer;
import io.roomote.core.config.ConfigurationException;
import io.roomote.spi.Configuration;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * How the {@code kubernetes} launcher shapes each worker's Job, read from the settings.
 *
 * @param namespace       {@code ROOMOTE_KUBERNETES_NAMESPACE}; unset: the client's namespace (the pod's own when the
 *                        controller runs in the cluster, else the kubeconfig context's, else {@code default})
 * @param secretName      {@code ROOMOTE_KUBERNETES_SECRET} ({@code roomote}): the existing Secret whose keys, named
 *                        like the variables, the workers' secret variables reference
 * @param serviceAccount  {@code ROOMOTE_KUBERNETES_SERVICE_ACCOUNT}: the workers' service account; unset: the
 *                        namespace's default. Its API token is never mounted: a worker needs no API access
 * @param container       the runner image and its limits ({@code ROOMOTE_WORKER_RUNNER_IMAGE}, {@code _CPUS},
 *                        {@code _MEMORY}); the limits are the Job's resource limits
 * @param cpuRequest      {@code ROOMOTE_WORKER_CPU_REQUEST}: the CPUs requested; unset: the limit
 * @param memoryRequest   {@code ROOMOTE_WORKER_MEMORY_REQUEST}: the memory requested (4g, 512m); unset: the limit
 * @param ttlAfterFinished {@code ROOMOTE_WORKER_TTL_SECONDS} (600): how long Kubernetes keeps a finished Job
 *                        ({@code ttlSecondsAfterFinished}) in case the controller does not reap it first
 * @param activeDeadline  {@code JOB_TIMEOUT} (30m) plus {@code ROOMOTE_WORKER_DEADLINE_MARGIN} (15m, for the image
 *                        pull, the start and the worker's own clean-up): the Job's {@code activeDeadlineSeconds}
 * @param readOnlyRoot    {@code ROOMOTE_KUBERNETES_READ_ONLY_ROOT} (true): the worker's root file system is read-only;
 *                        /tmp and {@code workDir} are empty, writable volumes
 * @param workDir         {@code ROOMOTE_KUBERNETES_WORK_DIR} ({@code /var/lib/roomote}): the writable volume, the
 *                        worker's {@code ROOMOTE_HOME} unless the worker's settings give one
 */
public record KubernetesLauncherSettings(Optional<String> namespace, String secretName, Optional<String> serviceAccount,
                                         WorkerContainer container, String cpuRequest, String memoryRequest,
                                         int ttlAfterFinished, Duration activeDeadline, boolean readOnlyRoot,
                                         String workDir) {

    public static final String DEFAULT_SECRET = "roomote";
    public static final String DEFAULT_WORK_DIR = "/var/lib/roomote";

    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    private static final Pattern DNS_SUBDOMAIN = Pattern.compile("(?=.{1,253}$)[a-z0-9]([-a-z0-9.]*[a-z0-9])?");
    private static final Pattern ABSOLUTE_PATH = Pattern.compile("/[A-Za-z0-9._/-]*[A-Za-z0-9._-]");

    /** @throws ConfigurationException naming the first malformed setting and what it accepts */
    public static KubernetesLauncherSettings from(Configuration config) {
        Optional<String> namespace = SettingValues.value(config, "ROOMOTE_KUBERNETES_NAMESPACE");
        if (namespace.isPresent() && !DNS_LABEL.matcher(namespace.get()).matches()) {
            throw new ConfigurationException("ROOMOTE_KUBERNETES_NAMESPACE must be a namespace name (lower-case letters,"
                    + " digits and '-', at most 63), got '" + namespace.get() + "'");
        }
        String secret = SettingValues.value(config, "ROOMOTE_KUBERNETES_SECRET").orElse(DEFAULT_SECRET);
        if (!DNS_SUBDOMAIN.matcher(secret).matches()) {
            throw new ConfigurationException("ROOMOTE_KUBERNETES_SECRET must be the name of a Secret (lower-case letters,"
                    + " digits, '-' and '.'), got '" + secret + "'");
        }
        Optional<String> serviceAccount = SettingValues.value(config, "ROOMOTE_KUBERNETES_SERVICE_ACCOUNT");
        if (serviceAccount.isPresent() && !DNS_SUBDOMAIN.matcher(serviceAccount.get()).matches()) {
            throw new ConfigurationException("ROOMOTE_KUBERNETES_SERVICE_ACCOUNT must be a service account name"
                    + " (lower-case letters, digits, '-' and '.'), got '" + serviceAccount.get() + "'");
        }
        WorkerContainer container = WorkerContainer.from(config);
        String cpuRequest = SettingValues.value(config, "ROOMOTE_WORKER_CPU_REQUEST")
                .map(v -> WorkerContainer.cpus("ROOMOTE_WORKER_CPU_REQUEST", v))
                .orElse(container.cpus());
        String memoryRequest = SettingValues.value(config, "ROOMOTE_WORKER_MEMORY_REQUEST")
                .map(v -> WorkerContainer.memoryQuantity(WorkerContainer.memory("ROOMOTE_WORKER_MEMORY_REQUEST", v)))
                .orElse(container.memoryQuantity());
        int ttl = SettingValues.intAtLeast(config, "ROOMOTE_WORKER_TTL_SECONDS", 600, 0);
        Duration jobTimeout = SettingValues.duration(config, "JOB_TIMEOUT", Duration.ofMinutes(30), ChronoUnit.MINUTES);
        Duration margin = SettingValues.duration(config, "ROOMOTE_WORKER_DEADLINE_MARGIN", Duration.ofMinutes(15), ChronoUnit.MINUTES);
        boolean readOnlyRoot = bool(config, "ROOMOTE_KUBERNETES_READ_ONLY_ROOT", true);
        String workDir = SettingValues.value(config, "ROOMOTE_KUBERNETES_WORK_DIR").orElse(DEFAULT_WORK_DIR);
        if (!ABSOLUTE_PATH.matcher(workDir).matches() || workDir.equals("/tmp") || workDir.contains("..")) {
            throw new ConfigurationException("ROOMOTE_KUBERNETES_WORK_DIR must be an absolute path in the worker's"
                    + " container other than / and /tmp, such as " + DEFAULT_WORK_DIR + ", got '" + workDir + "'");
        }
        return new KubernetesLauncherSettings(namespace, secret, serviceAccount, container, cpuRequest, memoryRequest,
                ttl, jobTimeout.plus(margin), readOnlyRoot, workDir);
    }

    private static boolean bool(Configuration config, String name, boolean defaultValue) {
        Optional<String> raw = SettingValues.value(config, name);
        if (raw.isEmpty()) {
            return defaultValue;
        }
        return switch (raw.get().toLowerCase(java.util.Locale.ROOT)) {
            case "true", "1", "yes", "on" -> true;
            case "false", "0", "no", "off" -> false;
            default -> throw new ConfigurationException(name + " must be true or false, got '" + raw.get() + "'");
        };
    }
}
