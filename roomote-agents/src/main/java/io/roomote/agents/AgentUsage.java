package io.roomote.agents;

/** Token usage and cost as the agent reported them; null where it did not. */
public record AgentUsage(Long tokensIn, Long tokensOut, Double costUsd, String model) {

    public static final AgentUsage UNKNOWN = new AgentUsage(null, null, null, null);

    /** This usage with {@code other}'s known values filling the unknown ones. */
    public AgentUsage orElse(AgentUsage other) {
        return new AgentUsage(tokensIn != null ? tokensIn : other.tokensIn, tokensOut != null ? tokensOut : other.tokensOut,
                costUsd != null ? costUsd : other.costUsd, model != null ? model : other.model);
    }
}
