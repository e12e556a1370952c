package io.roomote.agents.cli;

import io.roomote.spi.JobLogger;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A job log in memory, for assertions on what an agent driver logged. */
public final class CollectingJobLogger implements JobLogger {

    public record Line(Level level, String text) {
    }

    private final List<Line> lines = new CopyOnWriteArrayList<>();

    @Override
    public void log(Level level, String line) {
        lines.add(new Line(level, line));
    }

    public List<Line> lines() {
        return List.copyOf(lines);
    }

    public List<String> texts() {
        return lines.stream().map(Line::text).toList();
    }

    public String joined() {
        return String.join("\n", texts());
    }
}
