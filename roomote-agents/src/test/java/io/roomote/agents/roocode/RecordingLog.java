package io.roomote.agents.roocode;

import io.roomote.spi.JobLogger;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A job log kept in memory. */
final class RecordingLog implements JobLogger {

    record Line(Instant at, Level level, String text) {
        @Override
        public String toString() {
            return at + " " + level + " " + text;
        }
    }

    private final List<Line> lines = new CopyOnWriteArrayList<>();

    @Override
    public void log(Level level, String line) {
        lines.add(new Line(Instant.now(), level, line));
    }

    List<Line> lines() {
        return List.copyOf(lines);
    }

    List<String> texts() {
        return lines.stream().map(Line::text).toList();
    }

    List<String> texts(Level level) {
        return lines.stream().filter(l -> l.level() == level).map(Line::text).toList();
    }
}
