package io.roomote.sandbox.gateway;

import io.roomote.core.config.ConfigurationException;
import io.roomote.spi.Configuration;

import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * How much one job may spend on models; the gateway refuses further calls once a limit is reached.
 *
 * @param maxCostUsd in US dollars, as reported by the provider or computed from {@link ModelPrices}
 * @param maxTokens  input plus output tokens
 */
public record Budget(Optional<Double> maxCostUsd, Optional<Long> maxTokens) {

    public static final String MAX_COST_VARIABLE = "ROOMOTE_MAX_COST_USD";
    public static final String MAX_TOKENS_VARIABLE = "ROOMOTE_MAX_TOKENS";

    public Budget {
        Objects.requireNonNull(maxCostUsd, "maxCostUsd");
        Objects.requireNonNull(maxTokens, "maxTokens");
        maxCostUsd.ifPresent(c -> {
            if (!(c > 0) || c.isInfinite()) {
                throw new IllegalArgumentException("a cost limit must be a positive number of dollars, got " + c);
            }
        });
        maxTokens.ifPresent(t -> {
            if (t <= 0) {
                throw new IllegalArgumentException("a token limit must be positive, got " + t);
            }
        });
    }

    public static Budget unlimited() {
        return new Budget(Optional.empty(), Optional.empty());
    }

    /** {@code ROOMOTE_MAX_COST_USD} (e.g. {@code 2.50}) and {@code ROOMOTE_MAX_TOKENS} (e.g. {@code 2000000}); each optional. */
    public static Budget fromConfig(Configuration config) {
        Optional<Double> cost = config.get(MAX_COST_VARIABLE).map(String::strip).filter(s -> !s.isEmpty()).map(raw -> {
            double value;
            try {
                value = Double.parseDouble(raw.startsWith("$") ? raw.substring(1) : raw);
            } catch (NumberFormatException e) {
                throw new ConfigurationException(MAX_COST_VARIABLE + " must be a positive number of US dollars, e.g. 2.50, got '" + raw + "'");
            }
            if (!(value > 0) || Double.isInfinite(value)) {
                throw new ConfigurationException(MAX_COST_VARIABLE + " must be a positive number of US dollars, e.g. 2.50, got '" + raw + "'");
            }
            return value;
        });
        Optional<Long> tokens = config.get(MAX_TOKENS_VARIABLE).map(String::strip).filter(s -> !s.isEmpty()).map(raw -> {
            long value;
            try {
                value = Long.parseLong(raw.replace("_", "").replace(",", ""));
            } catch (NumberFormatException e) {
                throw new ConfigurationException(MAX_TOKENS_VARIABLE + " must be a positive whole number of tokens, e.g. 2000000, got '" + raw + "'");
            }
            if (value <= 0) {
                throw new ConfigurationException(MAX_TOKENS_VARIABLE + " must be a positive whole number of tokens, e.g. 2000000, got '" + raw + "'");
            }
            return value;
        });
        return new Budget(cost, tokens);
    }

    /** This budget with the given limits applied where they are lower (a job's payload may lower, never raise). */
    public Budget lowerTo(Optional<Double> cost, Optional<Long> tokens) {
        Optional<Double> c = cost.isEmpty() ? maxCostUsd
                : Optional.of(maxCostUsd.map(m -> Math.min(m, cost.get())).orElse(cost.get()));
        Optional<Long> t = tokens.isEmpty() ? maxTokens
                : Optional.of(maxTokens.map(m -> Math.min(m, tokens.get())).orElse(tokens.get()));
        return new Budget(c, t);
    }

    public boolean isUnlimited() {
        return maxCostUsd.isEmpty() && maxTokens.isEmpty();
    }

    /** Whether {@code spent} has reached a limit. */
    public boolean reachedBy(Usage spent) {
        return maxTokens.map(max -> spent.tokens() >= max).orElse(false)
                || maxCostUsd.map(max -> spent.costUsd() != null && spent.costUsd() >= max).orElse(false);
    }

    /** "spent $1.0200 and 12,345 tokens, limit $1.0000 and 10,000 tokens" (only the limits set): for the agent and the job log. */
    public String describe(Usage spent) {
        java.util.List<String> used = new java.util.ArrayList<>();
        java.util.List<String> limits = new java.util.ArrayList<>();
        maxCostUsd.ifPresent(max -> {
            used.add(spent.costUsd() == null ? "an unknown amount" : dollars(spent.costUsd()));
            limits.add(dollars(max));
        });
        maxTokens.ifPresent(max -> {
            used.add(tokens(spent.tokens()));
            limits.add(tokens(max));
        });
        if (isUnlimited()) {
            return "spent " + tokens(spent.tokens()) + ", no limit";
        }
        return "spent " + String.join(" and ", used) + ", limit " + String.join(" and ", limits);
    }

    private static String tokens(long n) {
        return String.format(Locale.ROOT, "%,d tokens", n);
    }

    static String dollars(double usd) {
        return String.format(Locale.ROOT, "$%.4f", usd);
    }
}
