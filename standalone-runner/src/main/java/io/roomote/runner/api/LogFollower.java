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
import java.util.function.Function;

/**
 * Streams a job's log as server-sent events: every stored line as an {@code event: log} with its sequence
 * number as the event id (so {@code Last-Event-ID} resumes), then {@code event: end} once the job has
 * finished and every line is sent. Polls the log table a few times a second; streams are capped. The API
 * and the dashboard each hold one, with their own rendering of a line.
 */
public final class LogFollower implements AutoCloseable {

    private static final Duration POLL = Duration.ofMillis(250);
    private static final Duration MAX_STREAM = Duration.ofHours(1);
    private static final int BATCH = 500;

    private final JobQueue queue;
    private final ObjectMapper mapper;
    private final int maxStreams;
    private final Semaphore slots;
    private volatile boolean closed;

    public LogFollower(JobQueue queue, ObjectMapper mapper, int maxStreams) {
        this.queue = queue;
        this.mapper = mapper;
        this.maxStreams = maxStreams;
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
            OutputStream out = ctx.res().getOutputStream();
            send(out, "retry: 2000\n: following job " + jobId + "\n\n");
            long cursor = after;
            long end = System.nanoTime() + MAX_STREAM.toNanos();
            while (!closed && System.nanoTime() < end) {
                // Read the status before the lines: a line stored before the job ended is then always sent.
                Job job = queue.get(jobId).orElse(null);
                List<JobLogLine> lines = queue.logs(jobId, cursor, BATCH);
                for (JobLogLine line : lines) {
                    send(out, "id: " + line.seq() + "\nevent: log\ndata: " + json(render.apply(line)) + "\n\n");
                    cursor = line.seq();
                }
                if (job == null || job.status().isTerminal() && lines.isEmpty()) {
                    send(out, "event: end\ndata: " + json(Map.of("status", job == null ? "deleted" : job.status().dbValue()))
                            + "\n\n");
                    return true;
                }
                if (lines.size() < BATCH) {
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
        return true;
    }

    private static void send(OutputStream out, String event) throws IOException {
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

    /** Ends open streams at their next poll. */
    @Override
    public void close() {
        closed = true;
    }
}
