package io.roomote.jenkins;

import hudson.model.Queue;
import hudson.model.Run;
import hudson.model.TaskListener;
import hudson.model.listeners.RunListener;
import jenkins.model.ParameterizedJobMixIn;
import org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition;
import org.jenkinsci.plugins.workflow.job.WorkflowJob;
import org.junit.jupiter.api.Test;
import org.jvnet.hudson.test.JenkinsRule;
import org.jvnet.hudson.test.TestExtension;
import org.jvnet.hudson.test.junit.jupiter.WithJenkins;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The cap under a burst: ten capped Pipeline jobs scheduled inside one Queue lock (so one maintenance moves them
 * all from the waiting list), Max concurrent Roomote builds 3 — never more than three run at once, and all ten
 * finish. Counted by a RunListener.
 * <p><b>Never run where it was written</b>: type-checked only; it runs with {@code mvn -Pjenkins verify}.
 */
@WithJenkins
class RoomoteQueueTaskDispatcherTest {

    @Test
    void aBurstOfTenRunsAtMostTheCap(JenkinsRule j) throws Exception {
        RoomoteGlobalConfiguration cfg = RoomoteGlobalConfiguration.get();
        cfg.setMaxConcurrentBuilds(3);
        cfg.setCappedJobs("*");
        cfg.save();
        List<WorkflowJob> jobs = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            WorkflowJob p = j.createProject(WorkflowJob.class, "burst-" + i);
            p.setDefinition(new CpsFlowDefinition("sleep 3", true));
            jobs.add(p);
        }

        Queue.withLock(() -> jobs.forEach(p -> ParameterizedJobMixIn.scheduleBuild2(p, 0)));

        await().atMost(Duration.ofMinutes(3)).until(() -> jobs.stream().allMatch(p -> p.getLastCompletedBuild() != null));
        Concurrency c = j.jenkins.getExtensionList(RunListener.class).get(Concurrency.class);
        assertThat(c.max.get()).isEqualTo(3);
        assertThat(c.started.get()).isEqualTo(10);
    }

    @TestExtension("aBurstOfTenRunsAtMostTheCap")
    public static class Concurrency extends RunListener<Run<?, ?>> {
        final AtomicInteger running = new AtomicInteger();
        final AtomicInteger max = new AtomicInteger();
        final AtomicInteger started = new AtomicInteger();

        @Override
        public void onStarted(Run<?, ?> r, TaskListener listener) {
            started.incrementAndGet();
            max.accumulateAndGet(running.incrementAndGet(), Math::max);
        }

        @Override
        public void onCompleted(Run<?, ?> r, TaskListener listener) {
            running.decrementAndGet();
        }
    }
}
