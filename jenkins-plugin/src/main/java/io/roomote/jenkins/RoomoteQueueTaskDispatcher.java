package io.roomote.jenkins;

import edu.umd.cs.findbugs.annotations.CheckForNull;
import hudson.Extension;
import hudson.ExtensionList;
import hudson.model.Computer;
import hudson.model.Executor;
import hudson.model.Job;
import hudson.model.Queue;
import hudson.model.Run;
import hudson.model.queue.CauseOfBlockage;
import hudson.model.queue.QueueListener;
import hudson.model.queue.QueueTaskDispatcher;
import io.roomote.jenkins.bridge.admission.AdmittedBuilds;
import io.roomote.jenkins.bridge.admission.ConcurrencyGate;
import jenkins.model.Jenkins;

import java.util.List;

/**
 * Caps concurrent Roomote builds (Max concurrent Roomote builds): a build of the trigger job or of a capped
 * job waits in the queue, saying why, while that many such builds run or have been let through. Only the build
 * itself is held back — never the {@code node} blocks of builds already running (their executables are not
 * {@link Run}s). Executors and labels are the other cap (see docs/jenkins.md).
 * <p>What counts: the Roomote {@link Run}s on executors (a Pipeline build runs on a one-off executor) plus the
 * items this dispatcher admitted that have not left the queue ({@link Admissions}, jenkins-bridge's
 * {@link AdmittedBuilds}). Not {@code Queue.getPendingItems()}: it returns a snapshot which core's
 * {@code Queue.maintain()} does not refresh after moving items of the waiting list to buildable, so a burst of
 * items checked in one maintenance all saw zero. {@code canRun} is called from {@code Queue.maintain()} under the
 * Queue's lock; an item leaves the admitted set from {@code QueueListener.onLeft}, fired by
 * {@code Queue.onStartExecuting} under the same lock in the same critical section in which the executor sets its
 * executable ({@code Executor.run}: {@code Queue.callWithLock}) — so no maintenance sees a started build in
 * neither place. (Core's {@code BlockedItem.getCauseOfBlockage()} also asks the dispatchers, outside
 * {@code maintain()}, for an item stored without a cause; an item admitted there is released or started by the
 * next maintenance, which moves every blocked item to buildable or back into blocked, firing
 * {@code onEnterBlocked}.)
 */
@Extension
public class RoomoteQueueTaskDispatcher extends QueueTaskDispatcher {

    @Override
    @CheckForNull
    public CauseOfBlockage canRun(Queue.Item item) {
        if (!(item.task instanceof Job<?, ?> job)) {
            return null;
        }
        RoomoteGlobalConfiguration cfg = RoomoteGlobalConfiguration.get();
        if (cfg.getMaxConcurrentBuilds() <= 0) {
            return null;
        }
        List<String> patterns = cfg.cappedJobPatterns();
        if (!ConcurrencyGate.isCapped(job.getFullName(), patterns)) {
            return null;
        }
        AdmittedBuilds admitted = ExtensionList.lookupSingleton(Admissions.class).admitted();
        return admitted.admit(item.getId(), runningOnExecutors(patterns), cfg.getMaxConcurrentBuilds())
                .map(WaitingForRoomoteSlot::new).orElse(null);
    }

    /** Roomote builds on an executor (a Pipeline's build runs on a one-off executor). */
    static int runningOnExecutors(List<String> patterns) {
        int n = 0;
        for (Computer c : Jenkins.get().getComputers()) {
            for (Executor e : c.getAllExecutors()) {
                Queue.Executable x = e.getCurrentExecutable();
                if (x instanceof Run<?, ?> r && ConcurrencyGate.isCapped(r.getParent().getFullName(), patterns)) {
                    n++;
                }
            }
        }
        return n;
    }

    /** The admitted items; an item leaves when it leaves the queue (started or cancelled) or is blocked again. */
    @Extension
    public static class Admissions extends QueueListener {

        private final AdmittedBuilds admitted = new AdmittedBuilds();

        AdmittedBuilds admitted() {
            return admitted;
        }

        @Override
        public void onLeft(Queue.LeftItem li) {
            admitted.release(li.getId());
        }

        @Override
        public void onEnterBlocked(Queue.BlockedItem bi) {
            admitted.release(bi.getId());
        }
    }

    /** Shown in the queue: "Waiting for a Roomote slot: 5 of 5 Roomote builds are running (…)". */
    public static final class WaitingForRoomoteSlot extends CauseOfBlockage {
        private final String text;

        WaitingForRoomoteSlot(String text) {
            this.text = text;
        }

        @Override
        public String getShortDescription() {
            return text;
        }
    }
}
