package io.roomote.agents.roocode;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.roomote.spi.JobLogger;
import io.roomote.spi.JobLogger.Level;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Turns Roo Code's task events into readable job-log lines: the text of final chat messages (streaming
 * {@code partial} updates are skipped, and a message repeated unchanged is logged once), tool failures, mode
 * switches, subtasks, completion and abort. Events Roomote does not know (newer extension versions add
 * many) are noted at DEBUG and otherwise ignored. Never logs settings or keys: events carry none.
 */
final class RooEventLog {

    /** Longest text kept per line; agents print whole files at times. */
    static final int MAX_TEXT = 4000;
    private static final int REMEMBERED_MESSAGES = 512;

    private final JobLogger log;
    private final ObjectMapper mapper;
    private String firstTask;
    /** Last logged text per message timestamp, to log a re-sent final message once. */
    private final Map<Long, String> logged = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, String> eldest) {
            return size() > REMEMBERED_MESSAGES;
        }
    };

    RooEventLog(JobLogger log, ObjectMapper mapper) {
        this.log = log;
        this.mapper = mapper;
    }

    void accept(String eventName, JsonNode payload) {
        JsonNode p = payload != null && payload.isArray() ? payload : mapper.createArrayNode();
        switch (eventName) {
            case "taskCreated" -> log.info("Roo Code: task " + str(p, 0) + " created");
            case "taskStarted" -> {
                if (firstTask == null) {
                    firstTask = str(p, 0);
                }
                log.info("Roo Code: task " + str(p, 0) + " started");
            }
            case "taskCompleted" -> log.info("Roo Code: " + (p.path(3).path("isSubtask").asBoolean(false)
                    || !str(p, 0).equals(firstTask) ? "subtask " : "task ") + str(p, 0) + " completed" + usage(p.path(1)));
            case "taskAborted" -> log.warn("Roo Code: task " + str(p, 0) + " aborted");
            case "taskPaused" -> log.info("Roo Code: task " + str(p, 0) + " paused");
            case "taskUnpaused" -> log.info("Roo Code: task " + str(p, 0) + " resumed");
            case "taskSpawned", "taskDelegated" -> log.info("Roo Code: task " + str(p, 0) + " started subtask " + str(p, 1));
            case "taskModeSwitched" -> log.info("Roo Code: task " + str(p, 0) + " switched to mode '" + str(p, 1) + "'");
            case "taskToolFailed" -> log.warn("Roo Code: tool '" + str(p, 1) + "' failed in task " + str(p, 0) + ": "
                    + clip(str(p, 2)));
            case "taskTokenUsageUpdated" -> log.log(Level.DEBUG, "Roo Code: task " + str(p, 0) + usage(p.path(1)));
            case "taskAskResponded" -> log.log(Level.DEBUG, "Roo Code: task " + str(p, 0) + " got an answer");
            case "message" -> message(p.path(0));
            default -> log.log(Level.DEBUG, "Roo Code: ignored event '" + clip(eventName) + "'");
        }
    }

    private void message(JsonNode event) {
        JsonNode m = event.path("message");
        if (!m.isObject() || m.path("partial").asBoolean(false)) {
            return;
        }
        String text = m.path("text").asText("");
        long ts = m.path("ts").asLong(-1);
        String kind = m.path("type").asText("") + "/" + m.path("say").asText(m.path("ask").asText(""));
        if (ts >= 0) {
            String key = kind + "\u0000" + text;
            if (key.equals(logged.get(ts))) {
                return;
            }
            logged.put(ts, key);
        }
        String who = event.path("taskId").isTextual() && firstTask != null && !firstTask.equals(event.path("taskId").asText())
                ? "Roo (subtask " + shortId(event.path("taskId").asText()) + ")" : "Roo";
        if ("say".equals(m.path("type").asText())) {
            say(who, m.path("say").asText(""), text);
        } else if ("ask".equals(m.path("type").asText())) {
            ask(who, m.path("ask").asText(""), text);
        }
    }

    private void say(String who, String say, String text) {
        switch (say) {
            case "text" -> line(Level.INFO, who + ": ", text);
            case "completion_result" -> line(Level.INFO, who + " (result): ", text);
            case "subtask_result" -> line(Level.INFO, who + " (subtask result): ", text);
            case "user_feedback" -> line(Level.INFO, who + " (user feedback): ", text);
            case "error", "diff_error", "rooignore_error", "condense_context_error" -> line(Level.WARN, who + " error: ", text.isEmpty() ? say : text);
            case "api_req_retry_delayed", "api_req_retried" -> line(Level.WARN, who + " (" + say + "): ", text);
            case "command_output" -> line(Level.DEBUG, who + " (command output): ", text);
            case "api_req_started", "api_req_finished" -> log.log(Level.DEBUG, who + ": " + say.replace('_', ' '));
            case "reasoning" -> line(Level.DEBUG, who + " (reasoning): ", text);
            default -> line(text.isEmpty() ? Level.DEBUG : Level.INFO, who + " (" + say + "): ", text);
        }
    }

    private void ask(String who, String ask, String text) {
        switch (ask) {
            case "tool" -> {
                JsonNode tool = json(text);
                if (tool != null && tool.path("tool").isTextual()) {
                    String target = firstText(tool, "path", "regex", "query", "mode", "url", "reason");
                    log.info(clip(who + " uses tool " + tool.path("tool").asText() + (target == null ? "" : ": " + target)));
                } else {
                    line(Level.INFO, who + " uses a tool: ", text);
                }
            }
            case "command" -> line(Level.INFO, who + " runs: ", text);
            case "followup" -> {
                JsonNode q = json(text);
                line(Level.INFO, who + " asks: ", q != null && q.path("question").isTextual() ? q.path("question").asText() : text);
            }
            case "api_req_failed", "mistake_limit_reached", "auto_approval_max_req_reached" ->
                    line(Level.WARN, who + " (" + ask + "): ", text.isEmpty() ? ask : text);
            case "completion_result", "resume_task", "resume_completed_task" -> log.log(Level.DEBUG, who + " waits: " + ask);
            default -> line(text.isEmpty() ? Level.DEBUG : Level.INFO, who + " (ask " + ask + "): ", text);
        }
    }

    private void line(Level level, String prefix, String text) {
        if (text.isBlank() && level != Level.WARN) {
            return;
        }
        log.log(level, clip(prefix + text.strip()));
    }

    private JsonNode json(String text) {
        if (text == null || !text.startsWith("{")) {
            return null;
        }
        try {
            return mapper.readTree(text);
        } catch (java.io.IOException e) {
            return null;
        }
    }

    private static String firstText(JsonNode o, String... fields) {
        for (String f : fields) {
            if (o.path(f).isTextual() && !o.path(f).asText().isBlank()) {
                return o.path(f).asText();
            }
        }
        return null;
    }

    private static String usage(JsonNode u) {
        if (!u.isObject()) {
            return "";
        }
        StringBuilder s = new StringBuilder(" (");
        s.append("tokens in ").append(u.path("totalTokensIn").asText("?"));
        s.append(", out ").append(u.path("totalTokensOut").asText("?"));
        if (u.path("totalCost").isNumber()) {
            s.append(", cost $").append(String.format(Locale.ROOT, "%.4f", u.path("totalCost").asDouble()));
        }
        return s.append(')').toString();
    }

    private static String str(JsonNode array, int index) {
        JsonNode n = array.path(index);
        return n.isValueNode() ? n.asText() : "?";
    }

    private static String shortId(String id) {
        return id.length() > 8 ? id.substring(0, 8) : id;
    }

    static String clip(String text) {
        return text.length() > MAX_TEXT ? text.substring(0, MAX_TEXT) + " …[truncated]" : text;
    }
}
