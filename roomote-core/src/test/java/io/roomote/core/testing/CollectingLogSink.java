package io.roomote.core.testing;

import io.roomote.core.logging.LogSink;
import io.roomote.spi.JobLogger;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Keeps log lines in memory, as a Jenkins console sink would print them. */
public final class CollectingLogSink implements LogSink {

    public record Line(long jobId, int attempt, JobLogger.Level level, String text) {
    }

    private final List<Line> lines = new CopyOnWriteArrayList<>();

    @Override
    public void write(long jobId, int attempt, JobLogger.Level level, String line) {
        lines.add(new Line(jobId, attempt, level, line));
    }

    public List<Line> lines() {
        return List.copyOf(lines);
    }

    public List<String> texts() {
        return lines.stream().map(Line::text).toList();
    }
}
