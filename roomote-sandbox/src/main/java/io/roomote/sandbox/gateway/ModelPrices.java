package io.roomote.sandbox.gateway;

import io.roomote.core.config.ConfigurationException;
import io.roomote.spi.Configuration;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Prices for models whose provider does not report a cost, from {@code ROOMOTE_MODEL_PRICES}:
 * entries {@code <model>=<input>/<output>} separated by commas (or new lines), prices in US dollars per
 * million tokens, e.g. {@code gpt-4o=2.5/10,claude-sonnet-4=3/15}. A model the provider answers with a
 * date suffix ({@code claude-sonnet-4-20250514}, {@code gpt-4o-2024-08-06}) takes the price of the name
 * without it.
 *
 * @param perMillion model name → price
 */
public record ModelPrices(Map<String, Price> perMillion) {

    public static final String VARIABLE = "ROOMOTE_MODEL_PRICES";

    private static final Pattern DATE_SUFFIX = Pattern.compile("-(\\d{8}|\\d{4}-\\d{2}-\\d{2})$");

    /** US dollars per million input and output tokens. */
    public record Price(double inputPerMillion, double outputPerMillion) {
        public Price {
            if (!(inputPerMillion >= 0) || !(outputPerMillion >= 0)
                    || Double.isInfinite(inputPerMillion) || Double.isInfinite(outputPerMillion)) {
                throw new IllegalArgumentException("prices must be non-negative numbers");
            }
        }
    }

    public ModelPrices {
        perMillion = Map.copyOf(perMillion);
    }

    public static ModelPrices none() {
        return new ModelPrices(Map.of());
    }

    public static ModelPrices fromConfig(Configuration config) {
        return config.get(VARIABLE).map(ModelPrices::parse).orElseGet(ModelPrices::none);
    }

    /** Parses the {@code ROOMOTE_MODEL_PRICES} format; a malformed entry is a {@link ConfigurationException} naming it. */
    public static ModelPrices parse(String text) {
        Map<String, Price> prices = new LinkedHashMap<>();
        for (String raw : text.split("[,\\n]")) {
            String entry = raw.strip();
            if (entry.isEmpty()) {
                continue;
            }
            int eq = entry.lastIndexOf('=');
            String model = eq < 0 ? "" : entry.substring(0, eq).strip();
            String[] io = eq < 0 ? new String[0] : entry.substring(eq + 1).split("/");
            if (model.isEmpty() || io.length != 2) {
                throw bad(entry);
            }
            try {
                prices.put(model, new Price(Double.parseDouble(io[0].strip()), Double.parseDouble(io[1].strip())));
            } catch (IllegalArgumentException e) {
                throw bad(entry);
            }
        }
        return new ModelPrices(prices);
    }

    private static ConfigurationException bad(String entry) {
        return new ConfigurationException(VARIABLE + ": '" + entry + "' is not <model>=<input>/<output> (US dollars per"
                + " million tokens), e.g. gpt-4o=2.5/10,claude-sonnet-4=3/15");
    }

    /** The price of {@code model}: its own entry, else that of its name without a date suffix. */
    public Optional<Price> priceOf(String model) {
        if (model == null) {
            return Optional.empty();
        }
        Price exact = perMillion.get(model);
        if (exact != null) {
            return Optional.of(exact);
        }
        return Optional.ofNullable(perMillion.get(DATE_SUFFIX.matcher(model).replaceFirst("")));
    }

    /** The cost of a call, if the model is priced and both token counts are known. */
    public Optional<Double> cost(String model, Long tokensIn, Long tokensOut) {
        if (tokensIn == null || tokensOut == null) {
            return Optional.empty();
        }
        return priceOf(model).map(p -> (tokensIn * p.inputPerMillion() + tokensOut * p.outputPerMillion()) / 1_000_000d);
    }
}
