package io.roomote.controller.kubernetes;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.roomote.controller.LaunchedWorker;
import io.roomote.controller.ReapedWorker;
import io.roomote.controller.WorkerSpec;
import io.roomote.core.config.ConfigurationException;
import io.roomote.core.config.Settings;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The kubernetes launcher against fabric8's Kubernetes MOCK SERVER in CRUD mode: a STAND-IN of the API server that
 * stores and returns objects (with label selectors) but runs no Job controller, scheduler or kubelet, so no pod
 * ever starts by itself. Jobs are "finished" and pods "exited" here by writing their status through the stand-in,
 * as the Job controller and the kubelet would. Real: the fabric8 client and its JDK HTTP transport, the launcher's
 * Job spec as the API server receives it, its listing, filtering and deleting.
 */
@EnableKubernetesMockClient(crud = true)
class KubernetesWorkerLauncherTest {

    private static final Instant NOW = Instant.parse("2026-11-30T13:00:00Z");
    private static final String SECRET_DB = "postgres://roomote:s3cr3t-db-pw@db:5432/roomote";
    private static final String SECRET_GH = "ghp_TopSecretTokenValue1234567890";

    KubernetesMockServer server;
    KubernetesClient client;

    private KubernetesWorkerLauncher launcher(KubernetesClient c, Map<String, String> settings) {
        return new KubernetesWorkerLauncher(c, KubernetesLauncherSettings.from(Settings.of(settings)), Clock.fixed(NOW, ZoneOffset.UTC));
    }

    private static WorkerSpec spec(String controller, String worker) {
        return new WorkerSpec(controller, worker, Map.of("JOB_TIMEOUT", "20m", "ROOMOTE_SANDBOX", "bwrap"),
                Map.of("DATABASE_URL", SECRET_DB, "GH_TOKEN", SECRET_GH));
    }

    @Test
    void eachWorkerIsOneJobWithLabelsLimitsDeadlineAndSecretsOnlyByReference() throws IOException {
        KubernetesWorkerLauncher launcher = launcher(client, Map.of("JOB_TIMEOUT", "20m",
                "ROOMOTE_WORKER_RUNNER_IMAGE", "registry.example/roomote/runner:1.2.3",
                "ROOMOTE_WORKER_CPUS", "1.5", "ROOMOTE_WORKER_MEMORY", "3g", "ROOMOTE_WORKER_CPU_REQUEST", "0.5",
                "ROOMOTE_KUBERNETES_SERVICE_ACCOUNT", "roomote-worker"));

        LaunchedWorker launched = launcher.launch(spec("ctl-1", "roomote-worker-ctl-1-7"));

        assertThat(launched.id()).isEqualTo("roomote-worker-ctl-1-7");
        assertThat(launched.workerName()).isEqualTo("roomote-worker-ctl-1-7");
        Job job = client.batch().v1().jobs().inNamespace("test").withName("roomote-worker-ctl-1-7").get();
        assertThat(job).isNotNull();
        Map<String, String> labels = Map.of("app.kubernetes.io/name", "roomote", "app.kubernetes.io/component", "worker",
                "roomote.io/controller", "ctl-1", "roomote.io/job", "roomote-worker-ctl-1-7");
        assertThat(job.getMetadata().getLabels()).containsAllEntriesOf(labels);
        assertThat(job.getSpec().getBackoffLimit()).isZero();
        assertThat(job.getSpec().getTtlSecondsAfterFinished()).isEqualTo(600);
        assertThat(job.getSpec().getActiveDeadlineSeconds()).isEqualTo((20 + 15) * 60L);
        assertThat(job.getSpec().getTemplate().getMetadata().getLabels()).containsAllEntriesOf(labels);

        PodSpec pod = job.getSpec().getTemplate().getSpec();
        assertThat(pod.getRestartPolicy()).isEqualTo("Never");
        assertThat(pod.getServiceAccountName()).isEqualTo("roomote-worker");
        assertThat(pod.getAutomountServiceAccountToken()).isFalse();
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getContainers()).hasSize(1);
        Container worker = pod.getContainers().get(0);
        assertThat(worker.getName()).isEqualTo("worker");
        assertThat(worker.getImage()).isEqualTo("registry.example/roomote/runner:1.2.3");
        assertThat(worker.getArgs()).containsExactly("worker", "--once");
        assertThat(worker.getResources().getLimits()).containsOnly(
                Map.entry("cpu", new Quantity("1.5")), Map.entry("memory", new Quantity("3Gi")));
        assertThat(worker.getResources().getRequests()).containsOnly(
                Map.entry("cpu", new Quantity("0.5")), Map.entry("memory", new Quantity("3Gi")));
        assertThat(worker.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(worker.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(worker.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(worker.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(worker.getVolumeMounts()).extracting(m -> m.getMountPath()).containsExactly("/tmp", "/var/lib/roomote");
        assertThat(pod.getVolumes()).allSatisfy(v -> assertThat(v.getEmptyDir()).isNotNull());

        Map<String, EnvVar> env = new java.util.TreeMap<>();
        worker.getEnv().forEach(e -> env.put(e.getName(), e));
        assertThat(env).containsOnlyKeys("DATABASE_URL", "GH_TOKEN", "JOB_TIMEOUT", "ROOMOTE_HOME", "ROOMOTE_SANDBOX");
        assertThat(env.get("JOB_TIMEOUT").getValue()).isEqualTo("20m");
        assertThat(env.get("ROOMOTE_HOME").getValue()).isEqualTo("/var/lib/roomote");
        for (String secret : List.of("DATABASE_URL", "GH_TOKEN")) {
            assertThat(env.get(secret).getValue()).isNull();
            assertThat(env.get(secret).getValueFrom().getSecretKeyRef().getName()).isEqualTo("roomote");
            assertThat(env.get(secret).getValueFrom().getSecretKeyRef().getKey()).isEqualTo(secret);
            assertThat(env.get(secret).getValueFrom().getSecretKeyRef().getOptional()).isFalse();
        }
        String stored = Serialization.asJson(job);
        assertThat(stored).doesNotContain(SECRET_DB).doesNotContain("s3cr3t-db-pw").doesNotContain(SECRET_GH);
    }

    @Test
    void theSecretNameWritableRootAndWorkDirAreSettings() throws IOException {
        launcher(client, Map.of("ROOMOTE_KUBERNETES_SECRET", "roomote-prod", "ROOMOTE_KUBERNETES_READ_ONLY_ROOT", "false",
                "ROOMOTE_KUBERNETES_WORK_DIR", "/data", "ROOMOTE_WORKER_TTL_SECONDS", "0"))
                .launch(new WorkerSpec("ctl-1", "w-1", Map.of("ROOMOTE_HOME", "/data/home"), Map.of("GH_TOKEN", SECRET_GH)));

        Job job = client.batch().v1().jobs().inNamespace("test").withName("w-1").get();
        Container worker = job.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(job.getSpec().getTtlSecondsAfterFinished()).isZero();
        assertThat(job.getSpec().getTemplate().getSpec().getServiceAccountName()).isNull();
        assertThat(worker.getSecurityContext().getReadOnlyRootFilesystem()).isFalse();
        assertThat(worker.getVolumeMounts()).extracting(m -> m.getMountPath()).containsExactly("/tmp", "/data");
        assertThat(worker.getEnv()).filteredOn(e -> e.getName().equals("ROOMOTE_HOME"))
                .singleElement().extracting(EnvVar::getValue).isEqualTo("/data/home");
        assertThat(worker.getEnv()).filteredOn(e -> e.getName().equals("GH_TOKEN"))
                .singleElement().satisfies(e -> assertThat(e.getValueFrom().getSecretKeyRef().getName()).isEqualTo("roomote-prod"));
    }

    @Test
    void aRestartedControllerCountsItsUnfinishedJobsFromTheApiServer() throws IOException {
        KubernetesWorkerLauncher before = launcher(client, Map.of());
        for (int i = 1; i <= 3; i++) {
            before.launch(spec("ctl-1", "roomote-worker-ctl-1-" + i));
        }
        before.launch(spec("ctl-2", "roomote-worker-ctl-2-1"));
        finish("roomote-worker-ctl-1-2", "Complete");

        // The controller restarts: a new client and a new launcher, nothing carried over but the API server's state.
        try (KubernetesClient fresh = server.createClient()) {
            List<LaunchedWorker> alive = launcher(fresh, Map.of()).alive("ctl-1");

            assertThat(alive).extracting(LaunchedWorker::id)
                    .containsExactlyInAnyOrder("roomote-worker-ctl-1-1", "roomote-worker-ctl-1-3");
            assertThat(alive).extracting(LaunchedWorker::workerName)
                    .containsExactlyInAnyOrder("roomote-worker-ctl-1-1", "roomote-worker-ctl-1-3");
            assertThat(launcher(fresh, Map.of()).alive("ctl-2")).extracting(LaunchedWorker::id)
                    .containsExactly("roomote-worker-ctl-2-1");
            assertThat(launcher(fresh, Map.of()).alive("ctl-3")).isEmpty();
        }
    }

    @Test
    void aJobWhosePodsAreStillEndingIsStillAlive() throws IOException {
        KubernetesWorkerLauncher launcher = launcher(client, Map.of());
        launcher.launch(spec("ctl-1", "w-1"));
        // Kubernetes 1.31+ sets FailureTarget first and Failed only once the pod is gone.
        finish("w-1", "FailureTarget");

        assertThat(launcher.alive("ctl-1")).extracting(LaunchedWorker::id).containsExactly("w-1");
        assertThat(launcher.reap("ctl-1")).isEmpty();
    }

    @Test
    void reapDeletesFinishedJobsAndReportsTheWorkerContainersExitCode() throws IOException {
        KubernetesWorkerLauncher launcher = launcher(client, Map.of());
        launcher.launch(spec("ctl-1", "w-done"));
        launcher.launch(spec("ctl-1", "w-failed"));
        launcher.launch(spec("ctl-1", "w-running"));
        launcher.launch(spec("ctl-2", "w-other-done"));
        finish("w-done", "Complete");
        finish("w-failed", "Failed");
        finish("w-other-done", "Complete");
        exitedPod("w-done-abcde", "w-done", 0);
        exitedPod("w-failed-fghij", "w-failed", 3);

        List<ReapedWorker> reaped = launcher.reap("ctl-1");

        assertThat(reaped).containsExactlyInAnyOrder(
                new ReapedWorker("w-done", "w-done", OptionalInt.of(0)),
                new ReapedWorker("w-failed", "w-failed", OptionalInt.of(3)));
        assertThat(client.batch().v1().jobs().inNamespace("test").list().getItems())
                .extracting(j -> j.getMetadata().getName()).containsExactlyInAnyOrder("w-running", "w-other-done");
        assertThat(launcher.reap("ctl-1")).isEmpty();
        assertThat(launcher.alive("ctl-1")).extracting(LaunchedWorker::id).containsExactly("w-running");
    }

    @Test
    void aFinishedJobWhosePodIsGoneIsReapedWithoutAnExitCode() throws IOException {
        KubernetesWorkerLauncher launcher = launcher(client, Map.of());
        launcher.launch(spec("ctl-1", "w-1"));
        finish("w-1", "Failed");

        assertThat(launcher.reap("ctl-1")).containsExactly(new ReapedWorker("w-1", "w-1", OptionalInt.empty()));
    }

    @Test
    void theNamespaceIsTheSettingElseTheClients() throws IOException {
        KubernetesWorkerLauncher own = launcher(client, Map.of("ROOMOTE_KUBERNETES_NAMESPACE", "roomote-workers"));
        KubernetesWorkerLauncher clients = launcher(client, Map.of());
        assertThat(own.namespace()).isEqualTo("roomote-workers");
        assertThat(clients.namespace()).isEqualTo(client.getNamespace()).isEqualTo("test");

        own.launch(spec("ctl-1", "w-1"));

        assertThat(client.batch().v1().jobs().inNamespace("roomote-workers").withName("w-1").get()).isNotNull();
        assertThat(client.batch().v1().jobs().inNamespace("test").withName("w-1").get()).isNull();
        assertThat(own.alive("ctl-1")).extracting(LaunchedWorker::id).containsExactly("w-1");
        assertThat(clients.alive("ctl-1")).isEmpty();
    }

    @Test
    void workerNamesBecomeValidJobNamesAndKeepTheirOwnNameInAnAnnotation() throws IOException {
        KubernetesWorkerLauncher launcher = launcher(client, Map.of());
        LaunchedWorker launched = launcher.launch(spec("ctl-1", "Roomote_Worker.1"));

        assertThat(launched.id()).isEqualTo("roomote-worker-1");
        assertThat(launcher.alive("ctl-1")).singleElement()
                .satisfies(w -> assertThat(w.workerName()).isEqualTo("Roomote_Worker.1"));
    }

    @Test
    void anApiErrorIsOneLineThatSaysWhatCouldNotBeDone() throws IOException {
        KubernetesWorkerLauncher launcher = launcher(client, Map.of());
        launcher.launch(spec("ctl-1", "w-1"));

        assertThatThrownBy(() -> launcher.launch(spec("ctl-1", "w-1")))
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith("Kubernetes: could not create the Job w-1 in namespace test: 409 ")
                .hasMessageNotContaining("\n")
                .hasMessageNotContaining(SECRET_GH);
    }

    @Test
    void aForbiddenAnswerSaysWhichPermissionsTheControllerNeeds() {
        // A second stand-in API server, in expectation mode, that answers the Job creation as an API server whose
        // RBAC refuses it (a Status of code 403, as documented for the Kubernetes API).
        KubernetesMockServer strict = new KubernetesMockServer(false);
        strict.expect().post().withPath("/apis/batch/v1/namespaces/test/jobs")
                .andReturn(403, new StatusBuilder().withStatus("Failure").withCode(403).withReason("Forbidden")
                        .withMessage("jobs.batch is forbidden: User \"system:serviceaccount:test:roomote-controller\""
                                + " cannot create resource \"jobs\" in API group \"batch\" in the namespace \"test\"")
                        .build())
                .once();
        strict.init();
        try (KubernetesClient c = strict.createClient()) {
            assertThatThrownBy(() -> launcher(c, Map.of()).launch(spec("ctl-1", "w-1")))
                    .isInstanceOf(IOException.class)
                    .hasMessage("Kubernetes: could not create the Job w-1 in namespace test: 403 jobs.batch is forbidden:"
                            + " User \"system:serviceaccount:test:roomote-controller\" cannot create resource \"jobs\" in API"
                            + " group \"batch\" in the namespace \"test\"; the controller's service account needs create, list"
                            + " and delete on jobs and list on pods in namespace test");
        } finally {
            strict.destroy();
        }
    }

    @Test
    void anUnreachableApiServerIsOneLineThatSaysWhereItLooked() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        // A real fabric8 client against a port where nothing listens; no stand-in.
        try (KubernetesClient c = new KubernetesClientBuilder().withConfig(new ConfigBuilder()
                .withMasterUrl("http://127.0.0.1:" + closedPort).withNamespace("test")
                .withRequestRetryBackoffLimit(0).build()).build()) {
            assertThatThrownBy(() -> launcher(c, Map.of()).alive("ctl-1"))
                    .isInstanceOf(IOException.class)
                    .hasMessageStartingWith("Kubernetes: could not list the worker Jobs in namespace test: no answer from"
                            + " the API server at http://127.0.0.1:" + closedPort)
                    .hasMessageContaining("KUBECONFIG")
                    .hasMessageNotContaining("\n");
        }
    }

    @Test
    void badSettingsNameTheSettingAndWhatItTakes() {
        assertThatThrownBy(() -> KubernetesLauncherSettings.from(Settings.of(Map.of("ROOMOTE_KUBERNETES_NAMESPACE", "Roomote_Workers"))))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("ROOMOTE_KUBERNETES_NAMESPACE");
        assertThatThrownBy(() -> KubernetesLauncherSettings.from(Settings.of(Map.of("ROOMOTE_KUBERNETES_SECRET", "my secret"))))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("ROOMOTE_KUBERNETES_SECRET");
        assertThatThrownBy(() -> KubernetesLauncherSettings.from(Settings.of(Map.of("ROOMOTE_WORKER_TTL_SECONDS", "-1"))))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("ROOMOTE_WORKER_TTL_SECONDS");
        assertThatThrownBy(() -> KubernetesLauncherSettings.from(Settings.of(Map.of("ROOMOTE_WORKER_MEMORY_REQUEST", "lots"))))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("ROOMOTE_WORKER_MEMORY_REQUEST");
        assertThatThrownBy(() -> KubernetesLauncherSettings.from(Settings.of(Map.of("ROOMOTE_WORKER_CPU_REQUEST", "-1"))))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("ROOMOTE_WORKER_CPU_REQUEST");
        assertThatThrownBy(() -> KubernetesLauncherSettings.from(Settings.of(Map.of("ROOMOTE_KUBERNETES_READ_ONLY_ROOT", "maybe"))))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("ROOMOTE_KUBERNETES_READ_ONLY_ROOT");
        assertThatThrownBy(() -> KubernetesLauncherSettings.from(Settings.of(Map.of("ROOMOTE_KUBERNETES_WORK_DIR", "/tmp"))))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("ROOMOTE_KUBERNETES_WORK_DIR");
        assertThatThrownBy(() -> KubernetesLauncherSettings.from(Settings.of(Map.of("ROOMOTE_WORKER_DEADLINE_MARGIN", "later"))))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("ROOMOTE_WORKER_DEADLINE_MARGIN");
    }

    /** What the Job controller would do: set a condition on the Job's status. */
    private void finish(String jobName, String conditionType) {
        Job job = client.batch().v1().jobs().inNamespace("test").withName(jobName).get();
        if (job == null) {
            job = client.batch().v1().jobs().inAnyNamespace().list().getItems().stream()
                    .filter(j -> j.getMetadata().getName().equals(jobName)).findFirst().orElseThrow();
        }
        Job finished = new JobBuilder(job).withNewStatus()
                .addNewCondition().withType(conditionType).withStatus("True").withReason("Test").endCondition()
                .endStatus().build();
        client.batch().v1().jobs().inNamespace(job.getMetadata().getNamespace()).resource(finished).updateStatus();
    }

    /** What the Job controller and the kubelet would leave: the Job's pod with its worker container exited. */
    private void exitedPod(String podName, String jobName, int exitCode) {
        client.pods().inNamespace("test").resource(new PodBuilder()
                .withNewMetadata().withName(podName).withLabels(Map.of("roomote.io/job", jobName)).endMetadata()
                .withNewSpec().addNewContainer().withName("worker").withImage("roomote/runner:latest").endContainer().endSpec()
                .withNewStatus().addNewContainerStatus().withName("worker")
                    .withNewState().withNewTerminated().withExitCode(exitCode).endTerminated().endState()
                .endContainerStatus().endStatus()
                .build()).create();
    }
}
