package io.roomote.runner.dashboard;

import io.roomote.core.queue.BulkActions;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.javalin.security.RouteRole;
import io.roomote.core.Roomote;
import io.roomote.runner.api.BrowserChecks;
import io.roomote.runner.api.LogFollower;
import io.roomote.core.jobs.FinishedAs;
import io.roomote.core.jobs.Job;
import io.roomote.core.jobs.JobLogLine;
import io.roomote.core.jobs.JobStatus;
import io.roomote.core.queue.JobQueue;
import io.roomote.core.store.QueueStats;
import io.roomote.core.queue.StorableText;
import io.roomote.core.store.JobLogRepository;
import io.roomote.core.store.JobSearchRepository;
import io.roomote.core.store.PullRequestJobs;
import io.roomote.core.store.JobTypePauses;
import io.roomote.core.store.ModelCallRepository;
import io.roomote.core.store.JobSearchRepository.Filter;
import io.roomote.core.worker.WorkerPool;
import io.roomote.runner.http.HttpSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The queue dashboard at {@code /admin/queues}: server-rendered pages (overview, job lists with search, job
 * detail with a live log), the actions retry / cancel / delete / clean, and its own sign-in.
 *
 * <p>Security model. With {@code ROOMOTE_API_TOKEN} set, every page needs a session, which the sign-in form gives
 * in exchange for the token: a random id in an HttpOnly, SameSite=Strict cookie scoped to {@code /admin/queues}.
 * Without a token the dashboard is open, like the API, which then listens on loopback only; requests must then
 * name a loopback host (no DNS rebinding). In both cases every state-changing request must carry the session's
 * CSRF token (form field {@code _csrf} or header {@code X-CSRF-Token}) and must not come from another origin.
 * All output is HTML-escaped (JTE templates, src/main/jte), and a strict Content-Security-Policy allows only this
 * dashboard's own script.
 *
 * <p>One instance may be mounted on several Javalin apps (the API port and {@code DASHBOARD_PORT}); they share
 * the sessions.
 */
public final class Dashboard implements AutoCloseable {

    public static final String BASE = "/admin/queues";
    static final String COOKIE = "roomote_session";
    static final int MAX_STREAMS = 32;
    private static final int LOGIN_FAILURES_PER_MINUTE = 10;

    private static final Logger log = LoggerFactory.getLogger(Dashboard.class);
    private static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
            + " connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
    private static final Map<String, String> ASSET_TYPES = Map.of(
            "dashboard.css", "text/css; charset=utf-8",
            "dashboard.js", "text/javascript; charset=utf-8",
            "favicon.svg", "image/svg+xml");

    private final Roomote roomote;
    private final JobQueue queue;
    private final JobSearchRepository search;
    private final JobLogRepository logs;
    private final PullRequestJobs pullRequests;
    private final ObjectMapper mapper;
    private final DashboardSettings settings;
    private final Sessions sessions;
    private final Pages pages;
    private final Templates templates = new Templates();
    private final Clock clock;
    private final byte[] token;
    private final Map<String, byte[]> assets = new LinkedHashMap<>();
    private final String assetVersion;
    private final HttpSettings http;
    private final LogFollower streams;
    private final Map<String, long[]> loginFailures = new ConcurrentHashMap<>();
    private final JobTypePauses pauses;
    private final BulkActions bulk;
    /** The controller's state, in the {@code controller} role. */
    private volatile java.util.function.Supplier<Optional<io.roomote.controller.ControllerState>> controller = Optional::empty;
    /** A job type name: letters, digits, dots, dashes and underscores. */
    public static final java.util.regex.Pattern JOB_TYPE = java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");

    public Dashboard(Roomote roomote, DashboardSettings settings) {
        this(roomote, settings, HttpSettings.DEFAULTS);
    }

    public Dashboard(Roomote roomote, DashboardSettings settings, HttpSettings http) {
        this(roomote, settings, http, Clock.systemUTC());
    }

    Dashboard(Roomote roomote, DashboardSettings settings, HttpSettings http, Clock clock) {
        this.roomote = roomote;
        this.queue = roomote.queue();
        this.mapper = roomote.mapper();
        this.search = new JobSearchRepository(roomote.database(), mapper);
        this.logs = new JobLogRepository(roomote.database());
        this.pullRequests = new PullRequestJobs(roomote.database(), mapper);
        this.pauses = new JobTypePauses(roomote.database());
        this.bulk = new BulkActions(queue, search);
        this.settings = settings;
        this.clock = clock;
        this.sessions = new Sessions(clock);
        this.pages = new Pages(mapper);
        this.http = http;
        this.streams = new LogFollower(queue, mapper, MAX_STREAMS, http.logHeartbeat(), clock);
        this.token = settings.token().map(t -> t.getBytes(StandardCharsets.UTF_8)).orElse(null);
        MessageDigest digest = sha256();
        for (String name : ASSET_TYPES.keySet()) {
            byte[] bytes = resource("/dashboard/" + name);
            assets.put(name, bytes);
            digest.update(bytes);
        }
        this.assetVersion = HexFormat.of().formatHex(digest.digest()).substring(0, 10);
    }

    /** Shows the controller's state on the overview (the {@code controller} role). */
    public Dashboard withController(java.util.function.Supplier<Optional<io.roomote.controller.ControllerState>> state) {
        this.controller = state;
        return this;
    }

    public DashboardSettings settings() {
        return settings;
    }

    /** The HTTP limits of the ports this dashboard is mounted on. */
    public HttpSettings http() {
        return http;
    }

    /**
     * What a dashboard route needs before its handler runs, as its Javalin route role; {@link #checks} reads it.
     * Every kind gets the security headers, the Host check, the session lookup and the query check first.
     */
    enum Access implements RouteRole {
        /** The sign-in routes: nothing more; the handler checks what it needs itself. */
        OPEN,
        /** An HTML page: a signed-in session (the sign-in form otherwise); without auth one is made on first visit. */
        PAGE,
        /** Text or event-stream data for the pages' script: 401 instead of a redirect when not signed in. */
        DATA,
        /** A state-changing request: same origin, a signed-in session and its CSRF token, not read-only. */
        ACTION
    }

    /** The request attribute holding the request's session (null when it has none), set by {@link #checks}. */
    static final String SESSION = "dashboard.session";
    /** The request attribute saying {@link #checks} ran (the route's {@link Access}). */
    private static final String CHECKED = "dashboard.checked";

    /** Adds the dashboard's routes to an app. */
    public void mount(Javalin app) {
        // Runs only when a route matched (so a 404 stays Javalin's) and only for routes with an Access role.
        app.beforeMatched(BASE + "*", this::checks);
        app.get(BASE, handler(this::overview), Access.PAGE);
        app.get(BASE + "/jobs", handler(this::list), Access.PAGE);
        app.get(BASE + "/jobs/{id}", handler(this::detail), Access.PAGE);
        app.get(BASE + "/jobs/{id}/log.txt", handler(this::logText), Access.DATA);
        app.get(BASE + "/jobs/{id}/log/stream", handler(this::logStream), Access.DATA);
        app.post(BASE + "/jobs/{id}/retry", handler(this::retry), Access.ACTION);
        app.post(BASE + "/jobs/{id}/cancel", handler(this::cancel), Access.ACTION);
        app.post(BASE + "/jobs/{id}/delete", handler(this::delete), Access.ACTION);
        app.post(BASE + "/clean", handler(this::clean), Access.ACTION);
        app.post(BASE + "/jobs/retry-failed", handler(this::retryFailed), Access.ACTION);
        app.post(BASE + "/jobs/cancel-pending", handler(this::cancelPending), Access.ACTION);
        app.post(BASE + "/types/{type}/pause", handler(this::pause), Access.ACTION);
        app.post(BASE + "/types/{type}/resume", handler(this::resume), Access.ACTION);
        app.get(BASE + "/login", handler(this::loginForm), Access.OPEN);
        app.post(BASE + "/login", handler(this::login), Access.OPEN);
        app.post(BASE + "/logout", handler(this::logout), Access.OPEN);
        app.get(BASE + "/static/{file}", this::asset);
    }

    // ================================================================== request plumbing

    @FunctionalInterface
    interface SessionHandler {
        void handle(Context ctx, Sessions.Session session) throws Exception;
    }

    /** The checks of the route's {@link Access}; a refusal answers and skips the route's handler. */
    private void checks(Context ctx) {
        Access access = ctx.routeRoles().stream().filter(Access.class::isInstance).map(Access.class::cast)
                .findFirst().orElse(null);
        if (access == null) {
            return; // the static files, and HEAD on a page (Javalin answers it without the GET handler)
        }
        ctx.attribute("dashboard.start", System.nanoTime());
        ctx.attribute(CHECKED, access);
        securityHeaders(ctx);
        if (!hostAllowed(ctx)) {
            refuse(ctx, null, 403, "Forbidden", "This dashboard has no sign-in (no ROOMOTE_API_TOKEN), so it only"
                    + " answers requests addressed to localhost.");
            return;
        }
        Sessions.Session session = sessions.find(ctx.cookie(COOKIE)).orElse(null);
        if (unstorableQuery(ctx)) {
            refuse(ctx, session, 400, "Bad request", "A search or filter contains a NUL character or broken"
                    + " Unicode, which no job can contain; remove it.");
            return;
        }
        ctx.attribute(SESSION, session);
        boolean allowed = answerFailures(ctx, session, () -> switch (access) {
            case OPEN -> true;
            case PAGE -> pageAllowed(ctx, session);
            case DATA -> dataAllowed(ctx, session);
            case ACTION -> actionAllowed(ctx, session);
        });
        if (!allowed) {
            ctx.skipRemainingHandlers();
        }
    }

    /** Runs the route's handler with the session {@link #checks} found; failures become an HTML error page. */
    private io.javalin.http.Handler handler(SessionHandler handler) {
        return ctx -> {
            if (ctx.attribute(CHECKED) == null) {
                // Fails closed should a route ever be reached without the checks (a path the before handler's
                // pattern misses, a Javalin change): no handler runs unchecked.
                log.error("dashboard: {} {} reached its handler without the security checks; refused", ctx.method(), ctx.path());
                ctx.status(500).contentType("text/plain; charset=utf-8").result("the dashboard could not answer");
                return;
            }
            Sessions.Session session = ctx.attribute(SESSION);
            answerFailures(ctx, session, () -> {
                handler.handle(ctx, session);
                return true;
            });
        };
    }

    @FunctionalInterface
    private interface Step {
        boolean run() throws Exception;
    }

    /** Runs a step; a slow query answers 503, any other failure 500 (logged), and both return false. */
    private boolean answerFailures(Context ctx, Sessions.Session session, Step step) {
        try {
            return step.run();
        } catch (JobSearchRepository.QueryTimeoutException e) {
            errorPage(ctx, session, 503, "Too slow", e.getMessage());
        } catch (Exception e) {
            // Class and message on the line itself: a CI log cut to one line per event still says why.
            log.error("dashboard: {} {} failed with a 500: {}: {}", ctx.method(), ctx.path(), e.getClass().getName(),
                    e.getMessage(), e);
            errorPage(ctx, session, 500, "Something went wrong", "The dashboard could not answer; the runner's log has the details.");
        }
        return false;
    }

    private void refuse(Context ctx, Sessions.Session session, int status, String title, String message) {
        errorPage(ctx, session, status, title, message);
        ctx.skipRemainingHandlers();
    }

    /** {@link Access#PAGE}: false after answering with the sign-in redirect (or a same-site reload). */
    private boolean pageAllowed(Context ctx, Sessions.Session session) {
        if (!settings.authEnabled()) {
            if (session == null) {
                Sessions.Session s = sessions.create(true);
                setCookie(ctx, s);
                ctx.attribute(SESSION, s);
            }
            return true;
        }
        if (session != null && session.signedIn()) {
            return true;
        }
        String target = ctx.path() + (ctx.queryString() == null ? "" : "?" + ctx.queryString());
        if ("cross-site".equals(ctx.header("Sec-Fetch-Site")) && ctx.cookie(COOKIE) == null) {
            // A link from elsewhere: the SameSite=Strict cookie was withheld; a same-site reload sends it.
            html(ctx, 200, pages.reload(view(ctx, null), target));
            return false;
        }
        ctx.redirect(BASE + "/login?next=" + java.net.URLEncoder.encode(target, StandardCharsets.UTF_8),
                HttpStatus.SEE_OTHER);
        return false;
    }

    /** {@link Access#DATA}: false after answering 401 when not signed in. */
    private boolean dataAllowed(Context ctx, Sessions.Session session) {
        if (settings.authEnabled() && (session == null || !session.signedIn())) {
            ctx.status(401).contentType("text/plain; charset=utf-8").result("sign in at " + BASE + "/login");
            return false;
        }
        return true;
    }

    /** {@link Access#ACTION}: false after answering 401/403; a refusal changes nothing. */
    private boolean actionAllowed(Context ctx, Sessions.Session session) {
        if (crossOrigin(ctx)) {
            errorPage(ctx, session, 403, "Forbidden", "Cross-origin requests cannot change jobs.");
            return false;
        }
        if (settings.authEnabled() && (session == null || !session.signedIn())) {
            errorPage(ctx, null, 401, "Sign in first", "Your session has ended; sign in again.");
            return false;
        }
        if (session == null || !session.csrfMatches(csrfOf(ctx))) {
            errorPage(ctx, session, 403, "Forbidden", "The request's CSRF token is missing or wrong; reload the page and try again.");
            return false;
        }
        if (settings.readOnly()) {
            errorPage(ctx, session, 403, "Read-only", "This dashboard is read-only (DASHBOARD_READ_ONLY=true).");
            return false;
        }
        return true;
    }

    private static String csrfOf(Context ctx) {
        String header = ctx.header("X-CSRF-Token");
        return header != null ? header : ctx.formParam("_csrf");
    }

    /** True when the browser says the request comes from another origin (Origin, else Sec-Fetch-Site). */
    static boolean crossOrigin(Context ctx) {
        return BrowserChecks.crossOrigin(ctx);
    }

    /** Query parameters reach SQL, which refuses NUL; a lone surrogate is no text either. */
    private static boolean unstorableQuery(Context ctx) {
        try {
            return ctx.queryParamMap().values().stream().flatMap(List::stream)
                    .anyMatch(v -> StorableText.problem(v).isPresent());
        } catch (IllegalArgumentException e) {
            return true;
        }
    }

    /** Without a token the dashboard answers only requests addressed to a loopback name (no DNS rebinding). */
    private boolean hostAllowed(Context ctx) {
        return !settings.localhostOnly() || BrowserChecks.loopbackHost(ctx.header("Host"));
    }

    private static void securityHeaders(Context ctx) {
        ctx.header("Content-Security-Policy", CSP);
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("X-Frame-Options", "DENY");
        ctx.header("Referrer-Policy", "same-origin");
        ctx.header("Cache-Control", "no-store");
    }

    private void setCookie(Context ctx, Sessions.Session s) {
        ctx.res().addHeader("Set-Cookie", COOKIE + "=" + s.id() + "; Path=" + BASE + "; HttpOnly; SameSite=Strict"
                + (secure(ctx) ? "; Secure" : ""));
    }

    private void clearCookie(Context ctx) {
        ctx.res().addHeader("Set-Cookie", COOKIE + "=; Path=" + BASE + "; Max-Age=0; HttpOnly; SameSite=Strict"
                + (secure(ctx) ? "; Secure" : ""));
    }

    private static boolean secure(Context ctx) {
        return "https".equalsIgnoreCase(ctx.scheme()) || "https".equalsIgnoreCase(ctx.header("X-Forwarded-Proto"));
    }

    /** Sent by dashboard.js when it re-fetches a page for its live regions. */
    static final String LIVE_REFRESH_HEADER = "X-Roomote-Live-Refresh";

    private Pages.View view(Context ctx, Sessions.Session session) {
        Long start = ctx.attribute("dashboard.start");
        return new Pages.View(session, settings.readOnly(), settings.authEnabled(), clock.instant(),
                roomote.workers().map(WorkerPool::owner).orElse(null), assetVersion, start == null ? System.nanoTime() : start,
                "1".equals(ctx.header(LIVE_REFRESH_HEADER)));
    }

    /** Runs a database read, adding its time to the request's {@code db} figure in {@code Server-Timing}. */
    private static <T> T db(Context ctx, java.util.function.Supplier<T> read) {
        long t = System.nanoTime();
        try {
            return read.get();
        } finally {
            Long sum = ctx.attribute("dashboard.db");
            ctx.attribute("dashboard.db", (sum == null ? 0L : sum) + System.nanoTime() - t);
        }
    }

    /** Renders a page (its template with its view model) and sends it. */
    private void html(Context ctx, int status, Views.PageModel page) {
        String body = templates.render(ctx, page);
        Long start = ctx.attribute("dashboard.start");
        if (start != null) {
            Long dbNanos = ctx.attribute("dashboard.db");
            ctx.header("Server-Timing", String.format(Locale.ROOT, "db;dur=%.1f, app;dur=%.1f",
                    dbNanos == null ? 0.0 : dbNanos / 1e6, (System.nanoTime() - start) / 1e6));
        }
        ctx.status(status).contentType("text/html; charset=utf-8").result(body);
    }

    private void errorPage(Context ctx, Sessions.Session session, int status, String title, String message) {
        html(ctx, status, pages.error(view(ctx, session), status, title, message));
    }

    private static long jobId(Context ctx) {
        String raw = ctx.pathParam("id");
        return raw.matches("\\d{1,18}") ? Long.parseLong(raw) : -1;
    }

    // ================================================================== pages

    private void overview(Context ctx, Sessions.Session s) {
        WorkerPool pool = roomote.workers().orElse(null);
        QueueStats stats = db(ctx, () -> search.stats(pool == null ? null : pool.owner(), pool == null ? null : pool.capacity()));
        var latest = db(ctx, () -> search.search(Filter.ALL, null, null, 8).jobs());
        var failures = db(ctx, () -> search.search(Filter.ALL.withFinishedAs(FinishedAs.FAILED), null, null, 5).jobs());
        var paused = db(ctx, pauses::paused);
        html(ctx, 200, pages.overview(view(ctx, s), stats, latest, failures, jobTypes(ctx, null), paused,
                controller.get()));
    }

    private void list(Context ctx, Sessions.Session s) {
        String error = null;
        Filter filter;
        try {
            filter = filterOf(ctx::queryParam);
        } catch (IllegalArgumentException e) {
            error = e.getMessage();
            filter = Filter.ALL;
        }
        int limit = 50;
        String rawLimit = ctx.queryParam("limit");
        if (rawLimit != null && rawLimit.matches("\\d{1,3}")) {
            limit = Math.max(1, Math.min(200, Integer.parseInt(rawLimit)));
        }
        Long before = cursor(ctx.queryParam("before"));
        Long after = cursor(ctx.queryParam("after"));
        JobSearchRepository.Page page;
        Filter f = filter;
        int n = limit;
        try {
            page = db(ctx, () -> search.search(f, before, after, n));
        } catch (JobSearchRepository.QueryTimeoutException e) {
            error = e.getMessage();
            page = new JobSearchRepository.Page(List.of(), null, null);
        }
        TreeSet<String> types = jobTypes(ctx, filter.type());
        var counts = db(ctx, search::counts);
        var finished = db(ctx, search::finishedCounts);
        var paused = db(ctx, pauses::paused);
        html(ctx, 200, pages.list(view(ctx, s), filter, page, counts, finished, new ArrayList<>(types), limit, error, paused));
    }

    /** A list filter from query parameters or form fields of the same names. */
    public static Filter filterOf(java.util.function.Function<String, String> param) {
        String status = param.apply("status");
        Filter filter = new Filter(status == null || status.isBlank() ? null : JobStatus.parse(status.trim()),
                param.apply("type"), param.apply("repo"), stripHash(param.apply("issue")), param.apply("q"));
        String outcome = param.apply("outcome");
        if (outcome != null && !outcome.isBlank()) {
            filter = filter.withFinishedAs(FinishedAs.parse(outcome));
        }
        return filter;
    }

    /** The installed job types and those in the table (at most 50), and {@code also} when given. */
    private TreeSet<String> jobTypes(Context ctx, String also) {
        TreeSet<String> types = new TreeSet<>(queue.registry().ids());
        types.addAll(db(ctx, () -> search.types(50)));
        if (also != null) {
            types.add(also);
        }
        return types;
    }

    private static String stripHash(String issue) {
        return issue == null ? null : issue.trim().replaceFirst("^#", "");
    }

    private static Long cursor(String raw) {
        return raw != null && raw.matches("\\d{1,18}") ? Long.parseLong(raw) : null;
    }

    private void detail(Context ctx, Sessions.Session s) {
        long id = jobId(ctx);
        Optional<Job> job = id < 0 ? Optional.empty() : db(ctx, () -> queue.get(id));
        if (job.isEmpty()) {
            errorPage(ctx, s, 404, "Job not found", "There is no job #" + ctx.pathParam("id") + "; it may have been deleted.");
            return;
        }
        List<JobLogLine> tail = db(ctx, () -> logs.tail(id, Pages.LOG_TAIL));
        long total = tail.size() < Pages.LOG_TAIL ? tail.size() : db(ctx, () -> logs.count(id));
        List<JobSearchRepository.Run> runs = db(ctx, () -> search.runs(id));
        List<ModelCallRepository.StoredModelCall> calls = db(ctx, () -> roomote.modelCalls().tail(id, Pages.MODEL_CALLS_TAIL));
        ModelCallRepository.Totals callTotals = calls.isEmpty() ? ModelCallRepository.Totals.NONE
                : db(ctx, () -> roomote.modelCalls().totals(id));
        Pages.PullRequestRounds pr = db(ctx, () -> pullRequestRounds(job.get()));
        html(ctx, 200, pages.detail(view(ctx, s), job.get(), tail, total, runs, calls, callTotals, pr));
    }

    /** The job type that opens pull requests, and the one that runs review rounds on them (job-types/github-issue-fix). */
    static final String FIX_TYPE = "github.issue.fix";
    static final String REVISE_TYPE = "github.pr.revise";
    /** Rounds listed on a fix job's page; ROOMOTE_MAX_REVISIONS keeps them few. */
    static final int ROUNDS_SHOWN = 50;

    /**
     * A review round's pull request and the job that opened it (the round's result {@code fixJobId}, else the fix
     * job whose result has the pull request's number), or a fix job's pull request and its rounds.
     */
    private Pages.PullRequestRounds pullRequestRounds(Job job) {
        if (job.type().equals(REVISE_TYPE)) {
            String repo = stringField(job.payload(), "repo");
            Integer pr = intField(job.payload(), "pr");
            if (repo == null || pr == null) {
                return Pages.PullRequestRounds.NONE;
            }
            Long fixJobId = job.result() != null && job.result().path("fixJobId").canConvertToLong()
                    && job.result().path("fixJobId").isIntegralNumber() ? job.result().path("fixJobId").longValue() : null;
            Optional<PullRequestJobs.PullRequestJob> opener = fixJobId != null ? pullRequests.find(FIX_TYPE, fixJobId)
                    : Optional.empty();
            if (opener.isEmpty()) {
                opener = pullRequests.openedBy(FIX_TYPE, repo, pr);
            }
            return new Pages.PullRequestRounds(repo, pr, opener.orElse(null), List.of());
        }
        if (job.type().equals(FIX_TYPE)) {
            String repo = stringField(job.payload(), "repo");
            Integer pr = intField(job.result(), "prNumber");
            if (repo == null || pr == null) {
                return Pages.PullRequestRounds.NONE;
            }
            return new Pages.PullRequestRounds(repo, pr, null, pullRequests.rounds(REVISE_TYPE, repo, pr, ROUNDS_SHOWN));
        }
        return Pages.PullRequestRounds.NONE;
    }

    private static String stringField(com.fasterxml.jackson.databind.JsonNode node, String field) {
        return node != null && node.path(field).isTextual() ? node.path(field).asText() : null;
    }

    private static Integer intField(com.fasterxml.jackson.databind.JsonNode node, String field) {
        return node != null && node.path(field).isIntegralNumber() && node.path(field).canConvertToInt()
                && node.path(field).intValue() > 0 ? node.path(field).intValue() : null;
    }

    /** The whole log as plain text, read page by page. */
    private void logText(Context ctx, Sessions.Session s) throws IOException {
        long id = jobId(ctx);
        if (id < 0 || queue.get(id).isEmpty()) {
            ctx.status(404).contentType("text/plain; charset=utf-8").result("job not found");
            return;
        }
        ctx.status(200).contentType("text/plain; charset=utf-8");
        ctx.header("Content-Disposition", "inline; filename=\"job-" + id + ".log\"");
        OutputStream out = ctx.res().getOutputStream();
        long cursor = 0;
        while (true) {
            List<JobLogLine> lines = queue.logs(id, cursor, 5000);
            String page = lines.stream()
                    .map(l -> l.loggedAt() + " [run " + l.attempt() + "] " + l.level() + ' ' + l.line() + '\n')
                    .collect(java.util.stream.Collectors.joining());
            out.write(page.getBytes(StandardCharsets.UTF_8));
            if (!lines.isEmpty()) {
                cursor = lines.get(lines.size() - 1).seq();
            }
            if (lines.size() < 5000) {
                break;
            }
        }
        out.flush();
    }

    /**
     * Server-sent events of a job's new log lines after {@code after} (or {@code Last-Event-ID}): {@code log}
     * events with the line as JSON, then {@code end} with the final status. Same protocol as the API's
     * {@code /api/jobs/:id/logs?follow=true}, authenticated by the dashboard session instead of a bearer token.
     */
    private void logStream(Context ctx, Sessions.Session s) {
        long id = jobId(ctx);
        if (id < 0) {
            ctx.status(404).result("job not found");
            return;
        }
        long after = Optional.ofNullable(cursor(ctx.header("Last-Event-ID"))).orElse(
                Optional.ofNullable(cursor(ctx.queryParam("after"))).orElse(0L));
        boolean streamed = streams.stream(ctx, id, after, line -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("seq", line.seq());
            m.put("attempt", line.attempt());
            m.put("level", line.level());
            m.put("line", line.line());
            m.put("at", line.loggedAt().toString());
            m.put("clock", Format.clock(line.loggedAt()));
            return m;
        });
        if (!streamed) {
            ctx.status(429).contentType("text/plain; charset=utf-8").result("too many log streams; try again later");
        }
    }

    // ================================================================== actions

    private void retry(Context ctx, Sessions.Session s) {
        long id = jobId(ctx);
        JobQueue.RetryResult r = id < 0 ? new JobQueue.RetryResult(JobQueue.RetryOutcome.NOT_FOUND, null) : queue.retry(id);
        switch (r.outcome()) {
            case REQUEUED -> s.flash("Job #" + id + " is queued again.");
            case NOT_RETRYABLE -> s.flash("Job #" + id + " is " + r.job().status().dbValue() + "; only failed or cancelled jobs can be retried.");
            case DUPLICATE_ACTIVE -> s.flash("Job #" + id + " cannot run again now: another pending or processing job has the same dedupe key.");
            case NOT_FOUND -> s.flash("There is no job #" + ctx.pathParam("id") + ".");
        }
        log.info("dashboard: retry of job {}: {}", id, r.outcome());
        back(ctx, id, r.outcome() != JobQueue.RetryOutcome.NOT_FOUND);
    }

    private void cancel(Context ctx, Sessions.Session s) {
        long id = jobId(ctx);
        JobQueue.CancelResult r = id < 0 ? new JobQueue.CancelResult(JobQueue.CancelOutcome.NOT_FOUND, null) : queue.cancel(id);
        switch (r.outcome()) {
            case CANCELLED -> s.flash("Job #" + id + " is cancelled; it will not run.");
            case CANCEL_REQUESTED -> s.flash("Job #" + id + " was asked to stop; it ends as cancelled in a moment.");
            case ALREADY_FINISHED -> s.flash("Job #" + id + " had already finished (" + r.job().status().dbValue() + ").");
            case NOT_FOUND -> s.flash("There is no job #" + ctx.pathParam("id") + ".");
        }
        log.info("dashboard: cancel of job {}: {}", id, r.outcome());
        back(ctx, id, r.outcome() != JobQueue.CancelOutcome.NOT_FOUND);
    }

    private void delete(Context ctx, Sessions.Session s) {
        long id = jobId(ctx);
        JobQueue.DeleteResult r = id < 0 ? new JobQueue.DeleteResult(JobQueue.DeleteOutcome.NOT_FOUND, null) : queue.delete(id);
        switch (r.outcome()) {
            case DELETED -> {
                s.flash("Job #" + id + " and its log are deleted.");
                log.info("dashboard: deleted job {}", id);
                ctx.redirect(BASE + "/jobs", HttpStatus.SEE_OTHER);
                return;
            }
            case ACTIVE -> s.flash("Job #" + id + " is " + r.job().status().dbValue() + "; cancel it before deleting it.");
            case NOT_FOUND -> s.flash("There is no job #" + ctx.pathParam("id") + ".");
        }
        back(ctx, id, r.outcome() == JobQueue.DeleteOutcome.ACTIVE);
    }

    private void clean(Context ctx, Sessions.Session s) {
        String days = ctx.formParam("olderThanDays");
        if (days == null || !days.matches("\\d{1,4}")) {
            s.flash("Choose how old the jobs to delete must be.");
            ctx.redirect(BASE, HttpStatus.SEE_OTHER);
            return;
        }
        EnumSet<JobStatus> statuses = EnumSet.noneOf(JobStatus.class);
        for (String v : ctx.formParams("status")) {
            try {
                JobStatus st = JobStatus.parse(v);
                if (st.isTerminal()) {
                    statuses.add(st);
                }
            } catch (IllegalArgumentException ignored) {
                // not a status: ignored
            }
        }
        if (statuses.isEmpty()) {
            s.flash("Choose at least one status (completed, failed, cancelled).");
            ctx.redirect(BASE, HttpStatus.SEE_OTHER);
            return;
        }
        long n = queue.clean(statuses, Duration.ofDays(Long.parseLong(days)));
        log.info("dashboard: cleaned {} {} job(s) older than {} days", n, statuses, days);
        s.flash("Deleted " + Format.number(n) + (n == 1 ? " job" : " jobs") + " that finished more than " + days
                + (days.equals("1") ? " day" : " days") + " ago.");
        ctx.redirect(BASE, HttpStatus.SEE_OTHER);
    }

    private void retryFailed(Context ctx, Sessions.Session s) {
        bulk(ctx, s, "retry", bulk::retryFailed);
    }

    private void cancelPending(Context ctx, Sessions.Session s) {
        bulk(ctx, s, "cancel", bulk::cancelPending);
    }

    private void bulk(Context ctx, Sessions.Session s, String verb, java.util.function.Function<Filter, BulkActions.Result> act) {
        Filter filter;
        try {
            filter = filterOf(ctx::formParam);
            BulkActions.Result r = act.apply(filter);
            boolean retry = verb.equals("retry");
            s.flash((retry ? "Queued " : "Cancelled ") + Format.number(r.changed()) + (r.changed() == 1 ? " job" : " jobs")
                    + (retry ? " again." : "; they will not run.")
                    + (r.unchanged() > 0 ? " " + Format.number(r.unchanged()) + " could not be " + (retry
                    ? "retried (another active job has the same dedupe key)." : "cancelled (they started meanwhile).") : "")
                    + (r.more() ? " More match: run it again." : ""));
            log.info("dashboard: bulk {} of {}: {}", verb, Pages.query(filter, 0), r);
            ctx.redirect(BASE + "/jobs" + Pages.query(filter, 0), HttpStatus.SEE_OTHER);
        } catch (IllegalArgumentException e) {
            s.flash(e.getMessage());
            ctx.redirect(BASE + "/jobs", HttpStatus.SEE_OTHER);
        }
    }

    private void pause(Context ctx, Sessions.Session s) {
        String type = jobType(ctx);
        if (type == null) {
            s.flash("That is not a job type name.");
        } else {
            boolean changed = pauses.pause(type, "dashboard");
            log.info("dashboard: paused claiming of {}", type);
            s.flash(changed ? "No runner claims " + type + " jobs now; running ones finish. Resume to go on."
                    : type + " was already paused.");
        }
        ctx.redirect(BASE, HttpStatus.SEE_OTHER);
    }

    private void resume(Context ctx, Sessions.Session s) {
        String type = jobType(ctx);
        if (type == null) {
            s.flash("That is not a job type name.");
        } else {
            boolean changed = pauses.resume(type);
            log.info("dashboard: resumed claiming of {}", type);
            s.flash(changed ? "Runners claim " + type + " jobs again." : type + " was not paused.");
        }
        ctx.redirect(BASE, HttpStatus.SEE_OTHER);
    }

    /** The {type} path parameter when it is a plausible job type name (as enqueue accepts), else null. */
    private static String jobType(Context ctx) {
        String type = ctx.pathParam("type");
        return JOB_TYPE.matcher(type).matches() ? type : null;
    }

    private static void back(Context ctx, long id, boolean toJob) {
        ctx.redirect(toJob ? BASE + "/jobs/" + id : BASE + "/jobs", HttpStatus.SEE_OTHER);
    }

    // ================================================================== sign-in

    private void loginForm(Context ctx, Sessions.Session session) {
        String next = safeNext(ctx.queryParam("next"));
        if (!settings.authEnabled() || session != null && session.signedIn()) {
            ctx.redirect(next, HttpStatus.SEE_OTHER);
            return;
        }
        Sessions.Session s = session;
        if (s == null) {
            s = sessions.create(false);
            setCookie(ctx, s);
        }
        html(ctx, 200, pages.login(view(ctx, s), next, null));
    }

    private void login(Context ctx, Sessions.Session session) {
        String next = safeNext(ctx.formParam("next"));
        if (!settings.authEnabled()) {
            ctx.redirect(next, HttpStatus.SEE_OTHER);
            return;
        }
        if (crossOrigin(ctx) || session == null || !session.csrfMatches(csrfOf(ctx))) {
            errorPage(ctx, session, 403, "Forbidden", "The sign-in form expired or came from another site; open the sign-in page again.");
            return;
        }
        if (tooManyFailures(ctx.ip())) {
            html(ctx, 429, pages.login(view(ctx, session), next, "Too many wrong tokens; wait a minute and try again."));
            return;
        }
        String given = Optional.ofNullable(ctx.formParam("token")).orElse("").trim();
        if (!MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), token)) {
            recordFailure(ctx.ip());
            log.warn("dashboard: failed sign-in from {}", ctx.ip());
            html(ctx, 401, pages.login(view(ctx, session), next, "That token is not right."));
            return;
        }
        sessions.remove(session);
        Sessions.Session signedIn = sessions.create(true);
        setCookie(ctx, signedIn);
        log.info("dashboard: signed in from {}", ctx.ip());
        ctx.redirect(next, HttpStatus.SEE_OTHER);
    }

    private void logout(Context ctx, Sessions.Session session) {
        if (crossOrigin(ctx) || session == null || !session.csrfMatches(csrfOf(ctx))) {
            errorPage(ctx, session, 403, "Forbidden", "The request's CSRF token is missing or wrong; reload the page and try again.");
            return;
        }
        sessions.remove(session);
        clearCookie(ctx);
        ctx.redirect(settings.authEnabled() ? BASE + "/login" : BASE, HttpStatus.SEE_OTHER);
    }

    /** Only a path inside the dashboard: no open redirect. */
    static String safeNext(String next) {
        if (next == null || !next.startsWith(BASE) || next.contains("//") || next.contains("\\")
                || next.chars().anyMatch(c -> c < 0x20)) {
            return BASE;
        }
        String rest = next.substring(BASE.length());
        return rest.isEmpty() || rest.startsWith("/") || rest.startsWith("?") ? next : BASE;
    }

    private boolean tooManyFailures(String ip) {
        long[] w = loginFailures.get(ip);
        long now = clock.millis();
        return w != null && now - w[0] < 60_000 && w[1] >= LOGIN_FAILURES_PER_MINUTE;
    }

    private void recordFailure(String ip) {
        long now = clock.millis();
        if (loginFailures.size() > 10_000) {
            loginFailures.entrySet().removeIf(e -> now - e.getValue()[0] >= 60_000);
        }
        loginFailures.compute(ip, (k, w) -> w == null || now - w[0] >= 60_000 ? new long[] {now, 1} : new long[] {w[0], w[1] + 1});
    }

    // ================================================================== static files

    private void asset(Context ctx) {
        String name = ctx.pathParam("file");
        byte[] bytes = assets.get(name);
        if (bytes == null) {
            ctx.status(404).contentType("text/plain; charset=utf-8").result("not found");
            return;
        }
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("Cache-Control", assetVersion.equals(ctx.queryParam("v")) ? "public, max-age=31536000, immutable" : "no-cache");
        ctx.contentType(ASSET_TYPES.get(name)).result(bytes);
    }

    private static byte[] resource(String path) {
        try (InputStream in = Dashboard.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("missing dashboard resource " + path);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Ends open log streams at their next poll. */
    @Override
    public void close() {
        streams.close();
    }
}
