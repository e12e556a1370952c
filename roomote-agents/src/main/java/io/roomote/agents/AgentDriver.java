package io.roomote.agents;

/**
 * Drives one kind of AI coding agent (Roo Code in VS Code, codex, opencode, a shell command, …) through one
 * task in a workspace. A new agent is one class implementing this, listed in
 * {@code META-INF/services/io.roomote.agents.AgentDriver} (or registered with {@link AgentDrivers#of}).
 *
 * <p>A driver must: start the agent with exactly {@link AgentRequest#environment()} (already scrubbed) and
 * its own home folder; stream what it does into {@link AgentRequest#log()}; stop it and its whole process
 * tree when {@link AgentRequest#cancellation()} fires or the deadline passes; never write into the
 * workspace itself. It reports what the agent said happened — the caller verifies the repository.
 */
public interface AgentDriver {

    /** The name used in {@code ROOMOTE_AGENT} and the payload's {@code agent} field, e.g. {@code roo-code}. */
    String name();

    /**
     * Why this agent could not start with this request's settings and environment (a key or setting it
     * needs), without starting anything; empty when it could. Checked before a job is accepted.
     */
    default java.util.Optional<String> configurationProblem(AgentRequest probe) {
        return java.util.Optional.empty();
    }

    /** Runs the task to its end. Returns normally when stopped by cancellation, with status STOPPED. */
    AgentOutcome run(AgentRequest request) throws java.io.IOException, InterruptedException;
}
