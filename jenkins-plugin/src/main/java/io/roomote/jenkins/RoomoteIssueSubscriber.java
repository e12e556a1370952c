package io.roomote.jenkins;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import edu.umd.cs.findbugs.annotations.CheckForNull;
import hudson.Extension;
import hudson.model.CauseAction;
import hudson.model.Item;
import hudson.model.Job;
import hudson.model.ParameterValue;
import hudson.model.ParametersAction;
import hudson.model.Queue;
import hudson.model.Run;
import hudson.model.StringParameterValue;
import hudson.security.ACL;
import hudson.security.ACLContext;
import hudson.util.DaemonThreadFactory;
import hudson.util.NamingThreadFactory;
import io.roomote.core.github.WebhookDecision;
import io.roomote.core.github.WebhookEvents;
import io.roomote.core.step.DeliveryDedupe;
import jenkins.model.Jenkins;
import jenkins.model.ParameterizedJobMixIn;
import org.jenkinsci.plugins.github.extension.GHEventsSubscriber;
import org.jenkinsci.plugins.github.extension.GHSubscriberEvent;
import org.kohsuke.github.GHEvent;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Starts the configured Roomote job from GitHub {@code issues} and {@code issue_comment} events received by
 * the GitHub plugin's {@code /github-webhook/} (which checks the signature when a shared secret is set in its
 * configuration). The webhook thread only drops redeliveries (by {@code X-GitHub-Delivery}) and hands the
 * payload to a single background thread, which applies the trigger policy with roomote-core's
 * {@link WebhookEvents} (the standalone runner's decisions), skips an issue that already has a queued or
 * running build, and schedules the job with parameters {@code ISSUE} and {@code REPO}.
 */
@Extension
public class RoomoteIssueSubscriber extends GHEventsSubscriber {

    private static final Logger LOGGER = Logger.getLogger(RoomoteIssueSubscriber.class.getName());
    private static final DeliveryDedupe DELIVERIES = new DeliveryDedupe();
    private static final ExecutorService ASYNC = Executors.newSingleThreadExecutor(
            new NamingThreadFactory(new DaemonThreadFactory(), "roomote-github-events"));
    private static final int RUNNING_BUILDS_CHECKED = 50;

    /** The configured trigger job wants GitHub's hooks, so the GitHub plugin may register them for its repository. */
    @Override
    protected boolean isApplicable(@CheckForNull Item item) {
        RoomoteGlobalConfiguration cfg = RoomoteGlobalConfiguration.get();
        return item != null && cfg != null && cfg.getTriggerJob() != null && item.getFullName().equals(cfg.getTriggerJob());
    }

    @Override
    protected Set<GHEvent> events() {
        return Set.of(GHEvent.ISSUES, GHEvent.ISSUE_COMMENT);
    }

    @Override
    protected void onEvent(GHSubscriberEvent event) {
        String guid = event.getEventGuid();
        if (!DELIVERIES.firstTime(guid)) {
            LOGGER.log(Level.INFO, "GitHub delivery {0} was already handled; ignored", guid);
            return;
        }
        String name = event.getGHEvent() == GHEvent.ISSUES ? "issues" : "issue_comment";
        String payload = event.getPayload();
        ASYNC.submit(() -> {
            try (ACLContext ignored = ACL.as2(ACL.SYSTEM2)) {
                handle(name, payload, guid);
            } catch (RuntimeException e) {
                LOGGER.log(Level.WARNING, "GitHub " + name + " delivery " + guid + " could not be handled", e);
            }
        });
    }

    void handle(String event, String payload, String guid) {
        RoomoteGlobalConfiguration cfg = RoomoteGlobalConfiguration.get();
        if (cfg == null || cfg.getTriggerJob() == null) {
            return;
        }
        JsonNode json;
        try {
            json = new ObjectMapper().readTree(payload);
        } catch (java.io.IOException e) {
            LOGGER.log(Level.WARNING, "GitHub delivery {0} is not JSON", guid);
            return;
        }
        WebhookDecision decision = WebhookEvents.decide(event, json, cfg.triggerPolicy());
        if (decision instanceof WebhookDecision.Reject reject) {
            LOGGER.log(Level.INFO, "GitHub delivery {0}: not starting Roomote: {1}", new Object[] {guid, reject.reason()});
            return;
        }
        if (!(decision instanceof WebhookDecision.FixIssue fix)) {
            LOGGER.log(Level.FINE, "GitHub delivery {0}: {1}", new Object[] {guid, decision});
            return;
        }
        Job<?, ?> job = Jenkins.get().getItemByFullName(cfg.getTriggerJob(), Job.class);
        if (job == null) {
            LOGGER.log(Level.WARNING, "Roomote's trigger job {0} does not exist; {1}#{2} not started",
                    new Object[] {cfg.getTriggerJob(), fix.repo(), fix.issue()});
            return;
        }
        if (activeFor(job, fix.repo(), fix.issue())) {
            LOGGER.log(Level.INFO, "{0}#{1} already has a queued or running build of {2}; delivery {3} starts nothing",
                    new Object[] {fix.repo(), fix.issue(), job.getFullName(), guid});
            return;
        }
        List<ParameterValue> params = List.of(new StringParameterValue("ISSUE", String.valueOf(fix.issue())),
                new StringParameterValue("REPO", fix.repo()));
        Queue.Item item = ParameterizedJobMixIn.scheduleBuild2(job, 0,
                new CauseAction(new RoomoteIssueCause(fix.repo(), fix.issue(), fix.trigger(), guid)), new ParametersAction(params));
        LOGGER.log(Level.INFO, "{0}#{1} ({2}): {3}", new Object[] {fix.repo(), fix.issue(), fix.trigger(),
                item == null ? "could not schedule " + job.getFullName() + " (is it buildable and parameterized with ISSUE and REPO?)"
                        : "scheduled " + job.getFullName()});
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
