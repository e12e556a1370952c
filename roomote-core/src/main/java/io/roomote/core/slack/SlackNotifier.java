package io.roomote.core.slack;

import com.slack.api.Slack;
import com.slack.api.SlackConfig;
import com.slack.api.methods.MethodsClient;
import com.slack.api.methods.SlackApiException;
import com.slack.api.methods.response.chat.ChatPostMessageResponse;
import io.roomote.core.events.JobEventListener;
import io.roomote.core.jobs.Job;
import io.roomote.core.store.JobNotesRepository;
import io.roomote.core.util.Threads;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.Optional;
import java.util.function.Function;
import io.roomote.core.types.JobDescriptions;
import io.roomote.spi.JobDescription;

/**
 * Posts job events to Slack with the official client, one thread per job. Never on a job's critical path:
 * messages go out from one background thread, in order; a failure is retried a bounded number of times
 * (honouring Slack's Retry-After), then dropped with one warning line (the stack trace only at DEBUG). Job
 * state never depends on Slack. On close, queued messages get {@link #DRAIN} to go out, without further
 * retries; what is left is dropped with one warning that says how many.
 *
 * <p>Only {@code chat.postMessage} is called. The client's rate-limit metrics are off: they call
 * {@code auth.test} to learn the team before a method call, and again before every call while that fails
 * (as it does whenever Slack is unreachable).
 */
public final class SlackNotifier implements JobEventListener, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SlackNotifier.class);
    static final int MAX_TRIES = 5;
    /** How long close() lets queued messages go out. */
    static final Duration DRAIN = Duration.ofMillis(1500);

    private final SlackSettings settings;
    private final SlackMessages messages;
    private final JobNotesRepository notes;
    private final Function<Job, String> agentOf;
    private final Function<Job, Optional<JobDescription>> describe;
    private final Slack slack;
    private final MethodsClient methods;
    private final ExecutorService sender = Executors.newSingleThreadExecutor(Threads.daemon("roomote-slack"));
    /** Thread of each announced job; the database has it too, for other processes. */
    private final Map<Long, String> threads = new ConcurrentHashMap<>();
    /** Waits between tries of one message: the base doubling, never above an hour. */
    private final io.roomote.core.util.Backoff retries;
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
     * @param describe what each job does and made, from its type ({@link JobDescriptions})
     * @param calls    hears whether each message reached Slack (metrics and the health check)
     */
    public SlackNotifier(SlackSettings settings, JobNotesRepository notes, Function<Job, String> agentOf,
                         Function<Job, Optional<JobDescription>> describe, io.roomote.core.metrics.ExternalCalls calls) {
        this(settings, notes, agentOf, describe, 1000);
        this.calls = calls;
        calls.expect("slack");
    }

    private io.roomote.core.metrics.ExternalCalls calls = io.roomote.core.metrics.ExternalCalls.none();

    SlackNotifier(SlackSettings settings, JobNotesRepository notes, Function<Job, String> agentOf,
                  Function<Job, Optional<JobDescription>> describe, long baseBackoffMs) {
        this.settings = settings;
        this.messages = new SlackMessages();
        this.notes = notes;
        this.agentOf = agentOf;
        this.describe = describe;
        this.retries = new io.roomote.core.util.Backoff(Duration.ofMillis(baseBackoffMs), Duration.ofHours(1));
        SlackConfig config = new SlackConfig();
        config.setMethodsEndpointUrlPrefix(settings.apiUrl());
        config.setPrettyResponseLoggingEnabled(false);
        config.getMethodsConfig().setStatsEnabled(false); // else auth.test before calls (see the class comment)
        config.setHttpClientCallTimeoutMillis(15_000);
        this.slack = Slack.getInstance(config);
        this.methods = slack.methods(settings.token().orElseThrow(() -> new IllegalArgumentException("no Slack token")));
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
        List<String> texts = messages.finished(io.roomote.core.events.JobEnd.of(job), describe.apply(job));
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
            sender.execute(task);
        } catch (RejectedExecutionException e) {
            pending.addAndGet(-messages);
            abandoned.addAndGet(messages);
        }
    }

    private String threadOf(Job job) {
        String ts = threads.remove(job.id());
        return ts != null ? ts : job.slackThreadTs();
    }

    /** Posts with bounded retries; returns the message's ts, or null when it could not be posted. */
    private String post(long jobId, String text, String threadTs) {
        try {
            String ts = postWithRetries(jobId, text, threadTs);
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

    private String postWithRetries(long jobId, String text, String threadTs) {
        String lastProblem = "no answer";
        for (int attempt = 1; attempt <= MAX_TRIES; attempt++) {
            if (closing.getCount() == 0 && attempt > 1) {
                abandoned.incrementAndGet(); // stopping: no more retries, counted in close()'s warning
                return null;
            }
            long waitMs = retries.after(attempt).toMillis();
            try {
                ChatPostMessageResponse r = methods.chatPostMessage(req -> {
                    req.channel(settings.channel()).text(text).unfurlLinks(false);
                    if (threadTs != null) {
                        req.threadTs(threadTs);
                    }
                    return req;
                });
                if (r.isOk()) {
                    return r.getTs();
                }
                if (!"ratelimited".equals(r.getError()) && !"internal_error".equals(r.getError())
                        && !"fatal_error".equals(r.getError()) && !"service_unavailable".equals(r.getError())) {
                    log.warn("Slack refused a message of job {}: {} (check SLACK_API_TOKEN and SLACK_CHANNEL)", jobId, r.getError());
                    return null;
                }
                lastProblem = "Slack answered " + r.getError();
            } catch (SlackApiException e) {
                if (e.getResponse() != null && e.getResponse().code() == 429) {
                    String retryAfter = e.getResponse().header("Retry-After");
                    waitMs = retryAfter != null && retryAfter.matches("\\d{1,4}") ? Long.parseLong(retryAfter) * 1000 : waitMs;
                    lastProblem = "rate limited";
                } else if (e.getResponse() != null && e.getResponse().code() < 500) {
                    log.warn("Slack refused a message of job {}: HTTP {} (check SLACK_API_URL and SLACK_API_TOKEN)",
                            jobId, e.getResponse().code());
                    return null;
                } else {
                    lastProblem = e.getResponse() != null ? "HTTP " + e.getResponse().code() : String.valueOf(e.getMessage());
                }
                log.debug("Slack try {} for job {} failed", attempt, jobId, e);
            } catch (IOException | RuntimeException e) {
                lastProblem = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
                log.debug("Slack try {} for job {} failed: Slack unreachable", attempt, jobId, e);
            }
            if (attempt < MAX_TRIES && awaitClosing(waitMs)) {
                abandoned.incrementAndGet();
                return null;
            }
        }
        log.warn("Slack message of job {} not posted after {} tries: {} (check SLACK_API_URL and the network)",
                jobId, MAX_TRIES, lastProblem);
        return null;
    }

    /** Waits before a retry; true when Roomote began stopping meanwhile. */
    private boolean awaitClosing(long ms) {
        try {
            return closing.await(ms, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
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
        sender.shutdown();
        try {
            sender.awaitTermination(DRAIN.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        sender.shutdownNow();
        int notPosted = pending.get() + abandoned.get();
        if (notPosted > 0) {
            log.warn("{} Slack message(s) not posted: Slack did not take them within {} ms of stopping", notPosted,
                    DRAIN.toMillis());
        }
        try {
            slack.close();
        } catch (Exception e) {
            log.debug("closing the Slack client: {}", e.toString());
        }
    }
}
