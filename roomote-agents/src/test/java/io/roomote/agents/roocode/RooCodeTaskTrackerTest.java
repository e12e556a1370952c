package io.roomote.agents.roocode;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.roomote.agents.AgentUsage;
import io.roomote.agents.roocode.RooTaskTracker.End;
import io.roomote.spi.JobLogger.Level;
import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** When a run ends, what it cost, and what the job log says about it. */
class RooCodeTaskTrackerTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String USAGE = "{\"totalTokensIn\":%d,\"totalTokensOut\":%d,\"totalCost\":%s,\"contextTokens\":1}";

    private static JsonNode json(String text) {
        try {
            return MAPPER.readTree(text);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static String usage(int in, int out, String cost) {
        return USAGE.formatted(in, out, cost);
    }

    @Test
    void onlyTheFirstStartedTasksCompletionEndsTheRun() {
        RooTaskTracker t = new RooTaskTracker();
        t.accept("taskCreated", json("[\"P\"]"));
        t.accept("taskStarted", json("[\"P\"]"));
        t.accept("taskSpawned", json("[\"P\",\"C\"]"));
        t.accept("taskStarted", json("[\"C\"]"));

        // An older extension: no isSubtask flag; the id tells.
        assertThat(t.accept("taskCompleted", json("[\"C\"," + usage(10, 1, "0.5") + ",{}]"))).isEmpty();
        // A newer one marks it.
        assertThat(t.accept("taskCompleted", json("[\"P\"," + usage(20, 2, "0.25") + ",{},{\"isSubtask\":true}]"))).isEmpty();
        assertThat(t.accept("taskCompleted", json("[\"P\"," + usage(30, 3, "0.25") + ",{},{\"isSubtask\":false}]")))
                .contains(End.COMPLETED);
        assertThat(t.topLevelTaskId()).contains("P");
        assertThat(t.subtasksCompleted()).isEqualTo(2);
        assertThat(t.usage("m")).isEqualTo(new AgentUsage(40L, 4L, 0.75, "m"));
    }

    @Test
    void aCompletionWithoutTheFlagEndsTheRunForTheTopLevelTask() {
        RooTaskTracker t = new RooTaskTracker();
        t.accept("taskStarted", json("[\"P\"]"));

        assertThat(t.accept("taskCompleted", json("[\"P\"," + usage(1, 1, "0") + ",{}]"))).contains(End.COMPLETED);
    }

    @Test
    void onlyTheTopLevelTasksAbortEndsTheRun() {
        RooTaskTracker t = new RooTaskTracker();
        t.accept("taskStarted", json("[\"P\"]"));
        t.accept("taskDelegated", json("[\"P\",\"C\"]"));

        assertThat(t.accept("taskAborted", json("[\"C\"]"))).isEmpty();
        assertThat(t.accept("taskAborted", json("[\"P\"]"))).contains(End.ABORTED);
    }

    @Test
    void tasksOutsideTheTreeAndMalformedEventsAreIgnored() {
        RooTaskTracker t = new RooTaskTracker();
        assertThat(t.accept("taskCompleted", json("[\"early\"," + usage(5, 5, "1") + ",{}]"))).isEmpty();
        t.accept("taskStarted", json("[\"P\"]"));
        t.accept("taskStarted", json("[\"other\"]"));

        assertThat(t.accept("taskCompleted", json("[\"other\"," + usage(5, 5, "1") + ",{}]"))).isEmpty();
        assertThat(t.accept("taskAborted", json("[\"other\"]"))).isEmpty();
        assertThat(t.accept("taskCompleted", json("{\"not\":\"an array\"}"))).isEmpty();
        assertThat(t.accept("taskCompleted", json("[42]"))).isEmpty();
        assertThat(t.accept("somethingNew", json("[\"P\"]"))).isEmpty();
        assertThat(t.topLevelTaskId()).contains("P");
        assertThat(t.usage(null)).isEqualTo(AgentUsage.UNKNOWN);
    }

    @Test
    void usageKeepsEachTasksLatestFigures() {
        RooTaskTracker t = new RooTaskTracker();
        t.accept("taskStarted", json("[\"P\"]"));
        t.accept("taskTokenUsageUpdated", json("[\"P\"," + usage(10, 1, "0.1") + ",{}]"));
        t.accept("taskTokenUsageUpdated", json("[\"P\"," + usage(50, 5, "0.5") + ",{}]"));

        assertThat(t.usage("x")).isEqualTo(new AgentUsage(50L, 5L, 0.5, "x"));
    }

    @Test
    void remembersTheTopLevelTasksFinalCompletionResult() {
        RooTaskTracker t = new RooTaskTracker();
        t.accept("taskStarted", json("[\"P\"]"));
        t.accept("message", json("[{\"taskId\":\"P\",\"action\":\"created\",\"message\":{\"ts\":1,\"type\":\"say\",\"say\":\"completion_result\",\"text\":\"Do\",\"partial\":true}}]"));
        t.accept("message", json("[{\"taskId\":\"C\",\"action\":\"created\",\"message\":{\"ts\":2,\"type\":\"say\",\"say\":\"completion_result\",\"text\":\"Child\"}}]"));
        assertThat(t.completionResult()).isEmpty();

        t.accept("message", json("[{\"taskId\":\"P\",\"action\":\"updated\",\"message\":{\"ts\":1,\"type\":\"say\",\"say\":\"completion_result\",\"text\":\"Done.\",\"partial\":false}}]"));
        assertThat(t.completionResult()).isEqualTo(Optional.of("Done."));
    }

    @Test
    void theEventLogSkipsPartialsLogsFinalsOnceAndNotesUnknownEvents() {
        RecordingLog log = new RecordingLog();
        RooEventLog events = new RooEventLog(log, MAPPER);
        events.accept("taskStarted", json("[\"P\"]"));
        String say = "[{\"taskId\":\"P\",\"action\":\"%s\",\"message\":{\"ts\":7,\"type\":\"say\",\"say\":\"text\",\"text\":\"%s\",\"partial\":%s}}]";

        events.accept("message", json(say.formatted("created", "Hel", "true")));
        events.accept("message", json(say.formatted("updated", "Hello", "false")));
        events.accept("message", json(say.formatted("updated", "Hello", "false")));
        events.accept("message", json("[{\"taskId\":\"P\",\"action\":\"created\",\"message\":{\"ts\":8,\"type\":\"ask\",\"ask\":\"command\",\"text\":\"npm test\"}}]"));
        events.accept("message", json("[{\"taskId\":\"P\",\"action\":\"created\",\"message\":{\"ts\":9,\"type\":\"ask\",\"ask\":\"followup\",\"text\":\"{\\\"question\\\":\\\"Which file?\\\",\\\"suggest\\\":[]}\"}}]"));
        events.accept("message", json("[{\"taskId\":\"P\",\"action\":\"created\",\"message\":{\"ts\":10,\"type\":\"say\",\"say\":\"error\",\"text\":\"boom\"}}]"));
        events.accept("message", json("[{\"taskId\":\"P\",\"action\":\"created\",\"message\":{\"ts\":11,\"type\":\"say\",\"say\":\"text\",\"text\":\"" + "x".repeat(5000) + "\"}}]"));
        events.accept("taskToolFailed", json("[\"P\",\"write_to_file\",\"disk full\"]"));
        events.accept("taskModeSwitched", json("[\"P\",\"architect\"]"));
        events.accept("taskIdle", json("[\"P\"]"));
        events.accept("message", json("\"not an array\""));

        assertThat(log.texts()).containsSubsequence("Roo Code: task P started", "Roo: Hello", "Roo runs: npm test",
                "Roo asks: Which file?", "Roo error: boom");
        assertThat(log.texts()).containsOnlyOnce("Roo: Hello").doesNotContain("Roo: Hel");
        assertThat(log.texts(Level.WARN)).contains("Roo error: boom", "Roo Code: tool 'write_to_file' failed in task P: disk full");
        assertThat(log.texts()).contains("Roo Code: task P switched to mode 'architect'");
        assertThat(log.texts(Level.DEBUG)).contains("Roo Code: ignored event 'taskIdle'");
        assertThat(log.texts()).anySatisfy(t -> assertThat(t).startsWith("Roo: xxx").endsWith("…[truncated]")
                .hasSize(RooEventLog.MAX_TEXT + " …[truncated]".length()));
    }
}
