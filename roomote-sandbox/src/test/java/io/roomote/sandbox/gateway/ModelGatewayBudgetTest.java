package io.roomote.sandbox.gateway;

import io.roomote.spi.ModelCall;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Budgets: the gateway refuses calls once a job's limit is reached and tells whoever stops the job, once. Real:
 * the gateway and the agent's HTTP client. Stand-in: the provider, answering OpenAI/OpenRouter-shaped chat
 * completions whose usage (and OpenRouter's usage.cost) the test chooses.
 */
class ModelGatewayBudgetTest {

    private final List<AutoCloseable> open = new ArrayList<>();
    private final Agent agent = new Agent();
    private final Recorded job = new Recorded();
    private StandInProvider provider;

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    private JobLease lease(String usageJson, Budget budget, ModelPrices prices) throws Exception {
        String answer = "{\"id\":\"gen-1\",\"object\":\"chat.completion\",\"model\":\"acme/model-a\",\"choices\":[{\"index\":0,"
                + "\"message\":{\"role\":\"assistant\",\"content\":\"ok\"},\"finish_reason\":\"stop\"}],\"usage\":" + usageJson + "}";
        provider = StandInProvider.start((r, ex) -> StandInProvider.json(ex, 200, answer));
        open.add(provider);
        ModelGateway gateway = ModelGateway.start(
                List.of(new GatewayRoute("openrouter", provider.uri("/api/v1"), "sk-real", AuthStyle.BEARER)), prices,
                Clock.systemUTC());
        open.add(gateway);
        return gateway.open(3, budget, job, job);
    }

    private HttpResponse<String> call(JobLease lease) throws Exception {
        return agent.bearer(lease.baseUrl("openrouter") + "/chat/completions", lease.token(),
                "{\"model\":\"acme/model-a\",\"messages\":[]}");
    }

    @Test
    void aTokenBudgetRefusesWith402AfterItIsCrossedAndFiresTheListenerOnce() throws Exception {
        JobLease lease = lease("{\"prompt_tokens\":80,\"completion_tokens\":30,\"total_tokens\":110}",
                new Budget(Optional.empty(), Optional.of(100L)), ModelPrices.none());
        AtomicInteger fired = new AtomicInteger();
        lease.onBudgetExceeded(fired::incrementAndGet);

        HttpResponse<String> first = call(lease);
        assertThat(first.statusCode()).isEqualTo(200); // under the limit when it started: answered in full
        assertThat(lease.budgetExceeded()).isTrue();
        assertThat(fired).hasValue(1);

        HttpResponse<String> second = call(lease);
        HttpResponse<String> third = call(lease);

        assertThat(second.statusCode()).isEqualTo(402);
        assertThat(second.headers().firstValue("content-type")).hasValue("application/json");
        assertThat(second.body()).isEqualTo("{\"error\":{\"type\":\"budget_exceeded\",\"message\":\"Roomote: this job's"
                + " model budget is used up (spent 110 tokens, limit 100 tokens); the job is being stopped\"}}");
        assertThat(third.statusCode()).isEqualTo(402);
        assertThat(provider.received()).hasSize(1);
        assertThat(fired).hasValue(1);
        assertThat(job.calls).extracting(ModelCall::status).containsExactly(200, 402, 402);
        assertThat(job.calls.get(1).error()).contains("budget is used up");
        assertThat(job.calls.get(1).model()).isEqualTo("acme/model-a");
        assertThat(lease.spent()).isEqualTo(new Usage(80, 30, null, 1, "acme/model-a"));
        assertThat(job.lines(io.roomote.spi.JobLogger.Level.WARN)).singleElement().asString()
                .contains("model budget used up: spent 110 tokens, limit 100 tokens");

        AtomicInteger late = new AtomicInteger();
        lease.onBudgetExceeded(late::incrementAndGet);
        assertThat(late).hasValue(1); // registered after the fact: runs at once
    }

    @Test
    void aCostBudgetCountsTheProvidersReportedCost() throws Exception {
        JobLease lease = lease("{\"prompt_tokens\":10,\"completion_tokens\":5,\"cost\":0.006}",
                new Budget(Optional.of(0.01), Optional.empty()), ModelPrices.none());
        AtomicInteger fired = new AtomicInteger();
        lease.onBudgetExceeded(fired::incrementAndGet);

        assertThat(call(lease).statusCode()).isEqualTo(200);
        assertThat(lease.budgetExceeded()).isFalse();
        assertThat(fired).hasValue(0);
        assertThat(call(lease).statusCode()).isEqualTo(200);
        assertThat(lease.budgetExceeded()).isTrue();
        HttpResponse<String> refused = call(lease);

        assertThat(refused.statusCode()).isEqualTo(402);
        assertThat(refused.body()).contains("spent $0.0120, limit $0.0100");
        assertThat(fired).hasValue(1);
        assertThat(provider.received()).hasSize(2);
        assertThat(job.calls).extracting(ModelCall::status).containsExactly(200, 200, 402);
        assertThat(lease.spent().costUsd()).isEqualTo(0.012);
    }

    @Test
    void aCostBudgetUsesTheConfiguredPricesWhenTheProviderReportsNoCost() throws Exception {
        // 1,000,000 in at $2/M + 100,000 out at $10/M = $3 per call
        JobLease lease = lease("{\"prompt_tokens\":1000000,\"completion_tokens\":100000}",
                new Budget(Optional.of(5.0), Optional.empty()), ModelPrices.parse("acme/model-a=2/10"));

        call(lease);
        assertThat(lease.budgetExceeded()).isFalse();
        call(lease);

        assertThat(lease.budgetExceeded()).isTrue();
        assertThat(lease.spent().costUsd()).isEqualTo(6.0);
        assertThat(call(lease).statusCode()).isEqualTo(402);
        assertThat(job.lines).noneMatch(l -> l.contains("cannot be enforced"));
    }

    @Test
    void aCostBudgetOverCallsWithNoKnownCostWarnsOnceAndTheTokenLimitStillHolds() throws Exception {
        JobLease lease = lease("{\"prompt_tokens\":400,\"completion_tokens\":100}",
                new Budget(Optional.of(1.0), Optional.of(1200L)), ModelPrices.none());

        assertThat(call(lease).statusCode()).isEqualTo(200);
        assertThat(call(lease).statusCode()).isEqualTo(200);
        assertThat(job.lines(io.roomote.spi.JobLogger.Level.WARN)).singleElement().asString()
                .contains("acme/model-a reports no cost").contains("ROOMOTE_MAX_COST_USD cannot be enforced");
        assertThat(call(lease).statusCode()).isEqualTo(200);

        assertThat(lease.budgetExceeded()).isTrue(); // 1,500 tokens
        assertThat(call(lease).statusCode()).isEqualTo(402);
        assertThat(lease.spent().costUsd()).isNull();
        assertThat(job.lines(io.roomote.spi.JobLogger.Level.WARN)).hasSize(2);
    }

    @Test
    void aTokenBudgetOverCallsWithoutTokenCountsWarnsOnce() throws Exception {
        JobLease lease = lease("null", new Budget(Optional.empty(), Optional.of(1000L)), ModelPrices.none());

        call(lease);
        call(lease);

        assertThat(job.lines(io.roomote.spi.JobLogger.Level.WARN)).singleElement().asString()
                .contains("acme/model-a answered without token counts").contains("stream_options.include_usage");
        assertThat(lease.spent()).isEqualTo(new Usage(0, 0, null, 2, "acme/model-a"));
    }
}
