package io.roomote.sandbox.gateway;

import io.roomote.spi.JobLogger;
import io.roomote.spi.ModelCall;
import io.roomote.spi.ModelCallLog;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** What a job kept: its model calls and its log lines (real in-memory sinks, as a job's store would be). */
final class Recorded implements ModelCallLog, JobLogger {

    final List<ModelCall> calls = new CopyOnWriteArrayList<>();
    final List<String> lines = new CopyOnWriteArrayList<>();

    @Override
    public void record(ModelCall call) {
        calls.add(call);
    }

    @Override
    public void log(Level level, String line) {
        lines.add(level + " " + line);
    }

    List<String> lines(Level level) {
        return lines.stream().filter(l -> l.startsWith(level + " ")).toList();
    }
}
