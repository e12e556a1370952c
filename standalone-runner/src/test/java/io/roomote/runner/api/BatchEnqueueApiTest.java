package io.roomote.runner.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.roomote.core.testing.TestDatabases;
import io.roomote.runner.RoomoteService;
import io.roomote.runner.RunnerFixture;
import io.roomote.runner.RunnerFixture.Response;
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
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code POST /api/jobs/batch} end to end: a real runner (Javalin, worker pool, PostgreSQL, the example plugin),
 * driven over HTTP with the API token set. {@code API_MAX_BATCH_JOBS} is 5 here so the limit is cheap to reach.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BatchEnqueueApiTest {

    private static final String TOKEN = "0123456789abcdef0123456789abcdef";

    @TempDir
    static Path home;

    private RunnerFixture runner;

    @BeforeAll
    void start() {
        runner = new RunnerFixture(home, Map.of("DATABASE_URL", TestDatabases.freshJdbcUrl(),
                "ROOMOTE_API_TOKEN", TOKEN, "API_MAX_BATCH_JOBS", "5"), RoomoteService.Role.SERVE);
    }

    @AfterAll
    void stop() {
        runner.close();
    }

    private long jobCount() {
        return runner.get("/api/jobs?limit=500").json().get("jobs").size();
    }

    @Test
    void aBatchIsEnqueuedAndRunAnsweringEachItemInOrder() {
        Response r = runner.post("/api/jobs/batch", "{\"jobs\":["
                + "{\"type\":\"example.hello\",\"payload\":{\"name\":\"Ada\"}},"
                + "{\"type\":\"example.hello\",\"payload\":{\"name\":\"Grace\"},\"dedupeKey\":\"batch-api-1\"},"
                + "{\"type\":\"example.hello\",\"payload\":{\"name\":\"Grace again\"},\"dedupeKey\":\"batch-api-1\"},"
                + "{\"type\":\"example.hello\",\"payload\":{\"name\":\"Linus\"},\"maxAttempts\":1}]}");

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("message").asText()).isEqualTo("jobs_enqueued");
        assertThat(r.json().get("created").asInt()).isEqualTo(3);
        JsonNode jobs = r.json().get("jobs");
        assertThat(jobs.findValuesAsText("message"))
                .containsExactly("job_enqueued", "job_enqueued", "job_already_active", "job_enqueued");
        assertThat(jobs.get(2).get("jobId").asLong()).isEqualTo(jobs.get(1).get("jobId").asLong());
        long ada = jobs.get(0).get("jobId").asLong();
        assertThat(jobs.get(0).get("enqueuedJobId").asText()).isEqualTo("example.hello-" + ada);

        assertThat(runner.awaitStatus(ada, "completed").at("/result/greeting").asText()).isEqualTo("Hello, Ada!");
        JsonNode linus = runner.awaitStatus(jobs.get(3).get("jobId").asLong(), "completed");
        assertThat(linus.at("/result/greeting").asText()).isEqualTo("Hello, Linus!");
        assertThat(linus.get("maxAttempts").asInt()).isEqualTo(1);
    }

    @Test
    void anyBadItemIs400WithEveryItemsProblemsAndNothingIsWritten() {
        long before = jobCount();

        Response r = runner.post("/api/jobs/batch", "{\"jobs\":["
                + "{\"type\":\"example.hello\",\"payload\":{\"name\":\"fine\"}},"
                + "{\"type\":\"example.hello\",\"payload\":{\"seconds\":-1}},"
                + "\"not an object\","
                + "{\"type\":\"no.such.type\",\"payload\":{}},"
                + "{\"payload\":{},\"maxAttempts\":0}]}");

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().get("error").asText()).isEqualTo("bad_request");
        assertThat(r.json().get("details").findValuesAsText("path")).containsExactly(
                "jobs[1].payload.name", "jobs[1].payload.seconds", "jobs[2]", "jobs[3].type", "jobs[4].type",
                "jobs[4].maxAttempts");
        assertThat(jobCount()).isEqualTo(before);
    }

    @Test
    void aMissingOrEmptyListIs400() {
        for (String body : new String[]{"{}", "{\"jobs\":{}}", "[]", "{\"jobs\":[]}"}) {
            Response r = runner.post("/api/jobs/batch", body);
            assertThat(r.status()).as(body).isEqualTo(400);
            assertThat(r.json().at("/details/0/path").asText()).as(body).isEqualTo("jobs");
        }
    }

    @Test
    void hostileBatchesAre4xxNever500AndWriteNothing() {
        long before = jobCount();
        Map<String, String> bodies = new java.util.LinkedHashMap<>();
        bodies.put("{\"jobs\":[null]}", "jobs[0]");
        bodies.put("{\"jobs\":[{\"type\":\"example.hello\",\"payload\":{\"name\":\"a\\u0000b\"}}]}", "jobs[0].payload.name");
        bodies.put("{\"jobs\":[{\"type\":\"example.hello\",\"payload\":{\"name\":\"x\"},\"maxAttempts\":18446744073709551619}]}",
                "jobs[0].maxAttempts");
        bodies.put("{\"jobs\":[{\"type\":\"example.hello\",\"payload\":{\"name\":\"x\"},\"dedupeKey\":\"\\ud800\"}]}",
                "jobs[0].dedupeKey");
        bodies.put("{\"jobs\":\"all of them\"}", "jobs");
        bodies.put("{\"jobs\":[]} trailing", "");
        bodies.forEach((body, path) -> {
            Response r = runner.post("/api/jobs/batch", body);
            assertThat(r.status()).as(body).isEqualTo(400);
            assertThat(r.json().get("details").findValuesAsText("path")).as(body).contains(path);
        });
        assertThat(jobCount()).isEqualTo(before);
    }

    @Test
    void overTheBatchLimitIs413AndNothingIsWritten() {
        long before = jobCount();
        StringBuilder body = new StringBuilder("{\"jobs\":[");
        for (int i = 0; i < 6; i++) {
            body.append(i == 0 ? "" : ",").append("{\"type\":\"example.hello\",\"payload\":{\"name\":\"n").append(i).append("\"}}");
        }
        Response r = runner.post("/api/jobs/batch", body.append("]}").toString());

        assertThat(r.status()).isEqualTo(413);
        assertThat(r.json().get("error").asText()).isEqualTo("payload_too_large");
        assertThat(r.json().get("message").asText()).contains("6 jobs").contains("API_MAX_BATCH_JOBS");
        assertThat(r.json().at("/details/0/path").asText()).isEqualTo("jobs");
        assertThat(jobCount()).isEqualTo(before);
    }

    @Test
    void theTokenIsRequiredAsForASingleEnqueue() throws Exception {
        long before = jobCount();
        HttpResponse<String> denied = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(runner.base() + "/api/jobs/batch"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(
                                "{\"jobs\":[{\"type\":\"example.hello\",\"payload\":{\"name\":\"x\"}}]}"))
                        .build(), HttpResponse.BodyHandlers.ofString());

        assertThat(denied.statusCode()).isEqualTo(401);
        assertThat(jobCount()).isEqualTo(before);
    }
}
