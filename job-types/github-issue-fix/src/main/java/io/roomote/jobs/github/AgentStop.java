package io.roomote.jobs.github;

import io.roomote.spi.Cancellation;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What stops the agent: the job's own cancellation, or Roomote's decision that the agent must stop although
 * the job goes on (its model budget is used up; the job then saves the work and reports).
 */
final class AgentStop implements Cancellation {

    private final Cancellation job;
    private final List<Runnable> actions = new ArrayList<>();
    private boolean fired;

    AgentStop(Cancellation job) {
        this.job = job;
        job.onCancel(this::fire);
    }

    /** Stops the agent; the driver reports it as stopped, the job decides what that means. */
    void fire() {
        List<Runnable> run;
        synchronized (this) {
            if (fired) {
                return;
            }
            fired = true;
            run = List.copyOf(actions);
            actions.clear();
        }
        run.forEach(Runnable::run);
    }

    @Override
    public synchronized boolean isCancelled() {
        return fired;
    }

    @Override
    public Optional<Reason> reason() {
        // Roomote's own stop is shown as a cancellation; the job's reason when it was the job's.
        return job.reason().or(() -> isCancelled() ? Optional.of(Reason.CANCELLED) : Optional.empty());
    }

    @Override
    public void onCancel(Runnable action) {
        synchronized (this) {
            if (!fired) {
                actions.add(action);
                return;
            }
        }
        action.run();
    }
}
