package io.roomote.jenkins;

import edu.umd.cs.findbugs.annotations.CheckForNull;
import hudson.Extension;
import hudson.model.Computer;
import hudson.model.Executor;
import hudson.model.Job;
import hudson.model.Queue;
import hudson.model.Run;
import hudson.model.queue.CauseOfBlockage;
import hudson.model.queue.QueueTaskDispatcher;
import io.roomote.core.step.ConcurrencyGate;
import jenkins.model.Jenkins;

import java.util.List;

/**
 * Caps concurrent Roomote builds (Max concurrent Roomote builds): a build of the trigger job or of a capped
 * job waits in the queue, saying why, while that many such builds run or are about to. Only the build itself
 * is held back — never the {@code node} blocks of builds already running. Executors and labels are the other
 * cap (see docs/jenkins.md).
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
        if (cfg == null || cfg.getMaxConcurrentBuilds() <= 0) {
            return null;
        }
        List<String> patterns = cfg.cappedJobPatterns();
        if (!ConcurrencyGate.isCapped(job.getFullName(), patterns)) {
            return null;
        }
        int running = running(patterns, item);
        return ConcurrencyGate.blockReason(running, cfg.getMaxConcurrentBuilds()).map(WaitingForRoomoteSlot::new).orElse(null);
    }

    /** Roomote builds on an executor (a Pipeline's build runs on a one-off executor) plus items already handed out. */
    static int running(List<String> patterns, Queue.Item self) {
        int n = 0;
        for (Computer c : Jenkins.get().getComputers()) {
            for (Executor e : c.getAllExecutors()) {
                Queue.Executable x = e.getCurrentExecutable();
                if (x instanceof Run<?, ?> r && ConcurrencyGate.isCapped(r.getParent().getFullName(), patterns)) {
                    n++;
                }
            }
        }
        for (Queue.BuildableItem p : Jenkins.get().getQueue().getPendingItems()) {
            if (p != self && p.task instanceof Job<?, ?> j && ConcurrencyGate.isCapped(j.getFullName(), patterns)) {
                n++;
            }
        }
        return n;
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
