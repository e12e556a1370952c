package io.roomote.jenkins;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import edu.umd.cs.findbugs.annotations.CheckForNull;
import hudson.Extension;
import hudson.model.CauseAction;
import hudson.model.Item;
import hudson.model.Job;
import hudson.model.ParameterDefinition;
import hudson.model.ParameterValue;
import hudson.model.ParametersAction;
import hudson.model.ParametersDefinitionProperty;
import hudson.model.Queue;
import hudson.model.Run;
import hudson.model.StringParameterValue;
import hudson.security.ACL;
import hudson.security.ACLContext;
import io.roomote.jenkins.bridge.trigger.DeliveryDedupe;
import io.roomote.jenkins.bridge.trigger.TriggerParameters;
import io.roomote.jobs.github.webhook.WebhookDecision;
import io.roomote.jobs.github.webhook.WebhookEvents;
import jenkins.model.Jenkins;
import jenkins.model.ParameterizedJobMixIn;
import org.jenkinsci.plugins.github.extension.GHEventsSubscriber;
import org.jenkinsci.plugins.github.extension.GHSubscriberEvent;
import org.kohsuke.github.GHEvent;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Starts the configured Roomote job from GitHub {@code issues} and {@code issue_comment} events received by
 * the GitHub plugin's {@code /github-webhook/} (which checks the signature when a shared secret is set in its
 * configuration). The webhook thread only hands the payload to a single background thread, which drops
 * deliveries already handled (by {@code X-GitHub-Delivery}), applies the trigger policy with the fix job type's
 * {@link WebhookEvents} (the standalone runner's decisions), skips an issue that already has a queued or
 * running build, and schedules the job with parameters {@code ISSUE} and {@code REPO} merged with the job's
 * other defaults ({@link TriggerParameters}). A delivery is remembered only once its build is scheduled, so
 * GitHub's "Redeliver" works after a failure. When the job does not define ISSUE and REPO yet (a declarative
 * {@code parameters {}} block defines them only after the first run), nothing is scheduled: the log and an
 * administrative monitor say so.
 */
@Extension
public class RoomoteIssueSubscriber extends GHEventsSubscriber {

    private static final Logger LOGGER = Logger.getLogger(RoomoteIssueSubscriber.class.getName());
    private static final int RUNNING_BUILDS_CHECKED = 50;
    private final DeliveryDedupe deliveries = new DeliveryDedupe();

    /** The configured trigger job wants GitHub's hooks, so the GitHub plugin may register them for its repository. */
    @Override
    protected boolean isApplicable(@CheckForNull Item item) {
        RoomoteGlobalConfiguration cfg = RoomoteGlobalConfiguration.get();
        return item != null && cfg.getTriggerJob() != null && item.getFullName().equals(cfg.getTriggerJob());
    }

    @Override
    protected Set<GHEvent> events() {
        return Set.of(GHEvent.ISSUES, GHEvent.ISSUE_COMMENT);
    }

    @Override
    protected void onEvent(GHSubscriberEvent event) {
        String guid = event.getEventGuid();
        String name = event.getGHEvent() == GHEvent.ISSUES ? "issues" : "issue_comment";
        String payload = event.getPayload();
        RoomoteThreads.get().events().submit(() -> {
            try (ACLContext ignored = ACL.as2(ACL.SYSTEM2)) {
                // The GUID is recorded only when handle() scheduled a build (after scheduling succeeded).
                if (!deliveries.handleOnce(guid, () -> handle(name, payload, guid))) {
                    LOGGER.log(Level.INFO, "GitHub delivery {0} was already handled; ignored", guid);
                }
            } catch (RuntimeException e) {
                LOGGER.log(Level.WARNING, "GitHub " + name + " delivery " + guid + " could not be handled: " + e);
                LOGGER.log(Level.FINE, "GitHub delivery " + guid, e);
            }
        });
    }

    /** Applies the trigger policy and schedules the trigger job; true when a build was scheduled. */
    boolean handle(String event, String payload, String guid) {
        RoomoteGlobalConfiguration cfg = RoomoteGlobalConfiguration.get();
        if (cfg.getTriggerJob() == null) {
            return false;
        }
        JsonNode json;
        try {
            json = new ObjectMapper().readTree(payload);
        } catch (java.io.IOException e) {
            LOGGER.log(Level.WARNING, "GitHub delivery {0} is not JSON", guid);
            return false;
        }
        WebhookDecision decision = WebhookEvents.decide(event, json, cfg.triggerPolicy());
        if (decision instanceof WebhookDecision.Reject reject) {
            LOGGER.log(Level.INFO, "GitHub delivery {0}: not starting Roomote: {1}", new Object[] {guid, reject.reason()});
            return false;
        }
        if (!(decision instanceof WebhookDecision.FixIssue fix)) {
            LOGGER.log(Level.FINE, "GitHub delivery {0}: {1}", new Object[] {guid, decision});
            return false;
        }
        // Issue numbers as text: MessageFormat would print 1234 as "1,234".
        String issueRef = fix.repo() + "#" + fix.issue();
        Job<?, ?> job = Jenkins.get().getItemByFullName(cfg.getTriggerJob(), Job.class);
        if (job == null) {
            problem(Messages.RoomoteIssueSubscriber_NoJob(cfg.getTriggerJob(), issueRef));
            return false;
        }
        if (activeFor(job, fix.repo(), fix.issue())) {
            LOGGER.log(Level.INFO, "{0} already has a queued or running build of {1}; delivery {2} starts nothing",
                    new Object[] {issueRef, job.getFullName(), guid});
            return false;
        }
        TriggerParameters.Plan<ParameterValue> plan = TriggerParameters.plan(job.getFullName(), definitions(job), Map.of(
                TriggerParameters.ISSUE, new StringParameterValue(TriggerParameters.ISSUE, String.valueOf(fix.issue())),
                TriggerParameters.REPO, new StringParameterValue(TriggerParameters.REPO, fix.repo())));
        if (plan instanceof TriggerParameters.Plan.Missing<ParameterValue> missing) {
            problem(Messages.RoomoteIssueSubscriber_NotStarted(issueRef, missing.message()));
            return false;
        }
        List<ParameterValue> values = ((TriggerParameters.Plan.Schedule<ParameterValue>) plan).values();
        // scheduleBuild2 adds the job's defaults only when no ParametersAction is passed (ParameterizedJobMixIn), so
        // the values carry them already.
        Queue.Item item = ParameterizedJobMixIn.scheduleBuild2(job, 0,
                new CauseAction(new RoomoteIssueCause(fix.repo(), fix.issue(), fix.trigger(), guid)),
                new ParametersAction(new ArrayList<>(values)));
        if (item == null) {
            problem(Messages.RoomoteIssueSubscriber_NotScheduled(issueRef, job.getFullName()));
            return false;
        }
        RoomoteTriggerMonitor.get().clear();
        LOGGER.log(Level.INFO, "{0} ({1}): scheduled {2}", new Object[] {issueRef, fix.trigger(), job.getFullName()});
        return true;
    }

    private static void problem(String text) {
        LOGGER.log(Level.WARNING, text);
        RoomoteTriggerMonitor.get().report(text);
    }

    /** The job's parameter definitions with their defaults; empty without a {@link ParametersDefinitionProperty}. */
    static List<TriggerParameters.Definition<ParameterValue>> definitions(Job<?, ?> job) {
        ParametersDefinitionProperty property = job.getProperty(ParametersDefinitionProperty.class);
        List<TriggerParameters.Definition<ParameterValue>> defs = new ArrayList<>();
        if (property != null) {
            for (ParameterDefinition d : property.getParameterDefinitions()) {
                defs.add(new TriggerParameters.Definition<>(d.getName(), Optional.ofNullable(d.getDefaultParameterValue())));
            }
        }
        return defs;
    }

    /** A queued item or a running build of {@code job} for the same issue. */
    static boolean activeFor(Job<?, ?> job, String repo, int issue) {
        if (job instanceof Queue.Task task) {
            for (Queue.Item i : Jenkins.get().getQueue().getItems(task)) {
                if (same(i.getAction(ParametersAction.class), repo, issue)) {
                    return true;
                }
            }
        }
        for (Run<?, ?> r : job.getBuilds().limit(RUNNING_BUILDS_CHECKED)) {
            if (r.isBuilding() && same(r.getAction(ParametersAction.class), repo, issue)) {
                return true;
            }
        }
        return false;
    }

    private static boolean same(@CheckForNull ParametersAction p, String repo, int issue) {
        if (p == null) {
            return false;
        }
        ParameterValue i = p.getParameter("ISSUE");
        ParameterValue r = p.getParameter("REPO");
        return i != null && String.valueOf(issue).equals(String.valueOf(i.getValue()).trim())
                && (r == null || String.valueOf(r.getValue()).trim().isEmpty()
                || String.valueOf(r.getValue()).trim().toLowerCase(Locale.ROOT).equals(repo.toLowerCase(Locale.ROOT)));
    }
}
