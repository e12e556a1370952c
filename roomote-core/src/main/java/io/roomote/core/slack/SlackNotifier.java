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
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * Posts job events to Slack with the official client, one thread per job. Never on a job's critical path:
 * messages go out from one background thread, in order; a failure is retried a bounded number of times
 * (honouring Slack's Retry-After), then dropped with a warning. Job state never depends on Slack.
 */
public final class SlackNotifier implements JobEventListener, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SlackNotifier.class);
    static final int MAX_TRIES = 5;

    private final SlackSettings settings;
    private final SlackMessages messages;
    private final JobNotesRepository notes;
    private final Function<Job, String> agentOf;
    private final Slack slack;
    private final MethodsClient methods;
    private final ExecutorService sender = Executors.newSingleThreadExecutor(Threads.daemon("roomote-slack"));
    /** Thread of each announced job; the database has it too, for other processes. */
    private final Map<Long, String> threads = new ConcurrentHashMap<>();
    private final long baseBackoffMs;

    public SlackNotifier(SlackSettings settings, JobNotesRepository notes, Function<Job, String> agentOf) {
        this(settings, notes, agentOf, 1000);
    }

    SlackNotifier(SlackSettings settings, JobNotesRepository notes, Function<Job, String> agentOf, long baseBackoffMs) {
        this.settings = settings;
        this.messages = new SlackMessages(settings.githubServerUrl());
        this.notes = notes;
        this.agentOf = agentOf;
        this.baseBackoffMs = baseBackoffMs;
        SlackConfig config = new SlackConfig();
        config.setMethodsEndpointUrlPrefix(settings.apiUrl());
        config.setPrettyResponseLoggingEnabled(false);
        this.slack = Slack.getInstance(config);
        this.methods = slack.methods(settings.token().orElseThrow(() -> new IllegalArgumentException("no Slack token")));
    }

    @Override
    public void jobStarted(Job job) {
        sender.execute(() -> {
            String ts = post(job.id(), messages.started(job, agentOf.apply(job)), null);
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
        sender.execute(() -> {
            String thread = threadOf(job);
            for (String text : messages.finished(job)) {
                post(job.id(), text, thread);
            }
        });
    }

    /** Replies in a job's thread (e.g. a pull request announced by a webhook). */
    public void replyInThread(long jobId, String threadTs, String text) {
        sender.execute(() -> post(jobId, text, threadTs));
    }

    private String threadOf(Job job) {
        String ts = threads.remove(job.id());
        return ts != null ? ts : job.slackThreadTs();
    }

    /** Posts with bounded retries; returns the message's ts, or null when it could not be posted. */
    private String post(long jobId, String text, String threadTs) {
        for (int attempt = 1; attempt <= MAX_TRIES; attempt++) {
            long waitMs = baseBackoffMs * (1L << (attempt - 1));
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
            } catch (SlackApiException e) {
                if (e.getResponse() != null && e.getResponse().code() == 429) {
                    String retryAfter = e.getResponse().header("Retry-After");
                    waitMs = retryAfter != null && retryAfter.matches("\\d{1,4}") ? Long.parseLong(retryAfter) * 1000 : waitMs;
                } else if (e.getResponse() != null && e.getResponse().code() < 500) {
                    log.warn("Slack refused a message of job {}: HTTP {}", jobId, e.getResponse().code());
                    return null;
                }
            } catch (IOException | RuntimeException e) {
                log.debug("Slack unreachable for job {}: {}", jobId, e.toString());
            }
            if (attempt < MAX_TRIES) {
                Threads.sleepQuietly(waitMs);
            }
        }
        log.warn("gave up posting a Slack message of job {} after {} tries", jobId, MAX_TRIES);
        return null;
    }

    /** Waits for queued messages (a few seconds at most), then stops. */
    @Override
    public void close() {
        Threads.drainAndStop(sender, 10);
        try {
            slack.close();
        } catch (Exception e) {
            log.debug("closing the Slack client: {}", e.toString());
        }
    }
}
