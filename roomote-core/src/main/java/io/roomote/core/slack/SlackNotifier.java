package io.roomote.core.slack;

import io.roomote.core.events.JobEnd;
import io.roomote.core.events.JobEventListener;
import io.roomote.core.jobs.Job;
import io.roomote.core.metrics.ExternalCalls;
import io.roomote.core.store.JobNotesRepository;
import io.roomote.core.types.JobDescriptions;
import io.roomote.core.util.Backoff;
import io.roomote.core.util.Threads;
import io.roomote.spi.JobDescription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Posts job events to Slack through a {@link SlackPost} (Roomote's one sender, {@link SlackSender}, unless given
 * another), one thread per job. Never on a job's critical path: messages go out from one background thread, in
 * order; the sender retries a failure a bounded number of times (honouring Slack's Retry-After), then the message
 * is dropped with one warning line (each failed try only at DEBUG). Job state never depends on Slack. On close,
 * queued messages get {@link #DRAIN} to go out, without further retries; what is left is dropped with one warning
 * that says how many.
 */
public final class SlackNotifier implements JobEventListener, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SlackNotifier.class);
    static final int MAX_TRIES = 5;
    /** How long close() lets queued messages go out. */
    static final Duration DRAIN = Duration.ofMillis(1500);

    private final SlackPost slack;
    private final SlackMessages messages = new SlackMessages();
    private final JobNotesRepository notes;
    private final Function<Job, String> agentOf;
    private final Function<Job, Optional<JobDescription>> describe;
    private final ExternalCalls calls;
    private final ExecutorService background = Executors.newSingleThreadExecutor(Threads.daemon("roomote-slack"));
    /** Thread of each announced job; the database has it too, for other processes. */
    private final Map<Long, String> threads = new ConcurrentHashMap<>();
    /** Messages queued or being posted. */
    private final AtomicInteger pending = new AtomicInteger();
    /** Messages given up on because Roomote was stopping. */
    private final AtomicInteger abandoned = new AtomicInteger();
    private final CountDownLatch closing = new CountDownLatch(1);

    /** Without job descriptions: every thread says "Running {@code <type>}". */
    public SlackNotifier(SlackSettings settings, JobNotesRepository notes, Function<Job, String> agentOf) {
        this(settings, notes, agentOf, JobDescriptions.none(), 1000);
    }

    /**
     * Posts through a {@link SlackSender} for {@code settings}: {@link #MAX_TRIES} tries a message, waits from 1 s
     * doubling up to an hour (or Slack's Retry-After).
     *
     * @param describe what each job does and made, from its type ({@link JobDescriptions})
     * @param calls    hears whether each message reached Slack (metrics and the health check)
     */
    public SlackNotifier(SlackSettings settings, JobNotesRepository notes, Function<Job, String> agentOf,
                         Function<Job, Optional<JobDescription>> describe, ExternalCalls calls) {
        this(sender(settings, 1000), notes, agentOf, describe, calls);
    }

    SlackNotifier(SlackSettings settings, JobNotesRepository notes, Function<Job, String> agentOf,
                  Function<Job, Optional<JobDescription>> describe, long baseBackoffMs) {
        this(sender(settings, baseBackoffMs), notes, agentOf, describe, ExternalCalls.none());
    }

    /**
     * @param slack    posts each message; closed with the notifier when it is {@link AutoCloseable} (for
     *                 {@link SlackSender}: ends its retries)
     * @param describe what each job does and made, from its type ({@link JobDescriptions})
     * @param calls    hears whether each message reached Slack (metrics and the health check)
     */
    public SlackNotifier(SlackPost slack, JobNotesRepository notes, Function<Job, String> agentOf,
                         Function<Job, Optional<JobDescription>> describe, ExternalCalls calls) {
        this.slack = slack;
        this.notes = notes;
        this.agentOf = agentOf;
        this.describe = describe;
        this.calls = calls;
        calls.expect("slack");
    }

    /** The runner's sender: each failed try at DEBUG here (without the token: the sender's texts never hold it). */
    private static SlackSender sender(SlackSettings settings, long baseBackoffMs) {
        Backoff backoff = new Backoff(Duration.ofMillis(baseBackoffMs), Duration.ofHours(1));
        return new SlackSender(SlackSender.newHttpClient(), settings, MAX_TRIES, backoff,
                failed -> log.debug("Slack try {} failed: {}", failed.attempt(), failed.problem(), failed.cause()),
                SlackSender.Waiter.REAL);
    }

    /**
     * The first attempt opens the job's thread; a later one (a retry, a job retried by hand, one handed back at a
     * stop) replies in it, so a job keeps one thread across attempts.
     */
    @Override
    public void jobStarted(Job job) {
        send(1, () -> {
            String thread = threads.getOrDefault(job.id(), job.slackThreadTs());
            if (thread != null) {
                threads.put(job.id(), thread);
                post(job.id(), messages.attemptStarted(SlackMessages.Attempt.of(job)), thread);
                return;
            }
            String ts = post(job.id(), messages.started(SlackMessages.Attempt.of(job), agentOf.apply(job), describe.apply(job)), null);
            if (ts != null) {
                threads.put(job.id(), ts);
                try {
                    notes.setSlackThreadTs(job.id(), ts);
                } catch (RuntimeException e) {
                    log.warn("job {}: could not store its Slack thread: {}", job.id(), e.getMessage());
                }
            }
        });
    }

    @Override
    public void jobFinished(Job job) {
        List<String> texts = messages.finished(JobEnd.of(job), describe.apply(job));
        send(texts.size(), () -> {
            String thread = threadOf(job);
            for (String text : texts) {
                post(job.id(), text, thread);
            }
        });
    }

    /** Replies in a job's thread (e.g. a pull request announced by a webhook). */
    public void replyInThread(long jobId, String threadTs, String text) {
        send(1, () -> post(jobId, text, threadTs));
    }

    /** Queues a task posting {@code messages} messages (each {@link #post} accounts for one). */
    private void send(int messages, Runnable task) {
        pending.addAndGet(messages);
        try {
            background.execute(task);
        } catch (RejectedExecutionException e) {
            pending.addAndGet(-messages);
            abandoned.addAndGet(messages);
        }
    }

    private String threadOf(Job job) {
        String ts = threads.remove(job.id());
        return ts != null ? ts : job.slackThreadTs();
    }

    /** Posts through the sender (which retries); returns the message's ts, or null when it was not posted. */
    private String post(long jobId, String text, String threadTs) {
        try {
            String ts = deliver(jobId, text, threadTs);
            if (ts != null) {
                calls.succeeded("slack");
            } else if (closing.getCount() != 0) {
                calls.failed("slack");
            }
            return ts;
        } finally {
            pending.decrementAndGet();
        }
    }

    private String deliver(long jobId, String text, String threadTs) {
        try {
            return slack.post(text, threadTs).orElse(null);
        } catch (SlackException e) {
            switch (e.reason()) {
                case STOPPED -> abandoned.incrementAndGet(); // counted in close()'s warning
                case REFUSED -> log.warn("Slack refused a message of job {}: {} (check SLACK_API_URL, SLACK_API_TOKEN"
                        + " and SLACK_CHANNEL)", jobId, e.problem());
                case GAVE_UP -> log.warn("Slack message of job {} not posted after {} tries: {} (check SLACK_API_URL"
                        + " and the network)", jobId, e.tries(), e.problem());
            }
        } catch (IOException | RuntimeException e) {
            log.warn("Slack message of job {} not posted: {}", jobId,
                    e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName());
        }
        return null;
    }

    /**
     * Lets queued messages go out for at most {@link #DRAIN}, without retries, then drops the rest with one
     * warning saying how many.
     */
    @Override
    public void close() {
        if (closing.getCount() == 0) {
            return;
        }
        closing.countDown();
        stopRetries();
        background.shutdown();
        try {
            background.awaitTermination(DRAIN.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        background.shutdownNow();
        int notPosted = pending.get() + abandoned.get();
        if (notPosted > 0) {
            log.warn("{} Slack message(s) not posted: Slack did not take them within {} ms of stopping", notPosted,
                    DRAIN.toMillis());
        }
    }

    /** Queued messages get one try each from now on; a message waiting to retry gives up. */
    private void stopRetries() {
        if (slack instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                log.debug("closing the Slack sender: {}", e.toString());
            }
        }
    }
}
