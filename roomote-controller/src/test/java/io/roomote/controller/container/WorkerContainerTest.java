package io.roomote.controller.container;

import io.roomote.core.config.Settings;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The runner container's settings and their Kubernetes forms; plain parsing, nothing stands in. */
class WorkerContainerTest {

    @Test
    void defaultsAreTheRunnerImageTwoCpusFourGigabytesAnd2048Processes() {
        assertThat(WorkerContainer.from(Settings.of(Map.of())))
                .isEqualTo(new WorkerContainer("roomote/runner:latest", "2", "4g", 2048));
    }

    @Test
    void dockerMemoryBecomesABinaryKubernetesQuantity() {
        assertThat(WorkerContainer.memoryQuantity("4g")).isEqualTo("4Gi");
        assertThat(WorkerContainer.memoryQuantity("512m")).isEqualTo("512Mi");
        assertThat(WorkerContainer.memoryQuantity("1024k")).isEqualTo("1024Ki");
        assertThat(WorkerContainer.memoryQuantity("1073741824")).isEqualTo("1073741824");
        assertThat(WorkerContainer.memoryQuantity("100b")).isEqualTo("100");
        assertThat(WorkerContainer.from(Settings.of(Map.of("ROOMOTE_WORKER_MEMORY", "6G"))).memoryQuantity()).isEqualTo("6Gi");
    }

    @Test
    void controllerIdsAndWorkerNamesMustBeLabelValues() {
        assertThat(WorkerNames.requireControllerId("roomote-controller-0")).isEqualTo("roomote-controller-0");
        assertThat(WorkerNames.requireWorkerName("Roomote_Worker.1")).isEqualTo("Roomote_Worker.1");
        assertThatThrownBy(() -> WorkerNames.requireControllerId("-ctl")).hasMessageContaining("controller id '-ctl'");
        assertThatThrownBy(() -> WorkerNames.requireWorkerName("w".repeat(64))).hasMessageContaining("1 to 63");
        assertThatThrownBy(() -> WorkerNames.requireWorkerName("w/1")).isInstanceOf(IllegalArgumentException.class);
    }
}
