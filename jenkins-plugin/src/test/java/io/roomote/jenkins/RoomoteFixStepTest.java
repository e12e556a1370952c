package io.roomote.jenkins;

import com.cloudbees.plugins.credentials.CredentialsScope;
import com.cloudbees.plugins.credentials.SystemCredentialsProvider;
import hudson.slaves.EnvironmentVariablesNodeProperty;
import hudson.util.Secret;
import io.roomote.jobs.github.testing.GitHubStandIn;
import io.roomote.jobs.github.testing.GitRemotes;
import org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl;
import org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition;
import org.jenkinsci.plugins.workflow.job.WorkflowJob;
import org.jenkinsci.plugins.workflow.job.WorkflowRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jvnet.hudson.test.JenkinsRule;
import org.jvnet.hudson.test.junit.jupiter.WithJenkins;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code node { roomoteFix … }} in a real Jenkins (JenkinsRule): the step runs the worker through the node's
 * launcher with the {@code command} agent (the scripted agent of github-issue-fix's tests), against GitHubStandIn
 * (the documented GitHub REST shapes, not GitHub) and bare git repositories as the remote. Git reaches
 * {@code https://github.example/} — the stand-in's server, so its pull request URLs pass the plugin's URL check —
 * through git's {@code url.<base>.insteadOf}, handed to the job with {@code GIT_CONFIG_*} and Agent variables.
 * <p><b>Never run where it was written</b> (no Jenkins Maven repository there): type-checked only; it runs with
 * {@code mvn -Pjenkins verify}.
 */
@WithJenkins
class RoomoteFixStepTest {

    static final String TOKEN = "ghp_jenkinsRuleToken0123456789abcdefghij";
    static final String KEY = "sk-or-v1-jenkinsRuleKey0123456789abcdefgh";
    static final String SERVER = "https://github.example";

    @TempDir
    Path temp;

    @Test
    void aPipelineFixesAnIssueAndTheBuildShowsThePullRequest(JenkinsRule j) throws Exception {
        GitRemotes remotes = new GitRemotes(Files.createDirectories(temp.resolve("remotes")));
        remotes.create("acme/app", "calc.py", "def add(a, b):\n    return a - b\n");
        Path script = temp.resolve("scripted-agent.sh");
        try (InputStream in = GitHubStandIn.class.getResourceAsStream("/agents/scripted-agent.sh")) {
            Files.write(script, in.readAllBytes());
        }
        try (GitHubStandIn github = new GitHubStandIn(remotes.root())) {
            github.addIssue("acme/app", 7, "add() subtracts", "add(2, 2) returns 0 instead of 4.", List.of("bug"), "open");
            configure(j, github, remotes, script);

            WorkflowJob p = j.createProject(WorkflowJob.class, "fix");
            p.setDefinition(new CpsFlowDefinition("node {\n"
                    + "  def r = roomoteFix issue: 7, repo: 'acme/app'\n"
                    + "  echo \"roomote said: ${r.outcome} ${r.prUrl}\"\n"
                    + "}", true));
            WorkflowRun b = j.buildAndAssertSuccess(p);

            j.assertLogContains("scripted agent: mode=fix-push-pr", b);
            j.assertLogContains("roomote said: pr_opened " + SERVER + "/acme/app/pull/", b);
            j.assertLogNotContains(TOKEN, b);
            j.assertLogNotContains(KEY, b);
            RoomoteBuildAction action = b.getAction(RoomoteBuildAction.class);
            assertThat(action).isNotNull();
            assertThat(action.getPrUrl()).startsWith(SERVER + "/acme/app/pull/");
            assertThat(action.getUrlName()).isEqualTo(action.getPrUrl());
            assertThat(github.pulls()).hasSize(1);
        }
    }

    static void configure(JenkinsRule j, GitHubStandIn github, GitRemotes remotes, Path script) throws Exception {
        SystemCredentialsProvider.getInstance().getCredentials().add(
                new StringCredentialsImpl(CredentialsScope.GLOBAL, "gh", "GitHub token", Secret.fromString(TOKEN)));
        SystemCredentialsProvider.getInstance().getCredentials().add(
                new StringCredentialsImpl(CredentialsScope.GLOBAL, "or", "OpenRouter key", Secret.fromString(KEY)));
        SystemCredentialsProvider.getInstance().save();
        j.jenkins.getGlobalNodeProperties().add(new EnvironmentVariablesNodeProperty(
                new EnvironmentVariablesNodeProperty.Entry("GIT_CONFIG_COUNT", "1"),
                new EnvironmentVariablesNodeProperty.Entry("GIT_CONFIG_KEY_0", "url." + remotes.serverUrl() + "/.insteadOf"),
                new EnvironmentVariablesNodeProperty.Entry("GIT_CONFIG_VALUE_0", SERVER + "/")));
        RoomoteGlobalConfiguration cfg = RoomoteGlobalConfiguration.get();
        cfg.setGithubCredentialsId("gh");
        cfg.setOpenRouterCredentialsId("or");
        cfg.setGithubApiUrl(github.apiUrl());
        cfg.setGithubServerUrl(SERVER);
        cfg.setDefaultAgent("command");
        cfg.setAgentCommand("sh " + script + " {promptFile} fix-push-pr " + github.apiUrl());
        cfg.setAgentEnv("GIT_CONFIG_COUNT,GIT_CONFIG_KEY_0,GIT_CONFIG_VALUE_0");
        cfg.setJavaCommand(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cfg.save();
    }
}
