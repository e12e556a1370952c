package io.roomote.runner.api;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.json.JavalinJackson;
import io.roomote.core.Roomote;
import io.roomote.core.config.ConfigurationException;
import io.roomote.core.jobs.Job;
import io.roomote.core.jobs.JobPage;
import io.roomote.core.jobs.JobStatus;
import io.roomote.core.queue.EnqueueRequest;
import io.roomote.core.queue.InvalidJobException;
import io.roomote.core.queue.JobQueue;
import io.roomote.core.queue.StorableText;
import io.roomote.core.store.JobSearchRepository;
import io.roomote.core.store.JobTypePauses;
import io.roomote.core.store.ModelCallRepository;
import io.roomote.core.queue.BulkActions;
import io.roomote.core.extension.WebhookEndpoint;
import io.roomote.core.extension.WebhookHandler;
import io.roomote.core.extension.WebhookRequest;
import io.roomote.core.extension.WebhookResponse;
import io.roomote.runner.health.HealthReport;
import io.roomote.runner.http.HttpServers;
import io.roomote.runner.metrics.RunnerMetrics;
import io.roomote.runner.http.HttpSettings;
import io.roomote.spi.ValidationProblem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The REST API on Javalin: the original's endpoints and shapes ({@code POST /api/jobs}, {@code GET /api/jobs/:id},
 * {@code GET /api/health}) plus listing, cancel, retry and logs. Bad input gets a 4xx that says what is wrong
 * and writes nothing; only a real server fault answers 500.
 */
public final class ApiServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ApiServer.class);
    /** Largest request body accepted (1 MiB): a job payload is an issue, not a repository. */
    static final int MAX_BODY_BYTES = 1 << 20;
    /** Oldest cut-off of {@code POST /api/jobs/clean}: further back is before any job and outside PostgreSQL's dates. */
    static final String METRICS_PATH = "/metrics";
    static final Duration MAX_CLEAN_AGE = Duration.ofDays(36_500);

    private final Roomote roomote;
    private final JobQueue queue;
    private final ObjectMapper mapper;
    /** Strict: {@code {…}garbage} is not a JSON object. */
    private final ObjectReader jsonReader;
    private final BearerAuth auth;
    private final LogFollower follower;
    private final HealthReport health;
    private final Optional<RunnerMetrics> metrics;
    private final JobTypePauses pauses;
    private final BulkActions bulk;
    private final int maxBatchJobs;
    private final Javalin app;
    private final java.util.Set<String> webhookPaths;

    public ApiServer(Roomote roomote, Optional<String> apiToken) {
        this(roomote, apiToken, HttpSettings.DEFAULTS, app -> { });
    }

    public ApiServer(Roomote roomote, Optional<String> apiToken, Consumer<Javalin> extensions) {
        this(roomote, apiToken, HttpSettings.DEFAULTS, extensions);
    }

    /**
     * @param extensions adds routes outside {@code /api} to the app (the dashboard at {@code /admin/queues}); they
     *                   do their own authentication
     */
    public ApiServer(Roomote roomote, Optional<String> apiToken, HttpSettings http,
                     Consumer<Javalin> extensions) {
        this(roomote, apiToken, http, HealthReport.of(roomote), Optional.empty(), extensions);
    }

    /**
     * @param health  answers {@code /api/health} (closed with the server)
     * @param metrics served at {@code /metrics}, authenticated as the API; none: no {@code /metrics}
     */
    public ApiServer(Roomote roomote, Optional<String> apiToken, HttpSettings http, HealthReport health,
                     Optional<RunnerMetrics> metrics, Consumer<Javalin> extensions) {
        this(roomote, apiToken, http, health, metrics, List.of(), extensions);
    }

    /**
     * @param webhooks served at their paths, {@code POST} only, without the API token (each authenticates its
     *                 callers): the runner extensions' endpoints
     */
    public ApiServer(Roomote roomote, Optional<String> apiToken, HttpSettings http, HealthReport health,
                     Optional<RunnerMetrics> metrics, List<WebhookEndpoint> webhooks, Consumer<Javalin> extensions) {
        this.webhookPaths = webhooks.stream().map(WebhookEndpoint::path).collect(java.util.stream.Collectors.toUnmodifiableSet());
        this.health = health;
        this.metrics = metrics;
        this.maxBatchJobs = http.maxBatchJobs();
        this.roomote = roomote;
        this.queue = roomote.queue();
        this.mapper = roomote.mapper();
        this.jsonReader = mapper.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        this.auth = new BearerAuth(apiToken);
        this.pauses = new JobTypePauses(roomote.database());
        this.bulk = new BulkActions(queue,
                new JobSearchRepository(roomote.database(), mapper));
        this.follower = new LogFollower(queue, mapper, 64, http.logHeartbeat(), Clock.systemUTC());
        this.app = Javalin.create(config -> {
            config.showJavalinBanner = false;
            HttpServers.configure(config, http, MAX_BODY_BYTES);
            config.jsonMapper(new JavalinJackson(mapper, false));
            config.useVirtualThreads = false;
            // A known path with another method answers 405 with Allow, not 404.
            config.http.prefer405over404 = true;
        });
        routes();
        webhooks.forEach(endpoint -> app.post(endpoint.path(), ctx -> webhook(ctx, endpoint.handler())));
        extensions.accept(app);
    }

    private void routes() {
        app.before("/api/*", ctx -> {
            // Health is public; webhooks authenticate their senders themselves (GitHub: a signature), not by the token.
            if (!ctx.path().equals("/api/health") && !webhookPaths.contains(ctx.path())) {
                auth.check(ctx);
            }
        });
        app.before("/api/*", ApiServer::checkQueryParameters);
        metrics.ifPresent(m -> {
            app.before(METRICS_PATH, auth::check);
            app.get(METRICS_PATH, ctx -> ctx.contentType(RunnerMetrics.CONTENT_TYPE).result(m.scrape()));
        });
        app.get("/api/health", this::health);
        app.post("/api/jobs", this::enqueue);
        app.post("/api/jobs/batch", this::enqueueBatch);
        app.get("/api/jobs", this::list);
        app.get("/api/jobs/{id}", this::job);
        app.post("/api/jobs/{id}/cancel", this::cancel);
        app.post("/api/jobs/{id}/retry", this::retry);
        app.get("/api/jobs/{id}/logs", this::logs);
        app.get("/api/jobs/{id}/model-calls", this::modelCalls);
        app.delete("/api/jobs/{id}", this::delete);
        app.post("/api/jobs/clean", this::clean);
        app.post("/api/jobs/retry-failed", ctx -> bulk(ctx, true));
        app.post("/api/jobs/cancel-pending", ctx -> bulk(ctx, false));
        app.get("/api/job-types", ctx -> ctx.json(Map.of("types", queue.registry().ids(),
                "paused", pauses.paused().stream().map(p -> p.type()).toList())));
        app.post("/api/job-types/{type}/pause", ctx -> pauseOrResume(ctx, true));
        app.post("/api/job-types/{type}/resume", ctx -> pauseOrResume(ctx, false));

        app.exception(ApiError.class, (e, ctx) -> ctx.status(e.status()).json(e.body()));
        app.exception(InvalidJobException.class, (e, ctx) -> ctx.status(400).json(badRequest(e.problems())));
        app.exception(HttpResponseException.class, (e, ctx) -> {
            if (e.getStatus() == 405) {
                // Javalin lists the path's methods in the details ("availableMethods").
                e.getDetails().values().stream().findFirst().ifPresent(methods -> ctx.header("Allow", methods));
            }
            String error = switch (e.getStatus()) {
                case 404 -> "not_found";
                case 405 -> "method_not_allowed";
                case 413 -> "payload_too_large";
                default -> "bad_request";
            };
            ctx.status(e.getStatus()).json(Map.of("error", error, "message", e.getMessage()));
        });
        app.exception(Exception.class, (e, ctx) -> {
            log.error("{} {} failed", ctx.method(), ctx.path(), e);
            ctx.status(500).json(Map.of("error", "internal_server_error"));
        });
        app.error(404, ctx -> {
            if (ctx.result() == null || ctx.result().isEmpty()) {
                ctx.json(Map.of("error", "not_found", "message", "no endpoint " + ctx.method() + " " + ctx.path()));
            }
        });
    }

    /** From results already at hand (see {@link HealthReport}): answers at once whatever the database does. */
    private void health(Context ctx) {
        HealthReport.Answer answer = health.answer();
        ctx.header("Cache-Control", "no-store");
        ctx.status(answer.status()).json(answer.body());
    }

    private void enqueue(Context ctx) {
        JsonNode body = readJsonBody(ctx);
        JobQueue.Enqueued enqueued = queue.enqueue(EnqueueRequest.parse(body));
        Job job = enqueued.job();
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("message", enqueued.created() ? "job_enqueued" : "job_already_active");
        answer.put("jobId", job.id());
        answer.put("enqueuedJobId", job.enqueuedJobId());
        if (!enqueued.created()) {
            answer.put("status", job.status().dbValue());
        }
        ctx.json(answer);
    }

    /**
     * {@code {"jobs": [{type, payload, dedupeKey?, maxAttempts?}, …]}}: all enqueued in one transaction, or none
     * when any item is bad (400 listing every item's problems under {@code jobs[i]}); over
     * {@code API_MAX_BATCH_JOBS} items is 413. Answers each item as {@code POST /api/jobs} would, in order.
     */
    private void enqueueBatch(Context ctx) {
        JsonNode body = readJsonBody(ctx);
        JsonNode items = body.get("jobs");
        if (!body.isObject() || items == null || !items.isArray()) {
            throw new InvalidJobException(List.of(new ValidationProblem("jobs", "is required: send a JSON object like"
                    + " {\"jobs\": [{\"type\": \"github.issue.fix\", \"payload\": {…}}, …]}")));
        }
        if (items.size() > maxBatchJobs) {
            Map<String, Object> error = new LinkedHashMap<>();
            error.put("error", "payload_too_large");
            error.put("message", "the batch lists " + items.size() + " jobs; at most " + maxBatchJobs
                    + " per request (API_MAX_BATCH_JOBS): split it");
            error.put("details", List.of(Map.of("path", "jobs", "message", "must list at most " + maxBatchJobs + " jobs")));
            throw new ApiError(413, error);
        }
        List<EnqueueRequest> requests = new java.util.ArrayList<>(items.size());
        List<List<ValidationProblem>> envelopeProblems = new java.util.ArrayList<>(items.size());
        for (JsonNode item : items) {
            try {
                requests.add(EnqueueRequest.parse(item));
                envelopeProblems.add(List.of());
            } catch (InvalidJobException e) {
                requests.add(null);
                envelopeProblems.add(e.problems());
            }
        }
        if (envelopeProblems.stream().anyMatch(p -> !p.isEmpty())) {
            // Report the other items' problems too, in item order, so one correction round is enough.
            List<ValidationProblem> problems = new java.util.ArrayList<>();
            for (int i = 0; i < requests.size(); i++) {
                problems.addAll(JobQueue.itemProblems(i, requests.get(i) == null ? envelopeProblems.get(i)
                        : queue.problems(requests.get(i))));
            }
            throw new InvalidJobException(problems);
        }
        List<JobQueue.Enqueued> enqueued = queue.enqueueAll(requests);
        List<Map<String, Object>> jobs = new java.util.ArrayList<>(enqueued.size());
        for (JobQueue.Enqueued e : enqueued) {
            Map<String, Object> item = new LinkedHashMap<>();
            item.put("message", e.created() ? "job_enqueued" : "job_already_active");
            item.put("jobId", e.job().id());
            item.put("enqueuedJobId", e.job().enqueuedJobId());
            if (!e.created()) {
                item.put("status", e.job().status().dbValue());
            }
            jobs.add(item);
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("message", "jobs_enqueued");
        answer.put("created", enqueued.stream().filter(JobQueue.Enqueued::created).count());
        answer.put("jobs", jobs);
        ctx.json(answer);
    }

    private void list(Context ctx) {
        // The dashboard's filters, through the one list path: status, type, repo, issue, q (text) and outcome.
        JobSearchRepository.Filter filter;
        try {
            filter = io.roomote.runner.dashboard.Dashboard.filterOf(ctx::queryParam);
        } catch (IllegalArgumentException e) {
            throw new InvalidJobException(List.of(new ValidationProblem("", e.getMessage())));
        }
        int limit = intParam(ctx, "limit", 50, 1, JobSearchRepository.MAX_LIMIT);
        String before = ctx.queryParam("before");
        Long beforeId = before == null || before.isBlank() ? null : (long) intParam(ctx, "before", 0, 1, Integer.MAX_VALUE);
        JobPage page = queue.list(filter, beforeId, limit);
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("jobs", page.jobs().stream().map(JobJson::of).toList());
        answer.put("nextBefore", page.nextBeforeId());
        ctx.json(answer);
    }

    private void cancel(Context ctx) {
        long id = jobId(ctx);
        JobQueue.CancelResult result = queue.cancel(id);
        switch (result.outcome()) {
            case NOT_FOUND -> throw jobNotFound();
            case ALREADY_FINISHED -> throw conflict("job " + id + " is already " + result.job().status().dbValue(), result.job());
            case CANCELLED -> ctx.json(Map.of("message", "job_cancelled", "job", JobJson.of(result.job())));
            case CANCEL_REQUESTED -> ctx.status(202).json(Map.of("message", "cancel_requested", "job", JobJson.of(result.job())));
        }
    }

    private void retry(Context ctx) {
        long id = jobId(ctx);
        JobQueue.RetryResult result = queue.retry(id);
        switch (result.outcome()) {
            case NOT_FOUND -> throw jobNotFound();
            case NOT_RETRYABLE -> throw conflict("only failed or cancelled jobs can be retried; job " + id + " is "
                    + result.job().status().dbValue(), result.job());
            case DUPLICATE_ACTIVE -> throw conflict("another job with the same dedupe key is pending or processing",
                    result.job());
            case REQUEUED -> ctx.json(Map.of("message", "job_requeued", "jobId", id, "job", JobJson.of(result.job())));
        }
    }

    private void delete(Context ctx) {
        long id = jobId(ctx);
        JobQueue.DeleteResult result = queue.delete(id);
        switch (result.outcome()) {
            case NOT_FOUND -> throw jobNotFound();
            case ACTIVE -> throw conflict("job " + id + " is " + result.job().status().dbValue()
                    + "; cancel it before deleting it", result.job());
            case DELETED -> ctx.json(Map.of("message", "job_deleted", "jobId", id));
        }
    }

    /** {@code {"olderThan": "30d", "statuses": ["completed", "failed", "cancelled"]}}; statuses default to all three. */
    private void clean(Context ctx) {
        JsonNode body = readJsonBody(ctx);
        List<ValidationProblem> problems = new java.util.ArrayList<>();
        Duration olderThan = null;
        JsonNode older = body.path("olderThan");
        if (!body.isObject()) {
            problems.add(new ValidationProblem("", "send a JSON object like {\"olderThan\": \"30d\"}"));
        } else if (!older.isTextual()) {
            problems.add(new ValidationProblem("olderThan", "is required: how long ago the jobs finished, e.g. \"30d\", \"12h\""));
        } else {
            try {
                olderThan = io.roomote.core.config.Durations.parse(older.asText(), java.time.temporal.ChronoUnit.DAYS);
            } catch (RuntimeException e) {
                olderThan = null;
            }
            if (olderThan == null || olderThan.isNegative() || olderThan.compareTo(MAX_CLEAN_AGE) > 0) {
                problems.add(new ValidationProblem("olderThan", "must be a duration from 0 to " + MAX_CLEAN_AGE.toDays()
                        + " days, e.g. 30d, 12h, 90m or PT36H"));
                olderThan = null;
            }
        }
        java.util.EnumSet<JobStatus> statuses = java.util.EnumSet.of(JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED);
        JsonNode given = body.path("statuses");
        if (!given.isMissingNode() && !given.isNull()) {
            statuses.clear();
            if (!given.isArray() || given.isEmpty()) {
                problems.add(new ValidationProblem("statuses", "must be a non-empty array of completed, failed, cancelled"));
            } else {
                for (int i = 0; i < given.size(); i++) {
                    if (!given.get(i).isTextual()) {
                        problems.add(new ValidationProblem("statuses[" + i + "]", "must be a string: completed, failed or cancelled"));
                        continue;
                    }
                    try {
                        JobStatus s = JobStatus.parse(given.get(i).textValue());
                        if (!s.isTerminal()) {
                            problems.add(new ValidationProblem("statuses[" + i + "]", "only finished jobs can be cleaned:"
                                    + " completed, failed or cancelled"));
                        }
                        statuses.add(s);
                    } catch (IllegalArgumentException e) {
                        problems.add(new ValidationProblem("statuses[" + i + "]", e.getMessage()));
                    }
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidJobException(problems);
        }
        long deleted = queue.clean(statuses, olderThan);
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("message", "jobs_deleted");
        answer.put("deleted", deleted);
        answer.put("olderThan", older.asText());
        answer.put("statuses", statuses.stream().map(JobStatus::dbValue).toList());
        ctx.json(answer);
    }

    /** Fields of a bulk request's filter: the dashboard list's query parameters. */
    private static final List<String> BULK_FIELDS = List.of("type", "repo", "issue", "q", "outcome");

    /** {@code POST /api/jobs/retry-failed} and {@code /cancel-pending}: the same filter as the dashboard's list. */
    private void bulk(Context ctx, boolean retry) {
        // No body at all (curl -X POST): every failed / pending job.
        JsonNode body = ctx.contentType() == null && ctx.req().getContentLengthLong() <= 0
                ? mapper.createObjectNode() : readJsonBody(ctx);
        List<ValidationProblem> problems = new java.util.ArrayList<>();
        if (!body.isObject()) {
            throw new InvalidJobException(List.of(new ValidationProblem("", "send a JSON object like {\"type\": \"github.issue.fix\"}"
                    + " (or {} for every " + (retry ? "failed" : "pending") + " job)")));
        }
        Map<String, String> fields = new LinkedHashMap<>();
        body.fieldNames().forEachRemaining(name -> {
            JsonNode v = body.get(name);
            if (!BULK_FIELDS.contains(name)) {
                problems.add(new ValidationProblem(name, "is not a filter; use " + String.join(", ", BULK_FIELDS)));
            } else if (name.equals("issue") && v.isIntegralNumber()) {
                fields.put(name, v.asText());
            } else if (!v.isTextual()) {
                problems.add(new ValidationProblem(name, "must be a string"));
            } else if (StorableText.problem(v.textValue()).isPresent()) {
                problems.add(new ValidationProblem(name, StorableText.problem(v.textValue()).get()));
            } else {
                fields.put(name, v.textValue());
            }
        });
        JobSearchRepository.Filter filter = null;
        if (problems.isEmpty()) {
            try {
                filter = io.roomote.runner.dashboard.Dashboard.filterOf(fields::get);
            } catch (IllegalArgumentException e) {
                problems.add(new ValidationProblem("", e.getMessage()));
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidJobException(problems);
        }
        BulkActions.Result r;
        try {
            r = retry ? bulk.retryFailed(filter) : bulk.cancelPending(filter);
        } catch (IllegalArgumentException e) {
            throw new InvalidJobException(List.of(new ValidationProblem("outcome", e.getMessage())));
        }
        log.info("api: bulk {} of {}: {}", retry ? "retry" : "cancel", fields, r);
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("message", retry ? "jobs_retried" : "jobs_cancelled");
        answer.put(retry ? "retried" : "cancelled", r.changed());
        answer.put("unchanged", r.unchanged());
        answer.put("more", r.more());
        answer.put("filter", fields);
        ctx.json(answer);
    }

    /** {@code POST /api/job-types/{type}/pause|resume}: for every runner, stored in the database. */
    private void pauseOrResume(Context ctx, boolean pause) {
        String type = ctx.pathParam("type");
        if (!io.roomote.runner.dashboard.Dashboard.JOB_TYPE.matcher(type).matches()) {
            throw new InvalidJobException(List.of(new ValidationProblem("type", "is not a job type name (letters, digits,"
                    + " '.', '-', '_'; at most 100)")));
        }
        boolean changed = pause ? pauses.pause(type, "api") : pauses.resume(type);
        log.info("api: {} claiming of {} ({})", pause ? "paused" : "resumed", type, changed ? "changed" : "unchanged");
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("message", pause ? "job_type_paused" : "job_type_resumed");
        answer.put("type", type);
        answer.put("changed", changed);
        answer.put("paused", pauses.paused().stream().map(p -> p.type()).toList());
        ctx.json(answer);
    }

    /** The job, with the totals of its model calls ({@code modelCalls}). */
    private void job(Context ctx) {
        Job job = findJob(ctx);
        Map<String, Object> answer = JobJson.of(job);
        answer.put("modelCalls", JobJson.of(roomote.modelCalls().totals(job.id())));
        ctx.json(answer);
    }

    /** {@code GET /api/jobs/{id}/model-calls?after=0&limit=1000}: the calls, oldest first, and their totals. */
    private void modelCalls(Context ctx) {
        Job job = findJob(ctx);
        long after = longParam(ctx, "after", 0);
        int limit = intParam(ctx, "limit", 1000, 1, 10_000);
        ModelCallRepository calls = roomote.modelCalls();
        List<ModelCallRepository.StoredModelCall> page = calls.list(job.id(), after, limit);
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("jobId", job.id());
        answer.put("calls", page.stream().map(JobJson::of).toList());
        answer.put("totals", JobJson.of(calls.totals(job.id())));
        answer.put("next", page.isEmpty() ? after : page.get(page.size() - 1).id());
        ctx.json(answer);
    }

    private void logs(Context ctx) {
        Job job = findJob(ctx);
        long after = longParam(ctx, "after", 0);
        String lastEventId = ctx.header("Last-Event-ID");
        if (lastEventId != null && lastEventId.matches("\\d{1,18}")) {
            after = Math.max(after, Long.parseLong(lastEventId));
        }
        boolean follow = "true".equalsIgnoreCase(ctx.queryParam("follow"))
                || String.valueOf(ctx.header("Accept")).contains("text/event-stream");
        if (follow) {
            if (!follower.stream(ctx, job.id(), after, JobJson::of)) {
                throw ApiError.of(429, "too_many_followers", "at most " + follower.maxStreams() + " log streams at once; try later");
            }
            return;
        }
        int limit = intParam(ctx, "limit", 1000, 1, 10_000);
        var lines = queue.logs(job.id(), after, limit);
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("jobId", job.id());
        answer.put("status", job.status().dbValue());
        answer.put("lines", lines.stream().map(JobJson::of).toList());
        answer.put("next", lines.isEmpty() ? after : lines.get(lines.size() - 1).seq());
        ctx.json(answer);
    }

    /**
     * One webhook delivery: the whole body (within the port's limit) and the headers to the handler, its answer
     * back as JSON. Its exceptions answer 500 like every other endpoint's.
     */
    private void webhook(Context ctx, WebhookHandler handler) {
        byte[] body;
        try (InputStream in = ctx.req().getInputStream()) {
            body = in.readNBytes(MAX_BODY_BYTES + 1);
        } catch (IOException e) {
            throw ApiError.of(400, "bad_request", "could not read the body");
        }
        if (body.length > MAX_BODY_BYTES) {
            throw ApiError.of(413, "payload_too_large", "the body is larger than " + MAX_BODY_BYTES + " bytes");
        }
        Map<String, String> headers = new LinkedHashMap<>();
        for (String name : java.util.Collections.list(ctx.req().getHeaderNames())) {
            headers.putIfAbsent(name, ctx.req().getHeader(name));
        }
        WebhookResponse answer = handler.handle(new WebhookRequest(headers, body));
        answer.headers().forEach(ctx::header);
        ctx.status(answer.status()).json(answer.body());
    }

    // --- input helpers ---

    private JsonNode readJsonBody(Context ctx) {
        if (!BrowserChecks.isJson(ctx.contentType())) {
            throw ApiError.of(415, "unsupported_media_type", "send the body as JSON with 'Content-Type: application/json'");
        }
        byte[] bytes;
        try (InputStream in = ctx.req().getInputStream()) {
            bytes = in.readNBytes(MAX_BODY_BYTES + 1);
        } catch (IOException e) {
            throw ApiError.of(400, "bad_request", "could not read the request body");
        }
        if (bytes.length > MAX_BODY_BYTES) {
            throw ApiError.of(413, "payload_too_large", "the body is larger than " + MAX_BODY_BYTES + " bytes");
        }
        if (bytes.length == 0) {
            throw new InvalidJobException(List.of(new ValidationProblem("", "the body is empty; send a JSON object like"
                    + " {\"type\": \"github.issue.fix\", \"payload\": {…}}")));
        }
        try {
            return jsonReader.readTree(bytes);
        } catch (JsonProcessingException e) {
            // Limits of the parser (nesting over 1,000 levels, numbers over 1,000 digits) have no location.
            JsonLocation at = e.getLocation();
            throw new InvalidJobException(List.of(new ValidationProblem("", "malformed JSON: " + e.getOriginalMessage()
                    + (at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"))));
        } catch (IOException e) {
            throw ApiError.of(400, "bad_request", "could not read the request body");
        }
    }

    private Job findJob(Context ctx) {
        return queue.get(jobId(ctx)).orElseThrow(ApiServer::jobNotFound);
    }

    private static long jobId(Context ctx) {
        String raw = ctx.pathParam("id");
        if (!raw.matches("\\d{1,18}")) {
            throw ApiError.of(400, "Invalid job ID", null);
        }
        return Long.parseLong(raw);
    }

    private static ApiError jobNotFound() {
        return ApiError.of(404, "Job not found", null);
    }

    private static ApiError conflict(String message, Job job) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", "conflict");
        body.put("message", message);
        body.put("job", JobJson.of(job));
        return new ApiError(409, body);
    }

    private static int intParam(Context ctx, String name, int defaultValue, int min, int max) {
        String raw = ctx.queryParam(name);
        if (raw == null || raw.isBlank()) {
            return defaultValue;
        }
        try {
            int v = Integer.parseInt(raw.trim());
            if (v >= min && v <= max) {
                return v;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new InvalidJobException(List.of(new ValidationProblem(name, "must be an integer from " + min + " to " + max)));
    }

    private static long longParam(Context ctx, String name, long defaultValue) {
        String raw = ctx.queryParam(name);
        if (raw == null || raw.isBlank()) {
            return defaultValue;
        }
        if (!raw.trim().matches("\\d{1,18}")) {
            throw new InvalidJobException(List.of(new ValidationProblem(name, "must be a non-negative integer")));
        }
        return Long.parseLong(raw.trim());
    }

    /** Query parameters reach SQL: NUL and lone surrogates are refused there, naming the parameter. */
    private static void checkQueryParameters(Context ctx) {
        Map<String, List<String>> params;
        try {
            params = ctx.queryParamMap();
        } catch (IllegalArgumentException e) {
            throw ApiError.of(400, "bad_request", "the query string is not valid percent-encoding");
        }
        List<ValidationProblem> problems = new java.util.ArrayList<>();
        params.forEach((name, values) -> {
            if (StorableText.problem(name).isPresent()) {
                problems.add(new ValidationProblem("", "a query parameter name " + StorableText.problem(name).get()));
                return;
            }
            for (String value : values) {
                StorableText.problem(value).ifPresent(p -> problems.add(new ValidationProblem(name, p)));
            }
        });
        if (!problems.isEmpty()) {
            throw new InvalidJobException(problems);
        }
    }

    static Map<String, Object> badRequest(List<ValidationProblem> problems) {
        return Map.of("error", "bad_request", "details",
                problems.stream().map(p -> Map.of("path", p.path(), "message", p.message())).toList());
    }

    /** Starts listening; a port in use is a {@link ConfigurationException} that says what to do. */
    public ApiServer start(String host, int port) {
        // Registered here, before the first request, because the Host rule depends on the interface bound.
        OpenApiGuard guard = new OpenApiGuard(!auth.enabled(), isLoopback(host), webhookPaths);
        app.before("/api/*", guard);
        if (metrics.isPresent()) {
            app.before(METRICS_PATH, guard);
        }
        try {
            HttpServers.start(app, host, port);
        } catch (HttpServers.PortUnavailableException e) {
            throw new ConfigurationException("PORT " + port + " is not available on " + host + " (" + e.reason()
                    + "): is another Roomote running? Stop it, or set PORT to a free port");
        }
        log.info("API listening on http://{}:{} ({})", host, app.port(),
                auth.enabled() ? "bearer token required" : "no authentication: keep it on localhost");
        return this;
    }

    private static boolean isLoopback(String host) {
        try {
            return java.net.InetAddress.getByName(host).isLoopbackAddress();
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    public int port() {
        return app.port();
    }

    @Override
    public void close() {
        follower.close();
        app.stop();
        health.close();
    }
}
