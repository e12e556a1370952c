package io.roomote.jenkins;

import io.roomote.jenkins.bridge.step.FixStepResult;
import org.htmlunit.html.HtmlAnchor;
import org.htmlunit.html.HtmlPage;
import org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition;
import org.jenkinsci.plugins.workflow.job.WorkflowJob;
import org.jenkinsci.plugins.workflow.job.WorkflowRun;
import org.junit.jupiter.api.Test;
import org.jvnet.hudson.test.JenkinsRule;
import org.jvnet.hudson.test.junit.jupiter.WithJenkins;

import java.util.Locale;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The build page of a run whose action holds a hostile {@code prUrl} (as an action stored by an older version, or
 * edited on disk, would — the step itself already drops it when reading result.json): no link with it, in the
 * sidebar ({@code Functions.getActionUrl}) or the summary; a real pull request is linked.
 * <p><b>Never run where it was written</b>: type-checked only; it runs with {@code mvn -Pjenkins verify}.
 */
@WithJenkins
class RoomoteBuildActionTest {

    @Test
    void aHostilePullRequestUrlNeverBecomesALink(JenkinsRule j) throws Exception {
        WorkflowJob p = j.createProject(WorkflowJob.class, "page");
        p.setDefinition(new CpsFlowDefinition("echo 'done'", true));
        WorkflowRun b = j.buildAndAssertSuccess(p);
        b.addAction(new RoomoteBuildAction(result(7, "javascript:alert(document.domain)"), false));
        b.addAction(new RoomoteBuildAction(result(8, "https://github.com/acme/app/pull/101"), false));
        b.save();

        try (JenkinsRule.WebClient wc = j.createWebClient()) {
            HtmlPage page = wc.getPage(b);
            for (HtmlAnchor a : page.getAnchors()) {
                assertThat(a.getHrefAttribute().toLowerCase(Locale.ROOT)).doesNotContain("javascript:");
            }
            assertThat(page.getAnchors()).anyMatch(a -> a.getHrefAttribute().equals("https://github.com/acme/app/pull/101"));
            assertThat(page.asNormalizedText()).contains("acme/app#7: no pull request");
        }
    }

    private static FixStepResult result(int issue, String prUrl) {
        return new FixStepResult(issue, "acme/app", issue, "completed", "pr_opened", prUrl, 101, "fix-" + issue, null, 1,
                "opencode", null, 0.5, null, null, 60_000L, null, null);
    }
}
