package io.roomote.runner.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;
import io.javalin.http.sse.Emitter;
import io.roomote.core.jobs.Job;
import io.roomote.core.jobs.JobLogLine;
import io.roomote.core.queue.JobQueue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.function.Function;

/**
 * Streams a job's log as server-sent events: every stored line as an {@code event: log} with its sequence
 * number as the event id (so {@code Last-Event-ID} resumes), then {@code event: end} once the job has
 * finished and every line is sent. Polls the log table a few times a second; streams are capped. The API
 * and the dashboard each hold one, with their own rendering of a line.
 *
 * <p>A quiet stream sends a comment line ({@code : keep-alive}) every {@code heartbeat}: a client that went away
 * is only noticed when a write fails, so without it an abandoned stream kept its slot until the job wrote again.
 * Events and comments are framed by Javalin's SSE {@link Emitter}.
 *
 * <p>The stream's head (status, headers, the {@code retry} field) is written here rather than by Javalin's
 * {@code SseHandler} ({@code app.sse}), which cannot keep today's protocol: it opens a stream only when
 * {@code Accept} is exactly {@code text/event-stream}, else it answers an empty {@code 200} (the API promises a
 * stream for {@code ?follow=true} with any {@code Accept}, and the dashboard's live log streams for any), its
 * {@code SseClient} cannot send {@code retry:}, it adds {@code Connection: close}, and it commits its {@code 200} before the caller could still answer {@code 429} when
 * the followers are at their cap.
 */
public final class LogFollower implements AutoCloseable {

    private static final Duration POLL = Duration.ofMillis(250);
    private static final Duration MAX_STREAM = Duration.ofHours(1);
    private static final int BATCH = 500;

    private final JobQueue queue;
    private final ObjectMapper mapper;
    private final int maxStreams;
    private final Duration heartbeat;
    private final Clock clock;
    private final Semaphore slots;
    private volatile boolean closed;

    public LogFollower(JobQueue queue, ObjectMapper mapper, int maxStreams, Duration heartbeat, Clock clock) {
        this.queue = queue;
        this.mapper = mapper;
        this.maxStreams = maxStreams;
        this.heartbeat = heartbeat;
        this.clock = clock;
        this.slots = new Semaphore(maxStreams);
    }

    public int maxStreams() {
        return maxStreams;
    }

    /**
     * Streams until the job ends, the client leaves, an hour passes or this follower closes. Returns false
     * without writing anything when {@link #maxStreams()} streams are open already.
     */
    public boolean stream(Context ctx, long jobId, long after, Function<JobLogLine, Map<String, Object>> render) {
        if (!slots.tryAcquire()) {
            return false;
        }
        try {
            ctx.status(200);
            ctx.res().setContentType("text/event-stream");
            ctx.res().setCharacterEncoding("UTF-8");
            ctx.res().setHeader("Cache-Control", "no-cache");
            ctx.res().setHeader("X-Accel-Buffering", "no");
            ctx.res().getOutputStream().print("retry: 2000\n: following job " + jobId + "\n\n");
            ctx.res().flushBuffer();
            Emitter out = new Emitter(ctx.res());
            long cursor = after;
            Instant end = clock.instant().plus(MAX_STREAM);
            Instant lastWrite = clock.instant();
            while (!closed && !out.getClosed() && clock.instant().isBefore(end)) {
                // Read the status before the lines: a line stored before the job ended is then always sent.
                Job job = queue.get(jobId).orElse(null);
                List<JobLogLine> lines = queue.logs(jobId, cursor, BATCH);
                for (int i = 0; i < lines.size() && !out.getClosed(); i++) {
                    JobLogLine line = lines.get(i);
                    out.emit("log", data(render.apply(line)), String.valueOf(line.seq()));
                    cursor = line.seq();
                }
                if (job == null || job.status().isTerminal() && lines.isEmpty()) {
                    out.emit("end", data(Map.of("status", job == null ? "deleted" : job.status().dbValue())), null);
                    return true;
                }
                Instant now = clock.instant();
                if (!lines.isEmpty()) {
                    lastWrite = now;
                } else if (!now.isBefore(lastWrite.plus(heartbeat))) {
                    out.emit("keep-alive");
                    lastWrite = now;
                }
                if (lines.size() < BATCH && !out.getClosed()) {
                    Thread.sleep(POLL.toMillis());
                }
            }
        } catch (IOException e) {
            // the client went away before the first event
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            slots.release();
        }
        return true;
    }

    private InputStream data(Object value) {
        try {
            return new ByteArrayInputStream(mapper.writeValueAsBytes(value));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Ends open streams at their next poll. */
    @Override
    public void close() {
        closed = true;
    }
}
