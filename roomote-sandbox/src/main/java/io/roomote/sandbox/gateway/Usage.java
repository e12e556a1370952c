package io.roomote.sandbox.gateway;

/**
 * What a job has spent through the gateway so far.
 *
 * @param tokensIn  input tokens the providers counted
 * @param tokensOut output tokens
 * @param costUsd   the sum of the costs known (reported or priced); null while no call had a known cost
 * @param calls     calls forwarded to a provider (the gateway's own refusals are not counted)
 * @param lastModel the model of the latest call; null before the first
 */
public record Usage(long tokensIn, long tokensOut, Double costUsd, int calls, String lastModel) {

    public static final Usage NONE = new Usage(0, 0, null, 0, null);

    public long tokens() {
        return tokensIn + tokensOut;
    }

    Usage plus(Long in, Long out, Double cost, String model) {
        Double total = costUsd;
        if (cost != null) {
            total = costUsd == null ? cost : Double.valueOf(costUsd + cost);
        }
        return new Usage(tokensIn + (in == null ? 0 : in), tokensOut + (out == null ? 0 : out), total, calls + 1,
                model == null ? lastModel : model);
    }
}
