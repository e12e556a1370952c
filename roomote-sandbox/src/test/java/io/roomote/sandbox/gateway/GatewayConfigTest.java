package io.roomote.sandbox.gateway;

import io.roomote.core.config.ConfigurationException;
import io.roomote.core.config.Settings;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Routes, budgets and prices read from settings (real {@link Settings}, no network). */
class GatewayConfigTest {

    @Test
    void onlyRoutesWithAKeyAreMadeWithTheirDefaultUpstreams() {
        var routes = GatewayRoute.fromConfig(Settings.of(Map.of("OPENROUTER_API_KEY", "sk-or", "ANTHROPIC_API_KEY", "sk-ant")));

        assertThat(routes).containsExactly(
                new GatewayRoute("openrouter", URI.create("https://openrouter.ai/api/v1"), "sk-or", AuthStyle.BEARER),
                new GatewayRoute("anthropic", URI.create("https://api.anthropic.com"), "sk-ant", AuthStyle.X_API_KEY));
        assertThat(GatewayRoute.fromConfig(Settings.of(Map.of()))).isEmpty();
    }

    @Test
    void baseUrlsReplaceTheDefaultUpstreams() {
        var routes = GatewayRoute.fromConfig(Settings.of(Map.of(
                "OPENROUTER_API_KEY", "local", "ROOMOTE_AGENT_BASE_URL", "http://127.0.0.1:11434/v1",
                "OPENAI_API_KEY", "sk-oa", "OPENAI_BASE_URL", "https://proxy.example/openai/v1",
                "ANTHROPIC_API_KEY", "sk-ant", "ANTHROPIC_BASE_URL", "https://anthropic.example")));

        assertThat(routes).extracting(GatewayRoute::name, GatewayRoute::upstream).containsExactly(
                org.assertj.core.groups.Tuple.tuple("openrouter", URI.create("http://127.0.0.1:11434/v1")),
                org.assertj.core.groups.Tuple.tuple("openai", URI.create("https://proxy.example/openai/v1")),
                org.assertj.core.groups.Tuple.tuple("anthropic", URI.create("https://anthropic.example")));
        assertThat(routes.get(0).target("chat/completions", null))
                .isEqualTo(URI.create("http://127.0.0.1:11434/v1/chat/completions"));
        assertThat(routes.get(2).target("v1/messages", "beta=true"))
                .isEqualTo(URI.create("https://anthropic.example/v1/messages?beta=true"));
    }

    @Test
    void aMalformedBaseUrlNamesItsVariable() {
        assertThatThrownBy(() -> GatewayRoute.fromConfig(Settings.of(Map.of(
                "OPENAI_API_KEY", "sk-oa", "OPENAI_BASE_URL", "api.openai.com/v1"))))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("OPENAI_BASE_URL").hasMessageNotContaining("sk-oa");
    }

    @Test
    void budgetsFromSettings() {
        assertThat(Budget.fromConfig(Settings.of(Map.of()))).isEqualTo(Budget.unlimited());
        assertThat(Budget.fromConfig(Settings.of(Map.of("ROOMOTE_MAX_COST_USD", "2.50", "ROOMOTE_MAX_TOKENS", "2000000"))))
                .isEqualTo(new Budget(Optional.of(2.5), Optional.of(2_000_000L)));
        assertThat(Budget.fromConfig(Settings.of(Map.of("ROOMOTE_MAX_COST_USD", "$3")))).isEqualTo(
                new Budget(Optional.of(3.0), Optional.empty()));
    }

    @Test
    void badBudgetsNameTheirVariable() {
        for (String bad : new String[]{"0", "-1", "lots", "NaN", "Infinity"}) {
            assertThatThrownBy(() -> Budget.fromConfig(Settings.of(Map.of("ROOMOTE_MAX_COST_USD", bad))))
                    .isInstanceOf(ConfigurationException.class).hasMessageContaining("ROOMOTE_MAX_COST_USD");
        }
        for (String bad : new String[]{"0", "-5", "1.5", "many"}) {
            assertThatThrownBy(() -> Budget.fromConfig(Settings.of(Map.of("ROOMOTE_MAX_TOKENS", bad))))
                    .isInstanceOf(ConfigurationException.class).hasMessageContaining("ROOMOTE_MAX_TOKENS");
        }
    }

    @Test
    void aPayloadMayLowerABudgetButNotRaiseIt() {
        Budget configured = new Budget(Optional.of(5.0), Optional.empty());

        assertThat(configured.lowerTo(Optional.of(2.0), Optional.of(1000L)))
                .isEqualTo(new Budget(Optional.of(2.0), Optional.of(1000L)));
        assertThat(configured.lowerTo(Optional.of(9.0), Optional.empty())).isEqualTo(configured);
        assertThat(Budget.unlimited().lowerTo(Optional.empty(), Optional.of(10L)))
                .isEqualTo(new Budget(Optional.empty(), Optional.of(10L)));
    }

    @Test
    void pricesParseAndCostACall() {
        ModelPrices prices = ModelPrices.fromConfig(Settings.of(Map.of("ROOMOTE_MODEL_PRICES",
                " model-a=3/15, openai/gpt-4o-mini = 0.15/0.6 ,\nclaude-sonnet-4=3/15")));

        assertThat(prices.perMillion()).containsOnlyKeys("model-a", "openai/gpt-4o-mini", "claude-sonnet-4");
        assertThat(prices.cost("model-a", 1_000_000L, 100_000L)).hasValueSatisfying(c -> assertThat(c).isCloseTo(4.5, within(1e-9)));
        assertThat(prices.cost("openai/gpt-4o-mini", 2000L, 1000L))
                .hasValueSatisfying(c -> assertThat(c).isCloseTo(0.0009, within(1e-12)));
        assertThat(prices.cost("claude-sonnet-4-20250514", 1_000_000L, 0L)).hasValue(3.0);
        assertThat(prices.cost("model-a-mini", 1L, 1L)).isEmpty();
        assertThat(prices.cost("model-a", null, 1L)).isEmpty();
        assertThat(ModelPrices.fromConfig(Settings.of(Map.of()))).isEqualTo(ModelPrices.none());
    }

    @Test
    void malformedPricesNameTheVariableAndTheEntry() {
        for (String bad : new String[]{"model-a=3", "model-a", "=3/15", "model-a=x/15", "model-a=-1/2"}) {
            assertThatThrownBy(() -> ModelPrices.parse(bad))
                    .isInstanceOf(ConfigurationException.class)
                    .hasMessageContaining("ROOMOTE_MODEL_PRICES").hasMessageContaining(bad);
        }
    }
}
