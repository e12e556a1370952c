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

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The REST API end to end: a real runner (Javalin, worker pool, PostgreSQL) with the example job type
 * installed as a plugin jar, driven over HTTP.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JobsApiTest {

    @TempDir
    static Path home;

    private RunnerFixture runner;

    @BeforeAll
    void start() {
        runner = new RunnerFixture(home, Map.of("DATABASE_URL", TestDatabases.freshJdbcUrl()), RoomoteService.Role.SERVE);
    }

    @AfterAll
    void stop() {
        runner.close();
    }

    private long jobCount() {
        return runner.get("/api/jobs?limit=500").json().get("jobs").size();
    }

    @Test
    void healthSaysOkWithEveryService() {
        Response r = runner.get("/api/health");

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("status").asText()).isEqualTo("ok");
        assertThat(r.json().at("/services/database").asBoolean()).isTrue();
        assertThat(r.json().at("/services/queue").asBoolean()).isTrue();
        assertThat(r.json().at("/workers/capacity").asInt()).isEqualTo(5);
    }

    @Test
    void aPluginJobIsEnqueuedRunAndReadBackInTheOriginalShape() {
        Response r = runner.post("/api/jobs", "{\"type\":\"example.hello\",\"payload\":{\"name\":\"Ada\"}}");

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("message").asText()).isEqualTo("job_enqueued");
        long id = r.json().get("jobId").asLong();
        assertThat(r.json().get("enqueuedJobId").asText()).isEqualTo("example.hello-" + id);

        JsonNode job = runner.awaitStatus(id, "completed");
        assertThat(job.get("id").asLong()).isEqualTo(id);
        assertThat(job.get("type").asText()).isEqualTo("example.hello");
        assertThat(job.at("/payload/name").asText()).isEqualTo("Ada");
        assertThat(job.at("/result/greeting").asText()).isEqualTo("Hello, Ada!");
        assertThat(job.get("error").isNull()).isTrue();
        assertThat(job.get("createdAt").asText()).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
        assertThat(job.get("startedAt").asText()).isNotBlank();
        assertThat(job.get("completedAt").asText()).isNotBlank();

        JsonNode logs = runner.get("/api/jobs/" + id + "/logs").json();
        assertThat(logs.get("lines").findValuesAsText("line")).contains("Hello, Ada!");
    }

    @Test
    void invalidPayloadsAnswer400WithEveryProblemAndWriteNothing() {
        long before = jobCount();

        Response missing = runner.post("/api/jobs", "{\"type\":\"example.hello\",\"payload\":{\"seconds\":-1}}");
        Response wrongType = runner.post("/api/jobs", "{\"type\":\"example.hello\",\"payload\":{\"name\":\"x\",\"seconds\":\"ten\"}}");

        assertThat(missing.status()).isEqualTo(400);
        assertThat(missing.json().get("error").asText()).isEqualTo("bad_request");
        assertThat(missing.json().get("details").findValuesAsText("path")).containsExactly("payload.name", "payload.seconds");
        assertThat(wrongType.status()).isEqualTo(400);
        assertThat(wrongType.json().get("details").findValuesAsText("path")).containsExactly("payload.seconds");
        assertThat(jobCount()).isEqualTo(before);
    }

    @Test
    void anUnknownTypeIs400NamingTheKnownTypes() {
        Response r = runner.post("/api/jobs", "{\"type\":\"github.issue.fixx\",\"payload\":{}}");

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().at("/details/0/path").asText()).isEqualTo("type");
        assertThat(r.json().at("/details/0/message").asText()).contains("known types: example.hello");
    }

    @Test
    void badRequestsOfEveryKindAre4xxNever500AndWriteNothing() {
        long before = jobCount();
        Map<String, Integer> cases = new java.util.LinkedHashMap<>();
        List<Response> responses = new ArrayList<>();

        responses.add(runner.post("/api/jobs", "{\"type\":"));
        cases.put("malformed json", 400);
        responses.add(runner.post("/api/jobs", "[1,2]"));
        cases.put("array body", 400);
        responses.add(runner.post("/api/jobs", ""));
        cases.put("empty body", 400);
        responses.add(runner.post("/api/jobs", "{\"type\":5,\"payload\":\"x\"}"));
        cases.put("wrong field types", 400);
        responses.add(runner.post("/api/jobs", "{\"type\":\"example.hello\",\"payload\":{\"name\":\""
                + "a".repeat(2 * 1024 * 1024) + "\"}}"));
        cases.put("huge body", 413);
        responses.add(runner.send(runner.request("/api/jobs").header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build()));
        cases.put("wrong content type", 415);
        responses.add(runner.get("/api/jobs/abc"));
        cases.put("non-numeric id", 400);
        responses.add(runner.get("/api/jobs/99999999999999999999"));
        cases.put("overlong id", 400);
        responses.add(runner.get("/api/jobs/987654"));
        cases.put("unknown id", 404);
        responses.add(runner.get("/api/jobs?status=done"));
        cases.put("unknown status", 400);
        responses.add(runner.get("/api/jobs?limit=0"));
        cases.put("limit out of range", 400);
        responses.add(runner.get("/api/jobs/1/logs?after=-5"));
        cases.put("negative cursor", 400);
        responses.add(runner.get("/api/nothing-here"));
        cases.put("unknown endpoint", 404);
        responses.add(runner.post("/api/jobs/abc/cancel", ""));
        cases.put("cancel non-numeric", 400);

        List<String> names = new ArrayList<>(cases.keySet());
        for (int i = 0; i < names.size(); i++) {
            Response r = responses.get(i);
            assertThat(r.status()).as(names.get(i) + ": " + r.raw().body()).isEqualTo(cases.get(names.get(i)));
            assertThat(r.json()).as(names.get(i) + " answers JSON").isNotNull();
            assertThat(r.json().has("error")).as(names.get(i)).isTrue();
        }
        assertThat(runner.get("/api/jobs/abc").json().get("error").asText()).isEqualTo("Invalid job ID");
        assertThat(runner.get("/api/jobs/987654").json().get("error").asText()).isEqualTo("Job not found");
        assertThat(jobCount()).isEqualTo(before);
    }

    @Test
    void jobsAreListedNewestFirstWithACursor() {
        long a = runner.enqueue("example.hello", "{\"name\":\"list-a\"}");
        long b = runner.enqueue("example.hello", "{\"name\":\"list-b\"}");
        long c = runner.enqueue("example.hello", "{\"name\":\"list-c\"}");

        JsonNode page1 = runner.get("/api/jobs?type=example.hello&limit=2").json();
        List<Long> ids = new ArrayList<>();
        page1.get("jobs").forEach(j -> ids.add(j.get("id").asLong()));

        assertThat(ids).hasSize(2).isSortedAccordingTo((x, y) -> Long.compare(y, x));
        assertThat(ids.get(0)).isGreaterThanOrEqualTo(c);
        JsonNode page2 = runner.get("/api/jobs?type=example.hello&limit=2&before=" + page1.get("nextBefore").asLong()).json();
        assertThat(page2.get("jobs").get(0).get("id").asLong()).isLessThan(ids.get(1));
        assertThat(List.of(a, b, c)).allSatisfy(id -> assertThat(runner.get("/api/jobs/" + id).status()).isEqualTo(200));
    }

    @Test
    void theListTakesTheDashboardsFiltersAndRefusesABadOneWith400() {
        long wanted = runner.enqueue("example.hello", "{\"name\":\"filter-needle\"}");
        runner.enqueue("example.hello", "{\"name\":\"filter-hay\"}");

        JsonNode found = runner.get("/api/jobs?type=example.hello&q=needle").json();
        assertThat(found.get("jobs")).singleElement().satisfies(j -> {
            assertThat(j.get("id").asLong()).isEqualTo(wanted);
            assertThat(j.at("/payload/name").asText()).isEqualTo("filter-needle");
        });
        assertThat(runner.get("/api/jobs?type=example.hello&q=nothing-like-this").json().get("jobs")).isEmpty();
        assertThat(runner.get("/api/jobs?outcome=bogus").status()).isEqualTo(400);
        assertThat(runner.get("/api/jobs?issue=seven").status()).isEqualTo(400);
    }

    @Test
    void aSecondJobForTheSameDedupeKeyReturnsTheActiveOne() {
        long first = runner.enqueue("example.hello", "{\"name\":\"Grace\",\"seconds\":30}");

        Response second = runner.post("/api/jobs", "{\"type\":\"example.hello\",\"payload\":{\"name\":\"grace\"}}");

        assertThat(second.status()).isEqualTo(200);
        assertThat(second.json().get("message").asText()).isEqualTo("job_already_active");
        assertThat(second.json().get("jobId").asLong()).isEqualTo(first);
        runner.post("/api/jobs/" + first + "/cancel", "");
        runner.awaitStatus(first, "cancelled");
    }

    @Test
    void aRunningJobIsCancelledThenRetriedAndRunsAgain() {
        long id = runner.enqueue("example.hello", "{\"name\":\"Linus\",\"seconds\":60}");
        runner.awaitStatus(id, "processing");

        Response cancel = runner.post("/api/jobs/" + id + "/cancel", "");

        assertThat(cancel.status()).isEqualTo(202);
        assertThat(cancel.json().get("message").asText()).isEqualTo("cancel_requested");
        JsonNode cancelled = runner.awaitStatus(id, "cancelled");
        assertThat(cancelled.get("error").asText()).isEqualTo("cancelled by request");
        assertThat(runner.post("/api/jobs/" + id + "/cancel", "").status()).isEqualTo(409);

        Response retry = runner.post("/api/jobs/" + id + "/retry", "");

        assertThat(retry.status()).isEqualTo(200);
        assertThat(retry.json().get("message").asText()).isEqualTo("job_requeued");
        runner.awaitStatus(id, "processing");
        assertThat(runner.post("/api/jobs/" + id + "/retry", "").status()).isEqualTo(409);
        runner.post("/api/jobs/" + id + "/cancel", "");
        runner.awaitStatus(id, "cancelled");
        List<String> lines = runner.get("/api/jobs/" + id + "/logs").json().get("lines").findValuesAsText("line");
        assertThat(lines.stream().filter(l -> l.contains("started"))).hasSize(2);
    }

    @Test
    void aPendingJobIsCancelledAtOnceAndNeverRuns() {
        // Fill the five worker slots so that the next job has to wait.
        List<Long> blockers = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            long id = runner.enqueue("example.hello", "{\"name\":\"blocker-" + i + "\",\"seconds\":60}");
            runner.awaitStatus(id, "processing");
            blockers.add(id);
        }
        long waiting = runner.enqueue("example.hello", "{\"name\":\"never\"}");

        Response cancel = runner.post("/api/jobs/" + waiting + "/cancel", "");

        assertThat(cancel.status()).isEqualTo(200);
        assertThat(cancel.json().get("message").asText()).isEqualTo("job_cancelled");
        blockers.forEach(id -> runner.post("/api/jobs/" + id + "/cancel", ""));
        blockers.forEach(id -> runner.awaitStatus(id, "cancelled"));
        JsonNode job = runner.get("/api/jobs/" + waiting).json();
        assertThat(job.get("status").asText()).isEqualTo("cancelled");
        assertThat(job.get("attempts").asInt()).isZero();
        assertThat(job.get("startedAt").isNull()).isTrue();
    }

    @Test
    void theLogCanBeFollowedLiveUntilTheJobEnds() throws Exception {
        long id = runner.enqueue("example.hello", "{\"name\":\"Follower\",\"seconds\":2}");

        HttpResponse<java.io.InputStream> stream = runner.http().send(runner.request("/api/jobs/" + id + "/logs?follow=true")
                .build(), HttpResponse.BodyHandlers.ofInputStream());

        assertThat(stream.statusCode()).isEqualTo(200);
        assertThat(stream.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
        List<String> events = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                events.add(line);
            }
        }
        assertThat(events).anyMatch(l -> l.startsWith("data:") && l.contains("thinking about Follower (1/2)"));
        assertThat(events).anyMatch(l -> l.startsWith("data:") && l.contains("Hello, Follower!"));
        int end = events.indexOf("event: end");
        assertThat(end).isPositive();
        assertThat(events.get(end + 1)).isEqualTo("data: {\"status\":\"completed\"}");
        assertThat(events.indexOf("event: log")).isLessThan(end);
    }

    @Test
    void theJobTypesCanBeListed() {
        assertThat(runner.get("/api/job-types").json().get("types").get(0).asText()).isEqualTo("example.hello");
    }
}
