package io.roomote.agents.roocode;

import com.fasterxml.jackson.databind.JsonNode;
import io.roomote.agents.AgentUsage;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Follows one Roo Code run through its events and decides when it has ended. The top-level task is the
 * one named by the FIRST {@code taskStarted}; subtasks join the tree through {@code taskSpawned} (or
 * {@code taskDelegated} in newer versions). Only the top-level task's {@code taskCompleted} (not marked
 * {@code isSubtask}) ends the run as completed, and only its {@code taskAborted} as aborted; a subtask
 * completing first does not end anything. Events of tasks outside the tree (the server broadcasts to every
 * client) are ignored.
 *
 * <p>Usage is the sum over the tree of each task's latest {@code TokenUsage} (from
 * {@code taskTokenUsageUpdated} or {@code taskCompleted}): Roo Code counts a subtask's tokens in the
 * subtask, not in its parent.
 *
 * <p>Not thread-safe: the driver feeds it from one thread.
 */
final class RooTaskTracker {

    enum End { COMPLETED, ABORTED }

    private record Usage(Long tokensIn, Long tokensOut, Double cost) {
    }

    private String topLevel;
    private final Set<String> tree = new LinkedHashSet<>();
    private final Map<String, Usage> usage = new LinkedHashMap<>();
    private String completionResult;
    private int subtasksCompleted;

    /** Feeds one event; returns how the run ended if this event ended it. */
    Optional<End> accept(String eventName, JsonNode payload) {
        if (payload == null || !payload.isArray()) {
            return Optional.empty();
        }
        switch (eventName) {
            case "taskStarted" -> {
                String id = text(payload, 0);
                if (topLevel == null && id != null) {
                    topLevel = id;
                    tree.add(id);
                }
            }
            case "taskSpawned", "taskDelegated" -> {
                String parent = text(payload, 0);
                String child = text(payload, 1);
                if (parent != null && child != null && tree.contains(parent)) {
                    tree.add(child);
                }
            }
            case "taskTokenUsageUpdated" -> recordUsage(text(payload, 0), payload.get(1));
            case "taskCompleted" -> {
                String id = text(payload, 0);
                recordUsage(id, payload.get(1));
                if (id == null || !tree.contains(id)) {
                    return Optional.empty();
                }
                boolean markedSubtask = payload.path(3).path("isSubtask").asBoolean(false);
                if (id.equals(topLevel) && !markedSubtask) {
                    return Optional.of(End.COMPLETED);
                }
                subtasksCompleted++;
            }
            case "taskAborted" -> {
                String id = text(payload, 0);
                if (id != null && id.equals(topLevel)) {
                    return Optional.of(End.ABORTED);
                }
            }
            case "message" -> {
                JsonNode event = payload.path(0);
                JsonNode message = event.path("message");
                if (topLevel != null && topLevel.equals(event.path("taskId").asText(null))
                        && "completion_result".equals(message.path("say").asText(null))
                        && !message.path("partial").asBoolean(false) && message.path("text").isTextual()) {
                    completionResult = message.path("text").asText();
                }
            }
            default -> {
                // nothing to track
            }
        }
        return Optional.empty();
    }

    private void recordUsage(String taskId, JsonNode tokenUsage) {
        if (taskId == null || !tree.contains(taskId) || tokenUsage == null || !tokenUsage.isObject()) {
            return;
        }
        Number in = number(tokenUsage, "totalTokensIn");
        Number out = number(tokenUsage, "totalTokensOut");
        Number cost = number(tokenUsage, "totalCost");
        usage.put(taskId, new Usage(in == null ? null : in.longValue(), out == null ? null : out.longValue(),
                cost == null ? null : cost.doubleValue()));
    }

    /** The top-level task's id, once it has started. */
    Optional<String> topLevelTaskId() {
        return Optional.ofNullable(topLevel);
    }

    /** The top-level task's last final {@code completion_result} text. */
    Optional<String> completionResult() {
        return Optional.ofNullable(completionResult);
    }

    int subtasksCompleted() {
        return subtasksCompleted;
    }

    /** Tokens and cost summed over the task and its subtasks; unknown (null) where nothing was reported. */
    AgentUsage usage(String model) {
        Long in = null;
        Long out = null;
        Double cost = null;
        for (Usage u : usage.values()) {
            if (u.tokensIn() != null) {
                in = (in == null ? 0 : in) + u.tokensIn();
            }
            if (u.tokensOut() != null) {
                out = (out == null ? 0 : out) + u.tokensOut();
            }
            if (u.cost() != null) {
                cost = (cost == null ? 0 : cost) + u.cost();
            }
        }
        return new AgentUsage(in, out, cost, model);
    }

    private static String text(JsonNode array, int index) {
        JsonNode n = array.get(index);
        return n != null && n.isTextual() ? n.asText() : null;
    }

    private static Number number(JsonNode object, String field) {
        JsonNode n = object.get(field);
        return n != null && n.isNumber() ? n.numberValue() : null;
    }
}
