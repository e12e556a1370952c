package io.roomote.jenkins;

import edu.umd.cs.findbugs.annotations.NonNull;
import hudson.EnvVars;
import hudson.Extension;
import hudson.FilePath;
import hudson.Launcher;
import hudson.Util;
import hudson.model.Item;
import hudson.model.Run;
import hudson.model.TaskListener;
import hudson.util.FormValidation;
import hudson.util.ListBoxModel;
import io.roomote.jenkins.bridge.step.FixStepArguments;
import org.jenkinsci.Symbol;
import org.jenkinsci.plugins.workflow.steps.Step;
import org.jenkinsci.plugins.workflow.steps.StepContext;
import org.jenkinsci.plugins.workflow.steps.StepDescriptor;
import org.jenkinsci.plugins.workflow.steps.StepExecution;
import org.kohsuke.stapler.AncestorInPath;
import org.kohsuke.stapler.DataBoundConstructor;
import org.kohsuke.stapler.DataBoundSetter;
import org.kohsuke.stapler.QueryParameter;
import org.kohsuke.stapler.verb.POST;

import java.io.Serializable;
import java.util.Set;

/**
 * {@code roomoteFix issue: 123}: an AI coding agent fixes a GitHub issue in the current node's workspace and
 * opens a pull request. Must run inside {@code node}/{@code agent} (it needs a workspace and a launcher); inside
 * {@code docker.image(…).inside} or {@code agent { docker … }} it runs in that container. Returns a map
 * ({@code success, status, outcome, prUrl, prNumber, branch, wipBranch, costUsd, …}); fails when no pull
 * request came out unless {@code failOnNoPr: false}.
 */
public class RoomoteFixStep extends Step implements Serializable {

    private static final long serialVersionUID = 1L;

    private final int issue;
    private String repo;
    private String title;
    private String body;
    private String agent;
    private String model;
    private int timeoutMinutes = FixStepArguments.DEFAULT_TIMEOUT_MINUTES;
    private String credentialsId;
    private String openRouterCredentialsId;
    private boolean failOnNoPr = true;

    @DataBoundConstructor
    public RoomoteFixStep(int issue) {
        this.issue = issue;
    }

    /** The Jenkins-free arguments, validated and mapped in jenkins-bridge. */
    FixStepArguments arguments() {
        return new FixStepArguments(issue, repo, title, body, agent, model, timeoutMinutes, failOnNoPr);
    }

    @Override
    public StepExecution start(StepContext context) throws Exception {
        return new RoomoteFixExecution(context, this);
    }

    public int getIssue() {
        return issue;
    }

    public String getRepo() {
        return repo;
    }

    @DataBoundSetter
    public void setRepo(String repo) {
        this.repo = Util.fixEmptyAndTrim(repo);
    }

    public String getTitle() {
        return title;
    }

    @DataBoundSetter
    public void setTitle(String title) {
        this.title = Util.fixEmpty(title);
    }

    public String getBody() {
        return body;
    }

    @DataBoundSetter
    public void setBody(String body) {
        this.body = Util.fixEmpty(body);
    }

    public String getAgent() {
        return agent;
    }

    @DataBoundSetter
    public void setAgent(String agent) {
        this.agent = Util.fixEmptyAndTrim(agent);
    }

    public String getModel() {
        return model;
    }

    @DataBoundSetter
    public void setModel(String model) {
        this.model = Util.fixEmptyAndTrim(model);
    }

    public int getTimeoutMinutes() {
        return timeoutMinutes;
    }

    @DataBoundSetter
    public void setTimeoutMinutes(int timeoutMinutes) {
        this.timeoutMinutes = timeoutMinutes;
    }

    public String getCredentialsId() {
        return credentialsId;
    }

    @DataBoundSetter
    public void setCredentialsId(String credentialsId) {
        this.credentialsId = Util.fixEmptyAndTrim(credentialsId);
    }

    public String getOpenRouterCredentialsId() {
        return openRouterCredentialsId;
    }

    @DataBoundSetter
    public void setOpenRouterCredentialsId(String openRouterCredentialsId) {
        this.openRouterCredentialsId = Util.fixEmptyAndTrim(openRouterCredentialsId);
    }

    public boolean isFailOnNoPr() {
        return failOnNoPr;
    }

    @DataBoundSetter
    public void setFailOnNoPr(boolean failOnNoPr) {
        this.failOnNoPr = failOnNoPr;
    }

    @Extension
    @Symbol("roomoteFix")
    public static class DescriptorImpl extends StepDescriptor {

        @Override
        public String getFunctionName() {
            return "roomoteFix";
        }

        @NonNull
        @Override
        public String getDisplayName() {
            return Messages.RoomoteFixStep_DisplayName();
        }

        @Override
        public Set<? extends Class<?>> getRequiredContext() {
            return Set.of(Run.class, TaskListener.class, FilePath.class, Launcher.class, EnvVars.class);
        }

        @POST
        public FormValidation doCheckIssue(@QueryParameter String value) {
            try {
                return Integer.parseInt(value.trim()) >= 1 ? FormValidation.ok()
                        : FormValidation.error("An issue number is 1 or more");
            } catch (NumberFormatException e) {
                return FormValidation.error("The number of the GitHub issue, e.g. 123");
            }
        }

        @POST
        public FormValidation doCheckTimeoutMinutes(@QueryParameter int value) {
            return value >= 1 && value <= FixStepArguments.MAX_TIMEOUT_MINUTES ? FormValidation.ok()
                    : FormValidation.error("Between 1 and " + FixStepArguments.MAX_TIMEOUT_MINUTES + " minutes");
        }

        @POST
        public ListBoxModel doFillCredentialsIdItems(@AncestorInPath Item item, @QueryParameter String credentialsId) {
            return credentialItems(item, credentialsId);
        }

        @POST
        public ListBoxModel doFillOpenRouterCredentialsIdItems(@AncestorInPath Item item,
                                                               @QueryParameter String openRouterCredentialsId) {
            return credentialItems(item, openRouterCredentialsId);
        }

        private static ListBoxModel credentialItems(Item item, String current) {
            if (item == null || !item.hasPermission(Item.EXTENDED_READ)) {
                return RoomoteGlobalConfiguration.credentialItems(current);
            }
            return new com.cloudbees.plugins.credentials.common.StandardListBoxModel().includeEmptyValue()
                    .includeAs(hudson.security.ACL.SYSTEM2, item, org.jenkinsci.plugins.plaincredentials.StringCredentials.class)
                    .includeAs(hudson.security.ACL.SYSTEM2, item,
                            com.cloudbees.plugins.credentials.common.StandardUsernamePasswordCredentials.class)
                    .includeCurrentValue(current);
        }
    }
}
