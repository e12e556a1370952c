package io.roomote.spi;

import java.time.Instant;

/**
 * One request an agent made to a model provider, as Roomote's model gateway saw it: the numbers are what the
 * provider answered, not what the agent claims.
 *
 * @param at         when the request arrived at the gateway
 * @param provider   the gateway route it went through, e.g. {@code openrouter}, {@code anthropic}
 * @param model      the model the provider named in its answer (else the one requested); null if neither
 * @param tokensIn   input (prompt) tokens the provider counted; null if it did not say
 * @param tokensOut  output (completion) tokens; null if it did not say
 * @param costUsd    the cost the provider reported, or computed from configured prices; null if unknown
 * @param status     the HTTP status returned to the agent (the gateway's own refusals included, e.g. 402)
 * @param durationMs from the request's arrival to the end of the answer
 * @param error      why the call failed or was refused, one line; null when it succeeded
 */
public record ModelCall(Instant at, String provider, String model, Long tokensIn, Long tokensOut, Double costUsd,
                        int status, long durationMs, String error) {
}
