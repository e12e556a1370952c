package io.roomote.runner.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.roomote.core.store.Database;
import io.roomote.core.store.DatabaseUrl;
import io.roomote.core.store.ModelCallRepository;
import io.roomote.core.testing.TestDatabases;
import io.roomote.runner.RoomoteService;
import io.roomote.runner.RunnerFixture;
import io.roomote.runner.RunnerFixture.Response;
import io.roomote.spi.ModelCall;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code GET /api/jobs/{id}/model-calls} and the totals in {@code GET /api/jobs/{id}}, over HTTP against a real
 * runner (API role, so jobs stay as written) on a real PostgreSQL. The calls are written with the core's
 * {@link ModelCallRepository}, as the runner's job context does when a job reports them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ModelCallsApiTest {

    private static final String TOKEN = "model-calls-test-token-0123456789abcdef";
    private static final Instant AT = Instant.parse("2026-11-30T12:00:00Z");

    @TempDir
    static Path home;

    private RunnerFixture runner;
    private Database database;
    private ModelCallRepository calls;

    @BeforeAll
    void start() {
        String db = TestDatabases.freshJdbcUrl();
        runner = new RunnerFixture(home, Map.of("DATABASE_URL", db, "ROOMOTE_API_TOKEN", TOKEN, "HOST", "127.0.0.1"),
                RoomoteService.Role.API);
        database = new Database(DatabaseUrl.parse(db), 2);
        calls = new ModelCallRepository(database);
    }

    @AfterAll
    void stop() {
        runner.close();
        database.close();
    }

    private final java.util.concurrent.atomic.AtomicInteger names = new java.util.concurrent.atomic.AtomicInteger();

    /** A job of its own (example.hello dedupes by name). */
    private long newJob() {
        return runner.enqueue("example.hello", "{\"name\":\"Ada " + names.incrementAndGet() + "\"}");
    }

    private long jobWithTwoCalls() {
        long id = newJob();
        calls.record(id, 1, new ModelCall(AT, "openrouter", "anthropic/claude-sonnet-4", 1200L, 340L, 0.0123, 200, 850, null));
        calls.record(id, 1, new ModelCall(AT.plusSeconds(2), "openrouter", "anthropic/claude-sonnet-4", null, null, null,
                402, 3, "budget of $0.01 spent"));
        return id;
    }

    @Test
    void theCallsAndTheirTotalsInTheDocumentedShape() {
        long id = jobWithTwoCalls();

        Response r = runner.get("/api/jobs/" + id + "/model-calls");

        assertThat(r.status()).isEqualTo(200);
        JsonNode body = r.json();
        assertThat(body.get("jobId").asLong()).isEqualTo(id);
        assertThat(body.get("calls")).hasSize(2);
        JsonNode first = body.at("/calls/0");
        assertThat(iterable(first.fieldNames())).containsExactly("id", "run", "at", "provider", "model", "tokensIn",
                "tokensOut", "costUsd", "status", "durationMs", "error");
        assertThat(first.get("at").asText()).isEqualTo("2026-11-30T12:00:00Z");
        assertThat(first.get("provider").asText()).isEqualTo("openrouter");
        assertThat(first.get("model").asText()).isEqualTo("anthropic/claude-sonnet-4");
        assertThat(first.get("tokensIn").asLong()).isEqualTo(1200);
        assertThat(first.get("tokensOut").asLong()).isEqualTo(340);
        assertThat(first.get("costUsd").asDouble()).isEqualTo(0.0123);
        assertThat(first.get("status").asInt()).isEqualTo(200);
        assertThat(first.get("durationMs").asLong()).isEqualTo(850);
        assertThat(first.get("error").isNull()).isTrue();
        assertThat(first.get("run").asInt()).isEqualTo(1);
        JsonNode refused = body.at("/calls/1");
        assertThat(refused.get("tokensIn").isNull()).isTrue();
        assertThat(refused.get("costUsd").isNull()).isTrue();
        assertThat(refused.get("status").asInt()).isEqualTo(402);
        assertThat(refused.get("error").asText()).isEqualTo("budget of $0.01 spent");
        assertThat(body.get("totals")).isEqualTo(RunnerFixture.MAPPER.createObjectNode().put("calls", 2)
                .put("tokensIn", 1200).put("tokensOut", 340).put("costUsd", 0.0123));
        assertThat(body.get("next").asLong()).isEqualTo(refused.get("id").asLong());
    }

    @Test
    void theJobItselfCarriesTheTotals() {
        long id = jobWithTwoCalls();
        long none = newJob();

        JsonNode job = runner.get("/api/jobs/" + id).json();
        JsonNode without = runner.get("/api/jobs/" + none).json();

        assertThat(job.at("/modelCalls/calls").asLong()).isEqualTo(2);
        assertThat(job.at("/modelCalls/tokensIn").asLong()).isEqualTo(1200);
        assertThat(job.at("/modelCalls/costUsd").asDouble()).isEqualTo(0.0123);
        assertThat(without.get("modelCalls")).isEqualTo(RunnerFixture.MAPPER.createObjectNode().put("calls", 0)
                .put("tokensIn", 0).put("tokensOut", 0).putNull("costUsd"));
        assertThat(runner.get("/api/jobs/" + none + "/model-calls").json().get("calls")).isEmpty();
    }

    @Test
    void pagesWithLimitAndAfter() {
        long id = jobWithTwoCalls();

        JsonNode page1 = runner.get("/api/jobs/" + id + "/model-calls?limit=1").json();
        JsonNode page2 = runner.get("/api/jobs/" + id + "/model-calls?limit=1&after=" + page1.get("next").asLong()).json();
        JsonNode page3 = runner.get("/api/jobs/" + id + "/model-calls?limit=1&after=" + page2.get("next").asLong()).json();

        assertThat(page1.at("/calls/0/status").asInt()).isEqualTo(200);
        assertThat(page2.at("/calls/0/status").asInt()).isEqualTo(402);
        assertThat(page3.get("calls")).isEmpty();
        assertThat(page3.get("next").asLong()).isEqualTo(page2.get("next").asLong());
        assertThat(page1.at("/totals/calls").asLong()).as("totals are of every call, not of the page").isEqualTo(2);
    }

    @Test
    void badIdsAndParametersAre400AndUnknownJobs404AsForTheLog() {
        Response word = runner.get("/api/jobs/abc/model-calls");
        Response tooLong = runner.get("/api/jobs/12345678901234567890/model-calls");
        Response unknown = runner.get("/api/jobs/987654321/model-calls");
        long id = jobWithTwoCalls();
        Response zeroLimit = runner.get("/api/jobs/" + id + "/model-calls?limit=0");
        Response negativeAfter = runner.get("/api/jobs/" + id + "/model-calls?after=-1");
        Response nul = runner.get("/api/jobs/" + id + "/model-calls?after=%00");

        assertThat(word.status()).isEqualTo(400);
        assertThat(word.json().get("error").asText()).isEqualTo("Invalid job ID");
        assertThat(tooLong.status()).isEqualTo(400);
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.json().get("error").asText()).isEqualTo("Job not found");
        assertThat(runner.get("/api/jobs/987654321/logs").status()).as("the same as the log's").isEqualTo(404);
        assertThat(zeroLimit.status()).isEqualTo(400);
        assertThat(zeroLimit.json().at("/details/0/path").asText()).isEqualTo("limit");
        assertThat(negativeAfter.status()).isEqualTo(400);
        assertThat(negativeAfter.json().at("/details/0/path").asText()).isEqualTo("after");
        assertThat(nul.status()).isEqualTo(400);
        assertThat(runner.post("/api/jobs/" + id + "/model-calls", "{}").status()).isEqualTo(405);
    }

    @Test
    void theTokenIsRequired() throws Exception {
        long id = jobWithTwoCalls();
        HttpClient http = HttpClient.newHttpClient();
        URI uri = URI.create(runner.base() + "/api/jobs/" + id + "/model-calls");

        HttpResponse<String> anonymous = http.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> wrong = http.send(HttpRequest.newBuilder(uri).header("Authorization", "Bearer not-the-token-at-all")
                .GET().build(), HttpResponse.BodyHandlers.ofString());

        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(anonymous.body()).doesNotContain("anthropic");
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(runner.get("/api/jobs/" + id + "/model-calls").status()).isEqualTo(200);
    }

    @Test
    void deletingTheJobThroughTheApiDeletesItsCalls() {
        long id = jobWithTwoCalls();
        assertThat(runner.post("/api/jobs/" + id + "/cancel", "{}").status()).isEqualTo(200);

        assertThat(runner.send(runner.request("/api/jobs/" + id).DELETE().build()).status()).isEqualTo(200);

        assertThat(runner.get("/api/jobs/" + id + "/model-calls").status()).isEqualTo(404);
        assertThat(calls.totals(id)).isEqualTo(ModelCallRepository.Totals.NONE);
    }

    private static List<String> iterable(java.util.Iterator<String> it) {
        List<String> out = new java.util.ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }
}
