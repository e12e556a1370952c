package io.roomote.jobs.github;

import io.roomote.agents.AgentDriver;
import io.roomote.agents.AgentDrivers;
import io.roomote.spi.JobFailedException;
import io.roomote.spi.ValidationProblem;

import java.util.ArrayList;
import java.util.List;

/**
 * The payload fields that choose and bound the agent — {@code agent}, {@code model}, {@code maxCostUsd},
 * {@code maxTokens} — checked alike for every GitHub job type (a fix and a review round).
 */
public final class AgentChoice {

    /** Longest model name accepted (OpenRouter's ids are far shorter). */
    public static final int MAX_MODEL = 200;

    private AgentChoice() {
    }

    /** Every problem with these fields, each at its field's path. */
    public static List<ValidationProblem> problems(AgentDrivers drivers, String agent, String model, Double maxCostUsd,
                                                   Long maxTokens) {
        List<ValidationProblem> problems = new ArrayList<>();
        if (agent != null && drivers.find(agent).isEmpty()) {
            problems.add(new ValidationProblem("agent", "unknown agent \"" + abbreviate(agent) + "\"; known agents: "
                    + String.join(", ", drivers.names())));
        }
        if (maxCostUsd != null && !(maxCostUsd > 0 && maxCostUsd < 1_000_000)) {
            problems.add(new ValidationProblem("maxCostUsd", "must be a positive number of US dollars below 1000000"));
        }
        if (maxTokens != null && maxTokens < 1) {
            problems.add(new ValidationProblem("maxTokens", "must be a positive number of tokens"));
        }
        if (model != null && model.isBlank()) {
            problems.add(new ValidationProblem("model", "must not be empty; leave it out for the default model"));
        } else if (model != null && model.length() > MAX_MODEL) {
            problems.add(new ValidationProblem("model", "must be at most " + MAX_MODEL + " characters"));
        }
        return problems;
    }

    /** The driver of {@code agent}, or a permanent failure that names the installed ones. */
    public static AgentDriver driver(AgentDrivers drivers, String agent) throws JobFailedException {
        return drivers.find(agent).orElseThrow(() -> JobFailedException.permanent("unknown agent \"" + agent
                + "\" (ROOMOTE_AGENT); known agents: " + String.join(", ", drivers.names())));
    }

    private static String abbreviate(String s) {
        return s.length() <= 150 ? s : s.substring(0, 150) + "…";
    }
}
