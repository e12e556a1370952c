package io.roomote.jenkins;

import com.cloudbees.plugins.credentials.CredentialsMatchers;
import com.cloudbees.plugins.credentials.CredentialsProvider;
import com.cloudbees.plugins.credentials.common.StandardCredentials;
import com.cloudbees.plugins.credentials.common.StandardListBoxModel;
import com.cloudbees.plugins.credentials.common.StandardUsernamePasswordCredentials;
import com.fasterxml.jackson.databind.ObjectMapper;
import edu.umd.cs.findbugs.annotations.CheckForNull;
import edu.umd.cs.findbugs.annotations.NonNull;
import hudson.BulkChange;
import hudson.Extension;
import hudson.ExtensionList;
import hudson.Util;
import hudson.model.Item;
import hudson.model.Job;
import hudson.security.ACL;
import hudson.util.FormValidation;
import hudson.util.ListBoxModel;
import hudson.util.Secret;
import io.roomote.core.config.Settings;
import io.roomote.core.store.Database;
import io.roomote.core.store.DatabaseUrl;
import io.roomote.jenkins.bridge.worker.AgentPresence;
import io.roomote.jenkins.bridge.admission.ConcurrencyGate;
import io.roomote.jenkins.bridge.step.GitHubRepoRef;
import io.roomote.jobs.github.webhook.TriggerPolicy;
import jenkins.model.GlobalConfiguration;
import jenkins.model.Jenkins;
import net.sf.json.JSONObject;
import org.jenkinsci.Symbol;
import org.jenkinsci.plugins.plaincredentials.StringCredentials;
import org.kohsuke.stapler.DataBoundSetter;
import org.kohsuke.stapler.QueryParameter;
import org.kohsuke.stapler.StaplerRequest2;
import org.kohsuke.stapler.verb.POST;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Roomote's global configuration (Manage Jenkins » System » Roomote), JCasC symbol {@code roomote}:
 * credentials, default agent and model, the GitHub trigger policy and the job it starts, the cap on
 * concurrent Roomote builds, Slack, and an optional database for the standalone dashboard. Every field has a
 * getter and a {@link DataBoundSetter}, so JCasC configures it like the form does. Setters do not save: the form
 * ({@link #configure}) saves once in a {@link BulkChange}, and JCasC's {@code BaseConfigurator.configure} wraps its
 * setter calls in a {@code BulkChange} and commits once (configuration-as-code-plugin) — core's
 * {@code Descriptor.save()} returns at once while a {@code BulkChange} is open.
 */
@Extension
@Symbol("roomote")
public class RoomoteGlobalConfiguration extends GlobalConfiguration {

    static final int DEFAULT_MAX_CONCURRENT = 5;

    private String githubCredentialsId;
    private String openRouterCredentialsId;
    private String githubApiUrl;
    private String githubServerUrl;
    private String defaultAgent;
    private String defaultModel;
    private String agentCommand;
    private String agentEnv;
    private String javaCommand;

    private String triggerJob;
    private String allowedRepos;
    private String requiredLabel;
    private String triggerLabel = "roomote";
    private String triggerMention = "@roomote fix";
    private String allowedAssociations = "OWNER,MEMBER,COLLABORATOR";
    private boolean triggerOnOpened;

    private int maxConcurrentBuilds = DEFAULT_MAX_CONCURRENT;
    private String cappedJobs;

    private String slackCredentialsId;
    private String slackChannel;
    private boolean useSlackPlugin = true;

    private Secret databaseUrl;

    /** Opened on first use, outside this descriptor's monitor (which {@code Descriptor.save()} holds). */
    private final transient RoomoteDatabase database = new RoomoteDatabase();

    public RoomoteGlobalConfiguration() {
        load();
    }

    /**
     * The configuration. {@code ExtensionList.lookupSingleton} (core's {@code ExtensionList}) — one lookup of this
     * type's extension list, cheap on the queue's hot path.
     */
    public static RoomoteGlobalConfiguration get() {
        return ExtensionList.lookupSingleton(RoomoteGlobalConfiguration.class);
    }

    @NonNull
    @Override
    public String getDisplayName() {
        return Messages.RoomoteGlobalConfiguration_DisplayName();
    }

    @Override
    public boolean configure(StaplerRequest2 req, JSONObject json) throws FormException {
        // One write per form submit: the setters' bindings inside a BulkChange, committed once.
        try (BulkChange bc = new BulkChange(this)) {
            // Unchecked boxes are absent from the form's JSON: reset them before binding.
            triggerOnOpened = false;
            useSlackPlugin = false;
            req.bindJSON(this, json);
            bc.commit();
        } catch (IOException e) {
            throw new FormException(Messages.RoomoteGlobalConfiguration_SaveFailed(e.getMessage()), e, "");
        }
        return true;
    }

    // ----- what the rest of the plugin asks -----

    /** Settings of the job ({@code github.issue.fix}'s names) that come from this configuration. */
    public Map<String, String> jobSettings() {
        Map<String, String> s = new LinkedHashMap<>();
        put(s, "GITHUB_API_URL", githubApiUrl);
        put(s, "GITHUB_SERVER_URL", githubServerUrl);
        // The default agent is a command-line agent the worker image carries (Dockerfile.worker), not the
        // standalone runner's roo-code, which needs VS Code.
        s.put("ROOMOTE_AGENT", defaultAgent != null ? defaultAgent : AgentPresence.DEFAULT_AGENT);
        put(s, "OPENROUTER_MODEL", defaultModel);
        put(s, "ROOMOTE_AGENT_COMMAND", agentCommand);
        put(s, "ROOMOTE_AGENT_ENV", agentEnv);
        return s;
    }

    /** The trigger policy, with the standalone runner's semantics (the fix job type's TriggerPolicy). */
    public TriggerPolicy triggerPolicy() {
        Map<String, String> s = new LinkedHashMap<>();
        put(s, "ROOMOTE_ALLOWED_REPOS", allowedRepos);
        put(s, "ROOMOTE_REQUIRED_LABEL", requiredLabel);
        put(s, "ROOMOTE_TRIGGER_LABEL", triggerLabel);
        put(s, "ROOMOTE_TRIGGER_MENTION", triggerMention);
        put(s, "ROOMOTE_ALLOWED_ASSOCIATIONS", allowedAssociations);
        s.put("ROOMOTE_TRIGGER_ON_OPENED", String.valueOf(triggerOnOpened));
        return TriggerPolicy.from(Settings.of(s), new ObjectMapper());
    }

    /** Jobs counted by the concurrency cap: the trigger job and the capped jobs. */
    public List<String> cappedJobPatterns() {
        List<String> p = new ArrayList<>(ConcurrencyGate.patterns(cappedJobs));
        if (Util.fixEmptyAndTrim(triggerJob) != null) {
            p.add(triggerJob.trim());
        }
        return p;
    }

    /** The database, opened (and migrated, as every Roomote runner does at start) on first use; empty when none. */
    public Optional<Database> database() {
        String url = databaseUrl == null ? null : Util.fixEmptyAndTrim(databaseUrl.getPlainText());
        return database.forUrl(url);
    }

    /**
     * The secret of a Secret text, or the password of a Username with password, found for {@code item}
     * (or globally when {@code item} is null); empty when the id is blank or unknown.
     */
    public static Optional<String> secretOf(@CheckForNull String credentialsId, @CheckForNull Item item) {
        if (Util.fixEmptyAndTrim(credentialsId) == null) {
            return Optional.empty();
        }
        List<StandardCredentials> all = item == null
                ? CredentialsProvider.lookupCredentialsInItemGroup(StandardCredentials.class, Jenkins.get(), ACL.SYSTEM2, List.of())
                : CredentialsProvider.lookupCredentialsInItem(StandardCredentials.class, item, ACL.SYSTEM2, List.of());
        StandardCredentials c = CredentialsMatchers.firstOrNull(all, CredentialsMatchers.withId(credentialsId.trim()));
        return Optional.ofNullable(plainSecret(c));
    }

    @CheckForNull
    static String plainSecret(@CheckForNull StandardCredentials c) {
        if (c instanceof StringCredentials s) {
            return s.getSecret().getPlainText();
        }
        if (c instanceof StandardUsernamePasswordCredentials u) {
            return u.getPassword().getPlainText();
        }
        return null;
    }

    private static void put(Map<String, String> m, String k, String v) {
        String t = Util.fixEmptyAndTrim(v);
        if (t != null) {
            m.put(k, t);
        }
    }

    // ----- form helpers -----

    @POST
    public ListBoxModel doFillGithubCredentialsIdItems(@QueryParameter String githubCredentialsId) {
        return credentialItems(githubCredentialsId);
    }

    @POST
    public ListBoxModel doFillOpenRouterCredentialsIdItems(@QueryParameter String openRouterCredentialsId) {
        return credentialItems(openRouterCredentialsId);
    }

    @POST
    public ListBoxModel doFillSlackCredentialsIdItems(@QueryParameter String slackCredentialsId) {
        return credentialItems(slackCredentialsId);
    }

    static ListBoxModel credentialItems(String current) {
        if (!Jenkins.get().hasPermission(Jenkins.ADMINISTER)) {
            return new StandardListBoxModel().includeCurrentValue(current);
        }
        return new StandardListBoxModel().includeEmptyValue()
                .includeAs(ACL.SYSTEM2, Jenkins.get(), StringCredentials.class)
                .includeAs(ACL.SYSTEM2, Jenkins.get(), StandardUsernamePasswordCredentials.class)
                .includeCurrentValue(current);
    }

    @POST
    public FormValidation doCheckTriggerJob(@QueryParameter String value) {
        Jenkins.get().checkPermission(Jenkins.ADMINISTER);
        String name = Util.fixEmptyAndTrim(value);
        if (name == null) {
            return FormValidation.ok("No job: GitHub issue events start nothing.");
        }
        Job<?, ?> job = Jenkins.get().getItemByFullName(name, Job.class);
        return job == null ? FormValidation.error("No job named " + name) : FormValidation.ok();
    }

    @POST
    public FormValidation doCheckAllowedRepos(@QueryParameter String value) {
        Jenkins.get().checkPermission(Jenkins.ADMINISTER);
        for (String r : ConcurrencyGate.patterns(value == null ? "" : value.replace(',', ' '))) {
            if (!r.endsWith("/*") && GitHubRepoRef.parse(r).isEmpty()) {
                return FormValidation.error("Not a repository (owner/name or owner/*): " + r);
            }
        }
        return Util.fixEmptyAndTrim(value) == null
                ? FormValidation.warning("Empty: issues of any repository that reaches this Jenkins may start an agent.")
                : FormValidation.ok();
    }

    @POST
    public FormValidation doCheckMaxConcurrentBuilds(@QueryParameter int value) {
        Jenkins.get().checkPermission(Jenkins.ADMINISTER);
        return value <= 0 ? FormValidation.warning("0: no cap; executors and labels still limit Roomote builds.") : FormValidation.ok();
    }

    @POST
    public FormValidation doCheckDatabaseUrl(@QueryParameter String value) {
        Jenkins.get().checkPermission(Jenkins.ADMINISTER);
        String v = Util.fixEmptyAndTrim(Secret.fromString(value).getPlainText());
        if (v == null) {
            return FormValidation.ok("No database: runs are kept in the build history only.");
        }
        try {
            DatabaseUrl.parse(v);
            return FormValidation.ok();
        } catch (RuntimeException e) {
            return FormValidation.error(e.getMessage());
        }
    }

    // ----- getters and setters (JCasC) -----

    public String getGithubCredentialsId() {
        return githubCredentialsId;
    }

    @DataBoundSetter
    public void setGithubCredentialsId(String githubCredentialsId) {
        this.githubCredentialsId = Util.fixEmptyAndTrim(githubCredentialsId);
    }

    public String getOpenRouterCredentialsId() {
        return openRouterCredentialsId;
    }

    @DataBoundSetter
    public void setOpenRouterCredentialsId(String openRouterCredentialsId) {
        this.openRouterCredentialsId = Util.fixEmptyAndTrim(openRouterCredentialsId);
    }

    public String getGithubApiUrl() {
        return githubApiUrl;
    }

    @DataBoundSetter
    public void setGithubApiUrl(String githubApiUrl) {
        this.githubApiUrl = Util.fixEmptyAndTrim(githubApiUrl);
    }

    public String getGithubServerUrl() {
        return githubServerUrl;
    }

    @DataBoundSetter
    public void setGithubServerUrl(String githubServerUrl) {
        this.githubServerUrl = Util.fixEmptyAndTrim(githubServerUrl);
    }

    public String getDefaultAgent() {
        return defaultAgent;
    }

    @DataBoundSetter
    public void setDefaultAgent(String defaultAgent) {
        this.defaultAgent = Util.fixEmptyAndTrim(defaultAgent);
    }

    public String getDefaultModel() {
        return defaultModel;
    }

    @DataBoundSetter
    public void setDefaultModel(String defaultModel) {
        this.defaultModel = Util.fixEmptyAndTrim(defaultModel);
    }

    public String getAgentCommand() {
        return agentCommand;
    }

    @DataBoundSetter
    public void setAgentCommand(String agentCommand) {
        this.agentCommand = Util.fixEmptyAndTrim(agentCommand);
    }

    public String getAgentEnv() {
        return agentEnv;
    }

    @DataBoundSetter
    public void setAgentEnv(String agentEnv) {
        this.agentEnv = Util.fixEmptyAndTrim(agentEnv);
    }

    @NonNull
    public String getJavaCommand() {
        return javaCommand == null ? "java" : javaCommand;
    }

    @DataBoundSetter
    public void setJavaCommand(String javaCommand) {
        this.javaCommand = Util.fixEmptyAndTrim(javaCommand);
    }

    public String getTriggerJob() {
        return triggerJob;
    }

    @DataBoundSetter
    public void setTriggerJob(String triggerJob) {
        this.triggerJob = Util.fixEmptyAndTrim(triggerJob);
    }

    public String getAllowedRepos() {
        return allowedRepos;
    }

    @DataBoundSetter
    public void setAllowedRepos(String allowedRepos) {
        this.allowedRepos = Util.fixEmptyAndTrim(allowedRepos);
    }

    public String getRequiredLabel() {
        return requiredLabel;
    }

    @DataBoundSetter
    public void setRequiredLabel(String requiredLabel) {
        this.requiredLabel = Util.fixEmptyAndTrim(requiredLabel);
    }

    public String getTriggerLabel() {
        return triggerLabel;
    }

    @DataBoundSetter
    public void setTriggerLabel(String triggerLabel) {
        this.triggerLabel = Util.fixEmptyAndTrim(triggerLabel);
    }

    public String getTriggerMention() {
        return triggerMention;
    }

    @DataBoundSetter
    public void setTriggerMention(String triggerMention) {
        this.triggerMention = Util.fixEmptyAndTrim(triggerMention);
    }

    public String getAllowedAssociations() {
        return allowedAssociations;
    }

    @DataBoundSetter
    public void setAllowedAssociations(String allowedAssociations) {
        this.allowedAssociations = Util.fixEmptyAndTrim(allowedAssociations);
    }

    public boolean isTriggerOnOpened() {
        return triggerOnOpened;
    }

    @DataBoundSetter
    public void setTriggerOnOpened(boolean triggerOnOpened) {
        this.triggerOnOpened = triggerOnOpened;
    }

    public int getMaxConcurrentBuilds() {
        return maxConcurrentBuilds;
    }

    @DataBoundSetter
    public void setMaxConcurrentBuilds(int maxConcurrentBuilds) {
        this.maxConcurrentBuilds = Math.max(0, maxConcurrentBuilds);
    }

    public String getCappedJobs() {
        return cappedJobs;
    }

    @DataBoundSetter
    public void setCappedJobs(String cappedJobs) {
        this.cappedJobs = Util.fixEmptyAndTrim(cappedJobs);
    }

    public String getSlackCredentialsId() {
        return slackCredentialsId;
    }

    @DataBoundSetter
    public void setSlackCredentialsId(String slackCredentialsId) {
        this.slackCredentialsId = Util.fixEmptyAndTrim(slackCredentialsId);
    }

    public String getSlackChannel() {
        return slackChannel;
    }

    @DataBoundSetter
    public void setSlackChannel(String slackChannel) {
        this.slackChannel = Util.fixEmptyAndTrim(slackChannel);
    }

    public boolean isUseSlackPlugin() {
        return useSlackPlugin;
    }

    @DataBoundSetter
    public void setUseSlackPlugin(boolean useSlackPlugin) {
        this.useSlackPlugin = useSlackPlugin;
    }

    public Secret getDatabaseUrl() {
        return databaseUrl;
    }

    @DataBoundSetter
    public void setDatabaseUrl(Secret databaseUrl) {
        // Only the value changes here; the next database() call reopens the pool (never under this monitor).
        this.databaseUrl = databaseUrl == null || databaseUrl.getPlainText().isBlank() ? null : databaseUrl;
    }
}
