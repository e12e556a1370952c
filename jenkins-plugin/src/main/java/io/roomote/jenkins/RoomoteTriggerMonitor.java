package io.roomote.jenkins;

import edu.umd.cs.findbugs.annotations.CheckForNull;
import hudson.Extension;
import hudson.ExtensionList;
import hudson.model.AdministrativeMonitor;

/**
 * Tells administrators (Manage Jenkins) that a GitHub issue event could not start the Roomote trigger job, and
 * why — e.g. the job does not define its ISSUE and REPO parameters yet. Cleared by the next event that starts a
 * build. Only the last problem is kept; the log has each one.
 */
@Extension
public class RoomoteTriggerMonitor extends AdministrativeMonitor {

    private volatile String problem;

    static RoomoteTriggerMonitor get() {
        return ExtensionList.lookupSingleton(RoomoteTriggerMonitor.class);
    }

    void report(String problem) {
        this.problem = problem;
    }

    void clear() {
        this.problem = null;
    }

    @CheckForNull
    public String getProblem() {
        return problem;
    }

    @Override
    public boolean isActivated() {
        return problem != null;
    }

    @Override
    public String getDisplayName() {
        return Messages.RoomoteTriggerMonitor_DisplayName();
    }
}
