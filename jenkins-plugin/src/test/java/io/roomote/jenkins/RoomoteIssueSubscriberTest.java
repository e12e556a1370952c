package io.roomote.jenkins;

import hudson.ExtensionList;
import org.jenkinsci.plugins.github.extension.GHSubscriberEvent;
import org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition;
import org.jenkinsci.plugins.workflow.job.WorkflowJob;
import org.jenkinsci.plugins.workflow.job.WorkflowRun;
import org.junit.jupiter.api.Test;
import org.jvnet.hudson.test.JenkinsRule;
import org.jvnet.hudson.test.junit.jupiter.WithJenkins;
import org.kohsuke.github.GHEvent;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A GitHub {@code issues.labeled} delivery (the fix job type's test payload, the documented webhook shape) into a
 * declarative trigger job whose {@code parameters {}} block has never run: nothing is scheduled and Manage
 * Jenkins says why; after one run, GitHub's "Redeliver" of the same delivery starts the build with ISSUE and REPO
 * and the job's other defaults; a third delivery of that GUID is ignored.
 * <p><b>Never run where it was written</b>: type-checked only; it runs with {@code mvn -Pjenkins verify}.
 */
@WithJenkins
class RoomoteIssueSubscriberTest {

    @Test
    void theFirstWebhookBuildGetsItsParametersOnceTheJobDefinesThem(JenkinsRule j) throws Exception {
        WorkflowJob p = j.createProject(WorkflowJob.class, "roomote-fix");
        p.setDefinition(new CpsFlowDefinition("pipeline {\n"
                + "  agent none\n"
                + "  parameters {\n"
                + "    string(name: 'ISSUE', defaultValue: '', description: 'issue number')\n"
                + "    string(name: 'REPO', defaultValue: '', description: 'owner/name')\n"
                + "    string(name: 'AGENT', defaultValue: 'opencode', description: 'agent')\n"
                + "  }\n"
                + "  stages { stage('show') { steps { echo \"ISSUE=${params.ISSUE} REPO=${params.REPO} AGENT=${params.AGENT}\" } } }\n"
                + "}", true));
        RoomoteGlobalConfiguration cfg = RoomoteGlobalConfiguration.get();
        cfg.setTriggerJob("roomote-fix");
        cfg.setAllowedRepos("acme/app");
        cfg.save();
        RoomoteIssueSubscriber subscriber = ExtensionList.lookupSingleton(RoomoteIssueSubscriber.class);
        String payload;
        try (InputStream in = RoomoteIssueSubscriberTest.class.getResourceAsStream("/github/issues-labeled.json")) {
            payload = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }

        subscriber.onEvent(new GHSubscriberEvent("guid-1", null, GHEvent.ISSUES, payload));
        await().atMost(Duration.ofSeconds(30)).until(() -> RoomoteTriggerMonitor.get().isActivated());
        assertThat(RoomoteTriggerMonitor.get().getProblem()).contains("acme/app#42 was not started")
                .contains("does not define the parameters ISSUE and REPO").contains("run the job once");
        j.waitUntilNoActivity();
        assertThat(p.getLastBuild()).isNull();

        j.buildAndAssertSuccess(p); // the first run defines the parameters

        subscriber.onEvent(new GHSubscriberEvent("guid-1", null, GHEvent.ISSUES, payload));
        await().atMost(Duration.ofSeconds(60)).until(() -> p.getBuildByNumber(2) != null);
        WorkflowRun second = j.assertBuildStatusSuccess(j.waitForCompletion(p.getBuildByNumber(2)));
        j.assertLogContains("ISSUE=42 REPO=acme/app AGENT=opencode", second);
        assertThat(second.getCause(RoomoteIssueCause.class)).isNotNull();
        assertThat(RoomoteTriggerMonitor.get().isActivated()).isFalse();

        subscriber.onEvent(new GHSubscriberEvent("guid-1", null, GHEvent.ISSUES, payload));
        Thread.sleep(2_000); // the events thread handles deliveries in order; give it the time to (not) schedule
        j.waitUntilNoActivity();
        assertThat(p.getLastBuild().getNumber()).isEqualTo(2);
    }
}
