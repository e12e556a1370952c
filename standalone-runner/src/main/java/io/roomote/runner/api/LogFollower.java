package io.roomote.runner.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;
import io.roomote.core.jobs.Job;
import io.roomote.core.jobs.JobLogLine;
import io.roomote.core.queue.JobQueue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;

/**
 * Streams a job's log as server-sent events: every stored line as an {@code event: log} with its sequence
 * number as the event id (so {@code Last-Event-ID} resumes), then {@code event: end} once the job has
 * finished and every line is sent. Polls the log table a few times a second; followers are capped.
 */
final class LogFollower implements AutoCloseable {

    static final int MAX_FOLLOWERS = 64;
    private static final Duration POLL = Duration.ofMillis(250);
    private static final Duration MAX_STREAM = Duration.ofHours(1);

    private final JobQueue queue;
    private final ObjectMapper mapper;
    private final Semaphore slots = new Semaphore(MAX_FOLLOWERS);
    private volatile boolean closed;

    LogFollower(JobQueue queue, ObjectMapper mapper) {
        this.queue = queue;
        this.mapper = mapper;
    }

    void stream(Context ctx, long jobId, long after) {
        if (!slots.tryAcquire()) {
            throw ApiError.of(429, "too_many_followers", "at most " + MAX_FOLLOWERS + " log streams at once; try later");
        }
        try {
            ctx.status(200);
            ctx.res().setContentType("text/event-stream");
            ctx.res().setCharacterEncoding("UTF-8");
            ctx.res().setHeader("Cache-Control", "no-cache");
            ctx.res().setHeader("X-Accel-Buffering", "no");
            OutputStream out = ctx.res().getOutputStream();
            send(out, ": following job " + jobId + "\n\n");
            long cursor = after;
            long end = System.nanoTime() + MAX_STREAM.toNanos();
            while (!closed && System.nanoTime() < end) {
                // Read the status before the lines: a line stored before the job ended is then always sent.
                Job job = queue.get(jobId).orElse(null);
                List<JobLogLine> lines = queue.logs(jobId, cursor, 1000);
                for (JobLogLine line : lines) {
                    send(out, "id: " + line.seq() + "\nevent: log\ndata: " + json(JobJson.of(line)) + "\n\n");
                    cursor = line.seq();
                }
                if (job == null || job.status().isTerminal() && lines.isEmpty()) {
                    send(out, "event: end\ndata: " + json(Map.of("status", job == null ? "deleted" : job.status().dbValue()))
                            + "\n\n");
                    return;
                }
                if (lines.size() < 1000) {
                    Thread.sleep(POLL.toMillis());
                }
            }
        } catch (IOException e) {
            // the client went away
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            slots.release();
        }
    }

    private void send(OutputStream out, String event) throws IOException {
        out.write(event.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private String json(Object value) {
        try {
            return mapper.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        closed = true;
    }
}
