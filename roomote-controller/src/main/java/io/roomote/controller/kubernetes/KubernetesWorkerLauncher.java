package io.roomote.controller.kubernetes;

import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import io.roomote.controller.LaunchedWorker;
import io.roomote.controller.ReapedWorker;
import io.roomote.controller.WorkerLauncher;
import io.roomote.controller.WorkerSpec;
import io.roomote.controller.container.WorkerContainer;
import io.roomote.controller.container.WorkerNames;
import io.roomote.spi.Configuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;

/**
 * Starts each single-job worker as a Kubernetes {@code batch/v1 Job} of the runner image, through the fabric8
 * client (the JDK's HTTP client underneath). The Job carries labels a restarted controller lists its workers by,
 * runs once ({@code backoffLimit 0}, {@code restartPolicy Never}) within {@code activeDeadlineSeconds}, as a
 * non-root user on a read-only root, with no API token; Kubernetes deletes it {@code ttlSecondsAfterFinished}
 * after it ends unless {@link #reap} did. Secrets reach the worker only as references to keys of an existing
 * Kubernetes Secret: their values are never in the Job, and the controller never reads them.
 */
public final class KubernetesWorkerLauncher implements WorkerLauncher, AutoCloseable {

    public static final String NAME_LABEL = "app.kubernetes.io/name";
    public static final String COMPONENT_LABEL = "app.kubernetes.io/component";
    public static final String CONTROLLER_LABEL = "roomote.io/controller";
    /** On the Job and its pod: the Job's name, so the pod is found without relying on the Job controller's labels. */
    public static final String JOB_LABEL = "roomote.io/job";
    /** The worker's name as the controller gave it (a Job name must be lower case). */
    public static final String WORKER_NAME_ANNOTATION = "roomote.io/worker-name";
    public static final String CONTAINER_NAME = "worker";

    private static final Logger LOG = LoggerFactory.getLogger(KubernetesWorkerLauncher.class);

    private final KubernetesClient client;
    private final boolean ownsClient;
    private final KubernetesLauncherSettings settings;
    private final String namespace;
    private final Clock clock;

    /** With a client the caller owns (and closes); the namespace is the setting's, else the client's. */
    public KubernetesWorkerLauncher(KubernetesClient client, KubernetesLauncherSettings settings, Clock clock) {
        this(client, false, settings, clock);
    }

    private KubernetesWorkerLauncher(KubernetesClient client, boolean ownsClient, KubernetesLauncherSettings settings, Clock clock) {
        this.client = client;
        this.ownsClient = ownsClient;
        this.settings = settings;
        this.namespace = settings.namespace()
                .or(() -> Optional.ofNullable(client.getNamespace()).filter(n -> !n.isBlank()))
                .orElse("default");
        this.clock = clock;
    }

    /**
     * The launcher the settings describe, with a client configured as kubectl would be: in the cluster, the pod's
     * service account; outside, {@code KUBECONFIG} or {@code ~/.kube/config}. {@link #close()} closes that client.
     *
     * @throws io.roomote.core.config.ConfigurationException naming a malformed setting
     */
    public static KubernetesWorkerLauncher fromConfig(Configuration config) {
        KubernetesLauncherSettings settings = KubernetesLauncherSettings.from(config);
        KubernetesClient client = new KubernetesClientBuilder().withHttpClientFactory(new JdkHttpClientFactory()).build();
        return new KubernetesWorkerLauncher(client, true, settings, Clock.systemUTC());
    }

    @Override
    public String name() {
        return "kubernetes";
    }

    /** Where the Jobs are created. */
    public String namespace() {
        return namespace;
    }

    @Override
    public LaunchedWorker launch(WorkerSpec spec) throws IOException {
        Job job = job(spec);
        String name = job.getMetadata().getName();
        try {
            Job created = client.batch().v1().jobs().inNamespace(namespace).resource(job).create();
            LOG.info("started worker {} as Job {}/{}", spec.workerName(), namespace, name);
            return new LaunchedWorker(name, spec.workerName(), createdAt(created).orElseGet(clock::instant));
        } catch (KubernetesClientException e) {
            throw failure("create the Job " + name, e);
        }
    }

    /** The Job that runs {@code spec}'s worker; package-private so tests can read it without an API server. */
    Job job(WorkerSpec spec) {
        String controllerId = WorkerNames.requireControllerId(spec.controllerId());
        String name = jobName(WorkerNames.requireWorkerName(spec.workerName()));
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(NAME_LABEL, "roomote");
        labels.put(COMPONENT_LABEL, "worker");
        labels.put(CONTROLLER_LABEL, controllerId);
        labels.put(JOB_LABEL, name);
        WorkerContainer c = settings.container();
        return new JobBuilder()
                .withNewMetadata()
                    .withName(name)
                    .withNamespace(namespace)
                    .withLabels(labels)
                    .withAnnotations(Map.of(WORKER_NAME_ANNOTATION, spec.workerName()))
                .endMetadata()
                .withNewSpec()
                    .withBackoffLimit(0)
                    .withTtlSecondsAfterFinished(settings.ttlAfterFinished())
                    .withActiveDeadlineSeconds(settings.activeDeadline().toSeconds())
                    .withNewTemplate()
                        .withNewMetadata().withLabels(labels).endMetadata()
                        .withNewSpec()
                            .withRestartPolicy("Never")
                            .withServiceAccountName(settings.serviceAccount().orElse(null))
                            // A worker talks to PostgreSQL and GitHub, never to the API server; a hostile agent
                            // that escaped its sandbox finds no token here.
                            .withAutomountServiceAccountToken(false)
                            .withNewSecurityContext().withRunAsNonRoot(true).endSecurityContext()
                            .addNewContainer()
                                .withName(CONTAINER_NAME)
                                .withImage(c.image())
                                .withArgs("worker", "--once")
                                .withEnv(env(spec))
                                .withNewResources()
                                    .withRequests(Map.of("cpu", new Quantity(settings.cpuRequest()),
                                            "memory", new Quantity(settings.memoryRequest())))
                                    .withLimits(Map.of("cpu", new Quantity(c.cpus()),
                                            "memory", new Quantity(c.memoryQuantity())))
                                .endResources()
                                .withNewSecurityContext()
                                    .withRunAsNonRoot(true)
                                    .withAllowPrivilegeEscalation(false)
                                    .withReadOnlyRootFilesystem(settings.readOnlyRoot())
                                    .withNewCapabilities().withDrop("ALL").endCapabilities()
                                .endSecurityContext()
                                .addNewVolumeMount().withName("tmp").withMountPath("/tmp").endVolumeMount()
                                .addNewVolumeMount().withName("work").withMountPath(settings.workDir()).endVolumeMount()
                            .endContainer()
                            .addNewVolume().withName("tmp").withNewEmptyDir().endEmptyDir().endVolume()
                            .addNewVolume().withName("work").withNewEmptyDir().endEmptyDir().endVolume()
                        .endSpec()
                    .endTemplate()
                .endSpec()
                .build();
    }

    /** Settings as values; secrets as references to the Secret's keys of the same name, never their values. */
    private List<EnvVar> env(WorkerSpec spec) {
        Map<String, String> values = new TreeMap<>(spec.environment());
        values.putIfAbsent("ROOMOTE_HOME", settings.workDir());
        List<EnvVar> env = new ArrayList<>();
        for (Map.Entry<String, String> e : values.entrySet()) {
            if (spec.secrets().containsKey(e.getKey())) {
                throw new IllegalArgumentException(e.getKey() + " is given both as a setting and as a secret; give it once");
            }
            env.add(new EnvVarBuilder().withName(e.getKey()).withValue(e.getValue()).build());
        }
        for (String secret : new TreeMap<>(spec.secrets()).keySet()) {
            env.add(new EnvVarBuilder().withName(secret)
                    .withNewValueFrom().withNewSecretKeyRef(secret, settings.secretName(), false).endValueFrom()
                    .build());
        }
        return env;
    }

    @Override
    public List<LaunchedWorker> alive(String controllerId) throws IOException {
        List<LaunchedWorker> alive = new ArrayList<>();
        for (Job job : jobs(controllerId)) {
            if (!finished(job)) {
                alive.add(new LaunchedWorker(job.getMetadata().getName(), workerName(job),
                        createdAt(job).orElseGet(clock::instant)));
            }
        }
        return List.copyOf(alive);
    }

    /**
     * Deletes the controller's finished Jobs (Complete or Failed; their pods follow in the background) and reports
     * each with its worker container's exit code when its pod is still there to tell it.
     */
    @Override
    public List<ReapedWorker> reap(String controllerId) throws IOException {
        List<ReapedWorker> reaped = new ArrayList<>();
        for (Job job : jobs(controllerId)) {
            if (!finished(job)) {
                continue;
            }
            String name = job.getMetadata().getName();
            OptionalInt exitCode = exitCode(name);
            try {
                client.batch().v1().jobs().inNamespace(namespace).withName(name)
                        .withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
            } catch (KubernetesClientException e) {
                if (e.getCode() != 404) {
                    throw failure("delete the finished Job " + name, e);
                }
            }
            reaped.add(new ReapedWorker(name, workerName(job), exitCode));
        }
        return List.copyOf(reaped);
    }

    private List<Job> jobs(String controllerId) throws IOException {
        WorkerNames.requireControllerId(controllerId);
        try {
            return client.batch().v1().jobs().inNamespace(namespace)
                    .withLabel(NAME_LABEL, "roomote")
                    .withLabel(COMPONENT_LABEL, "worker")
                    .withLabel(CONTROLLER_LABEL, controllerId)
                    .list().getItems();
        } catch (KubernetesClientException e) {
            throw failure("list the worker Jobs", e);
        }
    }

    /** The exit code of the Job's last pod's worker container; empty when no pod or no status is left to say. */
    private OptionalInt exitCode(String jobName) {
        List<Pod> pods;
        try {
            pods = client.pods().inNamespace(namespace).withLabel(JOB_LABEL, jobName).list().getItems();
        } catch (KubernetesClientException e) {
            LOG.debug("could not list the pods of Job {}: {}", jobName, e.getMessage());
            return OptionalInt.empty();
        }
        return pods.stream()
                .sorted(Comparator.comparing((Pod p) -> Optional.ofNullable(p.getMetadata().getCreationTimestamp()).orElse("")).reversed())
                .map(KubernetesWorkerLauncher::workerExitCode)
                .filter(OptionalInt::isPresent)
                .findFirst()
                .orElse(OptionalInt.empty());
    }

    private static OptionalInt workerExitCode(Pod pod) {
        if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
            return OptionalInt.empty();
        }
        for (ContainerStatus status : pod.getStatus().getContainerStatuses()) {
            if (!CONTAINER_NAME.equals(status.getName())) {
                continue;
            }
            for (ContainerStateTerminated t : new ContainerStateTerminated[] {
                    status.getState() == null ? null : status.getState().getTerminated(),
                    status.getLastState() == null ? null : status.getLastState().getTerminated()}) {
                if (t != null && t.getExitCode() != null) {
                    return OptionalInt.of(t.getExitCode());
                }
            }
        }
        return OptionalInt.empty();
    }

    /** A Job has finished when its Complete or Failed condition is True; anything else may still be running. */
    static boolean finished(Job job) {
        if (job.getStatus() == null || job.getStatus().getConditions() == null) {
            return false;
        }
        for (JobCondition c : job.getStatus().getConditions()) {
            if (("Complete".equals(c.getType()) || "Failed".equals(c.getType())) && "True".equalsIgnoreCase(c.getStatus())) {
                return true;
            }
        }
        return false;
    }

    /** A Job name: the worker name in lower case with '_' and '.' as '-' (both are valid label values already). */
    static String jobName(String workerName) {
        return workerName.toLowerCase(Locale.ROOT).replace('_', '-').replace('.', '-');
    }

    private static String workerName(Job job) {
        Map<String, String> annotations = job.getMetadata().getAnnotations();
        String name = annotations == null ? null : annotations.get(WORKER_NAME_ANNOTATION);
        return name == null || name.isBlank() ? job.getMetadata().getName() : name;
    }

    private static Optional<Instant> createdAt(Job job) {
        String timestamp = job.getMetadata() == null ? null : job.getMetadata().getCreationTimestamp();
        if (timestamp == null || timestamp.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Instant.parse(timestamp));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    /** One line: what could not be done, the API server's answer (or why there was none), and what to check. */
    private IOException failure(String what, KubernetesClientException e) {
        if (e.getCode() <= 0) {
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            String why = root == e ? firstLine(e.getMessage())
                    : root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + firstLine(root.getMessage()));
            return new IOException("Kubernetes: could not " + what + " in namespace " + namespace
                    + ": no answer from the API server at " + client.getMasterUrl() + " (" + why + "); in the cluster"
                    + " the controller uses its pod's service account, outside it KUBECONFIG or ~/.kube/config", e);
        }
        String reason = e.getStatus() != null && e.getStatus().getMessage() != null && !e.getStatus().getMessage().isBlank()
                ? e.getStatus().getMessage() : firstLine(e.getMessage());
        String hint = e.getCode() == 401 || e.getCode() == 403
                ? "; the controller's service account needs create, list and delete on jobs and list on pods in namespace "
                        + namespace
                : "";
        return new IOException("Kubernetes: could not " + what + " in namespace " + namespace + ": " + e.getCode() + " "
                + firstLine(reason) + hint, e);
    }

    private static String firstLine(String text) {
        if (text == null) {
            return "no answer";
        }
        String line = text.strip().split("\n", 2)[0];
        return line.length() > 300 ? line.substring(0, 300) + "…" : line;
    }

    @Override
    public void close() {
        if (ownsClient) {
            client.close();
        }
    }
}
