package io.roomote.jobs.github;

import io.roomote.core.config.Durations;
import io.roomote.spi.Cancellation;
import io.roomote.spi.JobContext;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * Keeps an agent's unfinished work on a WIP branch of the remote when a job cannot finish it (stopped, budget
 * used up, a push that failed), within what is left of the job's cancel grace once the job is stopped. Shared by
 * {@code github.issue.fix} and {@code github.pr.revise}. Create it as the job starts: it notes when a stop fires.
 * The work comes from the job's trusted repository, never from the agent's workspace (see {@link AgentExport}).
 */
public final class WorkSaver {

    /** Below this, saving work is not even tried: the job reports at once rather than being abandoned. */
    private static final Duration MIN_SAVE_TIME = Duration.ofMillis(100);
    private static final Duration MAX_MARGIN = Duration.ofSeconds(1);

    /** How a stopped job ends: the outcome for the reason, what to say, and the WIP branch (null: none). */
    public record Stopped(Outcome outcome, String message, String wip) {
    }

    private final JobContext ctx;
    /** When the job must have returned once asked to stop: set as the cancellation fires. */
    private final AtomicReference<Instant> stopBy = new AtomicReference<>();

    public WorkSaver(JobContext ctx) {
        this.ctx = ctx;
        ctx.cancellation().onCancel(() -> stopBy.compareAndSet(null, Instant.now().plus(ctx.cancelGrace())));
    }

    /** The agent's work, exported from its workspace by the time {@code until} gives (read again while it runs). */
    @FunctionalInterface
    public interface Export {
        AgentWork run(Supplier<Instant> until) throws IOException, InterruptedException;
    }

    /**
     * Pushes everything the agent did since {@code base} — its commits and, when it left changes uncommitted, a
     * commit of them ({@code commitMessage} of {@code why}) — to {@code wipBranch}, from Roomote's trusted repository.
     * Returns the branch, or null when there was nothing to save. With {@code until}, every git command is limited
     * to the time left before it.
     */
    public String save(AgentWork work, String base, String wipBranch, UnaryOperator<String> commitMessage,
                       String why, Instant until) throws IOException, InterruptedException {
        String tip = within(work, until).everything(commitMessage.apply(why));
        // A commit of uncommitted changes is new by itself; otherwise HEAD may be the base or behind it.
        if (!work.hasUncommittedChanges()
                && (tip.equals(base) || within(work, until).repository().commitsBetween(base, tip) == 0)) {
            return null;
        }
        within(work, until).repository().push(tip, wipBranch);
        ctx.log().warn("unfinished work saved to branch " + wipBranch + " (" + why + ")");
        return wipBranch;
    }

    /**
     * Stopped (cancel, deadline, shutdown, lost lease): keep whatever the agent did on {@code wipBranch}, within
     * what is left of the job's cancel grace (the export of its work from the workspace included); the outcome and
     * message say the reason as it was. A null {@code export}: stopped before the agent started, nothing to save.
     */
    public Stopped stopped(Export export, String base, String wipBranch, UnaryOperator<String> commitMessage) {
        Cancellation.Reason reason = ctx.cancellation().reason().orElse(Cancellation.Reason.TIMED_OUT);
        Outcome outcome = switch (reason) {
            case CANCELLED -> Outcome.CANCELLED;
            case TIMED_OUT -> Outcome.TIMED_OUT;
            case SHUTDOWN -> Outcome.INTERRUPTED;
            case LEASE_LOST -> Outcome.LEASE_LOST;
        };
        String what = switch (reason) {
            case CANCELLED -> "cancelled";
            case TIMED_OUT -> "timed out";
            case SHUTDOWN -> "stopped because the runner is shutting down; the job goes back to the queue";
            case LEASE_LOST -> "stopped because the queue took the job's lease back; another runner owns the job now";
        };
        String why = switch (reason) {
            case CANCELLED -> "cancelled";
            case TIMED_OUT -> "stopped at the deadline";
            case SHUTDOWN -> "stopped by a shutdown";
            case LEASE_LOST -> "stopped: lease lost";
        };
        String wip = null;
        String unsaved = "; there was no work to save";
        Instant until = saveBy();
        Duration left = Duration.between(Instant.now(), until);
        if (export == null) {
            unsaved = "; the agent had not started"; // stopped during the setup: its files are not work to save
        } else if (left.compareTo(MIN_SAVE_TIME) < 0) {
            unsaved = "; no time was left within JOB_CANCEL_GRACE (" + Durations.describe(ctx.cancelGrace())
                    + ") to save unfinished work";
            ctx.log().error("could not save the unfinished work: no time left within JOB_CANCEL_GRACE");
        } else {
            try {
                wip = save(export.run(this::saveBy), base, wipBranch, commitMessage, why, until);
            } catch (Exception e) {
                unsaved = "; the unfinished work could not be saved: " + e.getMessage();
                ctx.log().error("could not save the unfinished work: " + e.getMessage());
            }
        }
        return new Stopped(outcome, what + (wip != null ? "; unfinished work saved to branch " + wip : unsaved), wip);
    }

    /**
     * When saving work must be done: the end of the cancel grace once the job is stopped (else of the grace after
     * its deadline), less a margin for reporting.
     */
    public Instant saveBy() {
        Instant end = stopBy.get() != null ? stopBy.get() : ctx.deadline().plus(ctx.cancelGrace());
        Duration margin = ctx.cancelGrace().dividedBy(10);
        return end.minus(margin.compareTo(MAX_MARGIN) > 0 ? MAX_MARGIN : margin);
    }

    private static AgentWork within(AgentWork work, Instant until) throws IOException {
        if (until == null) {
            return work;
        }
        Duration left = Duration.between(Instant.now(), until);
        if (left.compareTo(Duration.ofMillis(1)) < 0) {
            throw new IOException("the cancel grace ran out");
        }
        return work.withTimeout(left);
    }
}
