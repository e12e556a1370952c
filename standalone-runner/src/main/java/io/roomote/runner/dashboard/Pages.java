package io.roomote.runner.dashboard;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.roomote.core.jobs.FinishedAs;
import io.roomote.core.jobs.Job;
import io.roomote.core.jobs.JobLogLine;
import io.roomote.core.jobs.JobStatus;
import io.roomote.core.store.QueueStats;
import io.roomote.core.store.JobSearchRepository;
import io.roomote.core.store.ModelCallRepository;
import io.roomote.core.store.PullRequestJobs;
import io.roomote.core.store.JobSearchRepository.Filter;
import io.roomote.core.store.JobTypePauses;
import io.roomote.core.store.JobSearchRepository.Page;
import io.roomote.core.store.JobSearchRepository.Summary;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

import static io.roomote.runner.dashboard.Dashboard.BASE;

/** The dashboard's pages, rendered on the server. Every value from a job or a request is escaped by {@link Html}. */
final class Pages {

    private static final Pattern REPO = Pattern.compile("[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}");
    private static final Pattern DIGITS = Pattern.compile("\\d{1,10}");
    static final int LOG_TAIL = 1000;
    /** The job page shows at most the last this many model calls (the API pages through all of them). */
    static final int MODEL_CALLS_TAIL = 200;

    /** What every page needs to know about the request. */
    record View(Sessions.Session session, boolean readOnly, boolean authEnabled, Instant now, String runner,
                String assetVersion, long startNanos) {
        String csrf() {
            return session == null ? "" : session.csrf();
        }
    }

    private final ObjectMapper mapper;

    Pages(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    // ------------------------------------------------------------------ layout

    String layout(View v, String title, String nav, String pageKind, Map<String, String> bodyData, Html content) {
        Html h = new Html();
        h.raw("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
                .raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
                .raw("<meta name=\"referrer\" content=\"same-origin\">")
                .raw("<title>").text(title).raw(" · Roomote queues</title>")
                .raw("<link rel=\"icon\" type=\"image/svg+xml\"").attr("href", BASE + "/static/favicon.svg?v=" + v.assetVersion()).raw(">")
                .raw("<link rel=\"stylesheet\"").attr("href", BASE + "/static/dashboard.css?v=" + v.assetVersion()).raw(">")
                .raw("<script defer").attr("src", BASE + "/static/dashboard.js?v=" + v.assetVersion()).raw("></script>")
                .raw("</head><body").attr("data-page", pageKind);
        for (Map.Entry<String, String> e : bodyData.entrySet()) {
            h.attr("data-" + e.getKey(), e.getValue());
        }
        h.raw(">");
        topbar(h, v, nav);
        h.raw("<main>");
        if (v.session() != null) {
            v.session().takeFlash().ifPresent(f -> h.raw("<div class=\"flash\" role=\"status\">").text(f).raw("</div>"));
        }
        h.append(content);
        h.raw("</main><footer><span>Roomote queue dashboard</span>");
        boolean insider = !v.authEnabled() || v.session() != null && v.session().signedIn();
        if (v.runner() != null && insider) {
            h.raw("<span>runner ").el("code", null, v.runner()).raw("</span>");
        }
        double ms = (System.nanoTime() - v.startNanos()) / 1e6;
        h.raw("<span>rendered in ").text(String.format(Locale.ROOT, "%.1f", ms)).raw(" ms · times in UTC</span></footer>")
                .raw("</body></html>");
        return h.toString();
    }

    private void topbar(Html h, View v, String nav) {
        h.raw("<header class=\"topbar\"><a class=\"brand\"").attr("href", BASE).raw(">")
                .raw("<svg class=\"logo\" viewBox=\"0 0 24 24\" aria-hidden=\"true\"><rect x=\"2\" y=\"4\" width=\"20\" height=\"4\" rx=\"1.5\"/>")
                .raw("<rect x=\"2\" y=\"10\" width=\"14\" height=\"4\" rx=\"1.5\"/><rect x=\"2\" y=\"16\" width=\"8\" height=\"4\" rx=\"1.5\"/></svg>")
                .raw("Roomote <span>queues</span></a>");
        if (nav != null) {
            h.raw("<nav>");
            navLink(h, "Overview", BASE, "overview".equals(nav));
            navLink(h, "Jobs", BASE + "/jobs", "jobs".equals(nav));
            h.raw("</nav>");
        }
        h.raw("<div class=\"spacer\"></div>");
        if (v.readOnly()) {
            h.raw("<span class=\"pill\" title=\"DASHBOARD_READ_ONLY=true: actions are disabled\">read-only</span>");
        }
        if (!v.authEnabled()) {
            h.raw("<span class=\"pill warn\" title=\"No ROOMOTE_API_TOKEN is set: anyone on this machine can use the dashboard\">no sign-in (localhost)</span>");
        } else if (v.session() != null && v.session().signedIn()) {
            h.raw("<form class=\"inline\" method=\"post\"").attr("action", BASE + "/logout").raw(">");
            csrfField(h, v);
            h.raw("<button type=\"submit\" class=\"btn ghost small\" id=\"logout\">Sign out</button></form>");
        }
        h.raw("</header>");
    }

    private static void navLink(Html h, String label, String href, boolean active) {
        h.raw("<a").attr("href", href).attr("class", active ? "active" : null).raw(">").text(label).raw("</a>");
    }

    private static void csrfField(Html h, View v) {
        h.raw("<input type=\"hidden\" name=\"_csrf\"").attr("value", v.csrf()).raw(">");
    }

    // ------------------------------------------------------------------ overview

    /** The controller of the {@code controller} role: its single-job workers, failed starts and pause. */
    private static void controllerCard(Html h, io.roomote.controller.ControllerState c, Instant now) {
        h.raw("<div class=\"card metric\" id=\"metric-controller\"><h2>Controller</h2>")
                .raw("<div class=\"big\">").text(c.alive()).raw("<small> / ").text(c.maxWorkers())
                .raw(" workers alive</small></div>")
                .raw("<meter min=\"0\"").attr("max", c.maxWorkers()).attr("value", c.alive()).raw("></meter>")
                .raw("<p class=\"muted\">").text(c.launcher()).raw(" launcher · ").text(c.starting())
                .raw(" starting · ").text(c.pending()).raw(" pending · ").text(c.launched()).raw(" started</p>");
        if (c.failedStarts() > 0) {
            h.raw("<p class=\"muted\" id=\"controller-failures\">").text(c.failedStarts()).raw(" failed start(s); last at ")
                    .text(Format.utc(c.lastFailureAt())).raw("</p>");
        }
        if (c.lastFailure() != null) {
            h.raw("<p class=\"muted\" id=\"controller-last-failure\">").text(c.lastFailure()).raw("</p>");
        }
        if (c.backoffUntil() != null) {
            h.raw("<p id=\"controller-backoff\">no worker is started for ")
                    .text(Format.duration(Duration.between(now, c.backoffUntil()).isNegative() ? Duration.ZERO
                            : Duration.between(now, c.backoffUntil())))
                    .raw(" (until ").text(Format.utc(c.backoffUntil())).raw(")</p>");
        }
        h.raw("</div>");
    }

    String overview(View v, QueueStats stats, List<Summary> latest, List<Summary> failures,
                    java.util.Collection<String> types, List<JobTypePauses.Paused> paused) {
        return overview(v, stats, latest, failures, types, paused, java.util.Optional.empty());
    }

    String overview(View v, QueueStats stats, List<Summary> latest, List<Summary> failures,
                    java.util.Collection<String> types, List<JobTypePauses.Paused> paused,
                    java.util.Optional<io.roomote.controller.ControllerState> controller) {
        Html h = new Html();
        Instant now = stats.at() != null ? stats.at() : v.now();
        h.raw("<div class=\"page-head\"><div><h1>Queue overview</h1>")
                .raw("<p class=\"sub\" id=\"live-updated\" data-live>Updated ").text(Format.clock(now))
                .raw(" UTC · refreshes every 5 s</p></div></div>");

        // Counts: the active statuses, then finished jobs by how they ended (a skipped job is no failure)
        h.raw("<section class=\"status-cards\" id=\"live-counts\" data-live aria-label=\"Jobs by status and outcome\">");
        for (JobStatus s : new JobStatus[] {JobStatus.PENDING, JobStatus.PROCESSING}) {
            countCard(h, "s-" + s.dbValue(), BASE + "/jobs?status=" + s.dbValue(), "count-" + s.dbValue(), label(s),
                    "data-count", s.dbValue(), stats.counts().get(s), statusHint(s, stats, now), null);
        }
        for (FinishedAs f : FinishedAs.values()) {
            QueueStats.StatusCount c = stats.finished().getOrDefault(f, new QueueStats.StatusCount(0, false));
            countCard(h, "s-" + f.value(), BASE + "/jobs?outcome=" + f.value(), "finished-" + f.value(), f.label(),
                    "data-finished", f.value(), c, "+" + Format.number(stats.throughput().lastHour(f)) + " last hour",
                    finishedHint(f));
        }
        h.raw("</section>");

        // Metrics
        h.raw("<section class=\"metrics\" id=\"live-metrics\" data-live>");
        QueueStats.RunnerLoad local = stats.runners().stream().filter(QueueStats.RunnerLoad::local).findFirst().orElse(null);
        int busyAll = stats.runners().stream().mapToInt(QueueStats.RunnerLoad::busy).sum();
        long runnersBusy = stats.runners().stream().filter(r -> r.busy() > 0).count();
        h.raw("<div class=\"card metric\" id=\"metric-workers\"><h2>Workers</h2>");
        if (local != null && local.capacity() != null) {
            h.raw("<div class=\"big\">").text(local.busy()).raw("<small> / ").text(local.capacity()).raw(" busy</small></div>")
                    .raw("<meter min=\"0\"").attr("max", local.capacity()).attr("value", local.busy())
                    .attr("high", Math.max(1, local.capacity() - 1)).raw("></meter>")
                    .raw("<p class=\"muted\">this runner · ").text(busyAll).raw(" running on ").text(runnersBusy)
                    .raw(runnersBusy == 1 ? " runner" : " runners").raw(" in all</p>");
        } else {
            h.raw("<div class=\"big\">").text(busyAll).raw("<small> running</small></div>")
                    .raw("<p class=\"muted\">on ").text(runnersBusy).raw(runnersBusy == 1 ? " runner" : " runners")
                    .raw("; this process runs no workers (api role)</p>");
        }
        h.raw("</div>");
        controller.ifPresent(c -> controllerCard(h, c, now));

        QueueStats.Throughput t = stats.throughput();
        h.raw("<div class=\"card metric\" id=\"metric-throughput\"><h2>Throughput</h2>")
                .raw("<div class=\"big\">").text(Format.number(t.finishedLastHour())).raw("<small> finished / last hour</small></div>");
        sparkline(h, t.hourly());
        h.raw("<p class=\"muted\" id=\"throughput-outcomes\">");
        for (FinishedAs f : FinishedAs.values()) {
            if (t.lastHour(f) > 0) {
                h.text(Format.number(t.lastHour(f))).raw(" ").text(f.label().toLowerCase(Locale.ROOT)).raw(" · ");
            }
        }
        h.text(Format.number(t.finishedLastDay())).raw(" in 24 h</p></div>");

        QueueStats.Latency l = stats.latency();
        h.raw("<div class=\"card metric\" id=\"metric-latency\"><h2>Pickup latency</h2>");
        if (l.sample() == 0) {
            h.raw("<div class=\"big muted\">–</div><p class=\"muted\">no job ran in the last hour</p>");
        } else {
            h.raw("<div class=\"big\">").text(Format.duration(l.pickupP50())).raw("<small> median</small></div>")
                    .raw("<p class=\"muted\">p95 ").text(Format.duration(l.pickupP95())).raw(" · run time median ")
                    .text(Format.duration(l.runP50())).raw(", p95 ").text(Format.duration(l.runP95()))
                    .raw("</p><p class=\"muted\">").text(Format.number(l.sample())).raw(" jobs finished in the last hour</p>");
        }
        h.raw("</div>");

        h.raw("<div class=\"card metric\" id=\"metric-oldest\"><h2>Oldest pending</h2>");
        if (stats.oldestPendingAt() == null) {
            h.raw("<div class=\"big muted\">–</div><p class=\"muted\">nothing is waiting</p>");
        } else {
            h.raw("<div class=\"big\">").text(Format.duration(Duration.between(stats.oldestPendingAt(), now)))
                    .raw("</div><p class=\"muted\">waiting since ").text(Format.utc(stats.oldestPendingAt())).raw("</p>");
            if (stats.oldestClaimableAt() != null) {
                h.raw("<p class=\"muted\">runnable for ").text(Format.duration(Duration.between(stats.oldestClaimableAt(), now)))
                        .raw(" (others wait for a retry delay)</p>");
            } else {
                h.raw("<p class=\"muted\">all pending jobs wait for a retry delay</p>");
            }
        }
        h.raw("</div></section>");

        // Runners
        h.raw("<section class=\"card\" id=\"live-runners\" data-live><div class=\"card-head\"><h2>Runners</h2></div>")
                .raw("<table class=\"table\"><thead><tr><th>Runner</th><th class=\"num\">Busy</th><th class=\"num\">Capacity</th>")
                .raw("<th>Last heartbeat</th></tr></thead><tbody>");
        if (stats.runners().isEmpty()) {
            h.raw("<tr><td colspan=\"4\" class=\"empty\">No runner holds a job right now.</td></tr>");
        }
        for (QueueStats.RunnerLoad r : stats.runners()) {
            h.raw("<tr><td>").el("code", null, r.owner());
            if (r.local()) {
                h.raw(" <span class=\"tag\">this process</span>");
            }
            h.raw("</td><td class=\"num\">").text(r.busy()).raw("</td><td class=\"num\">")
                    .text(r.capacity() == null ? "unknown" : r.capacity()).raw("</td><td>")
                    .text(r.lastHeartbeat() == null ? "–" : Format.ago(r.lastHeartbeat(), now)).raw("</td></tr>");
        }
        h.raw("</tbody></table><p class=\"note\">Busy counts the processing jobs whose lease a runner holds. ")
                .raw("Capacity (MAX_WORKERS) is known only for this process: runners do not record theirs in the database, ")
                .raw("and an idle runner holds no lease, so other runners appear here only while they run a job.</p></section>");

        // Latest and failures
        h.raw("<div class=\"two-col\"><section class=\"card\" id=\"live-latest\" data-live><div class=\"card-head\"><h2>Latest jobs</h2>")
                .raw("<a class=\"more\"").attr("href", BASE + "/jobs").raw(">All jobs →</a></div>");
        compactTable(h, latest, now, "No jobs yet.");
        h.raw("</section><section class=\"card\" id=\"live-failures\" data-live><div class=\"card-head\"><h2>Recent failures</h2>")
                .raw("<a class=\"more\"").attr("href", BASE + "/jobs?outcome=failed").raw(">All failed →</a></div>");
        compactTable(h, failures, now, "No failed jobs.");
        h.raw("</section></div>");

        typesCard(h, v, types, paused, now);
        if (!v.readOnly()) {
            cleanForm(h, v);
        }
        Map<String, String> data = new LinkedHashMap<>();
        data.put("refresh", "5000");
        return layout(v, "Overview", "overview", "overview", data, h);
    }

    private static void countCard(Html h, String cls, String href, String id, String label, String dataName,
                                  String dataValue, QueueStats.StatusCount c, String hint, String title) {
        h.raw("<a").attr("class", "card stat " + cls).attr("href", href).attr("id", id).attr("title", title).raw(">")
                .raw("<span class=\"label\"><i class=\"dot\"></i>").text(label).raw("</span>")
                .raw("<span class=\"value\"").attr(dataName, dataValue)
                .attr("data-exact", c.estimated() ? "false" : "true")
                .attr("title", c.estimated() ? "estimate from table statistics (exact up to "
                        + Format.number(io.roomote.core.store.JobSearchRepository.EXACT_COUNT_LIMIT) + ")" : null)
                .raw(">").text(c.estimated() ? "≈ " + Format.compact(c.value()) : Format.number(c.value())).raw("</span>")
                .raw("<span class=\"hint\">").text(hint).raw("</span></a>");
    }

    /** What each way of ending means, from the generic result fields (docs/dashboard.md, "Outcomes"). */
    static String finishedHint(FinishedAs f) {
        return switch (f) {
            case PULL_REQUEST -> "completed; the result has a pull request (prUrl)";
            case COMPLETED -> "completed without a pull request";
            case NO_CHANGES -> "ended without changes (result outcome no_changes)";
            case SKIPPED -> "nothing to do, e.g. the issue is closed or already has a PR (result outcome skipped)";
            case FAILED -> "failed for any other reason";
            case TIMED_OUT -> "stopped at its deadline (JOB_TIMEOUT)";
            case CANCELLED -> "cancelled by request";
        };
    }

    private static String statusHint(JobStatus s, QueueStats stats, Instant now) {
        return switch (s) {
            case PENDING -> stats.oldestPendingAt() == null ? "nothing waiting"
                    : "oldest " + Format.duration(Duration.between(stats.oldestPendingAt(), now));
            case PROCESSING -> {
                long runners = stats.runners().stream().filter(r -> r.busy() > 0).count();
                yield "on " + runners + (runners == 1 ? " runner" : " runners");
            }
            default -> "";
        };
    }

    /** 24 hourly bars as inline SVG (no style attributes: the page's CSP allows none). */
    private static void sparkline(Html h, List<Long> hourly) {
        long max = Math.max(1, hourly.stream().mapToLong(Long::longValue).max().orElse(1));
        int w = 240;
        int hgt = 36;
        double bar = (double) w / hourly.size();
        h.raw("<svg class=\"spark\" viewBox=\"0 0 240 36\" preserveAspectRatio=\"none\" role=\"img\" aria-label=\"jobs finished per hour, last 24 hours\">");
        for (int i = 0; i < hourly.size(); i++) {
            long n = hourly.get(i);
            double bh = n == 0 ? 1 : Math.max(2, (double) n / max * (hgt - 2));
            h.raw("<rect").attr("x", fmt(i * bar + 1)).attr("y", fmt(hgt - bh)).attr("width", fmt(bar - 2))
                    .attr("height", fmt(bh)).attr("class", n == 0 ? "zero" : null).raw("><title>")
                    .text((23 - i == 0 ? "this hour" : (23 - i) + " h ago") + ": " + n).raw("</title></rect>");
        }
        h.raw("</svg>");
    }

    private static String fmt(double d) {
        return String.format(Locale.ROOT, "%.1f", d);
    }

    /** Job types and whether runners claim them; pause and resume (stored in the database, for every runner). */
    private void typesCard(Html h, View v, java.util.Collection<String> types, List<JobTypePauses.Paused> paused, Instant now) {
        Map<String, JobTypePauses.Paused> byType = new LinkedHashMap<>();
        paused.forEach(p -> byType.put(p.type(), p));
        java.util.TreeSet<String> all = new java.util.TreeSet<>(types);
        all.addAll(byType.keySet());
        h.raw("<section class=\"card\" id=\"live-types\" data-live><div class=\"card-head\"><h2>Job types</h2>");
        if (!paused.isEmpty()) {
            h.raw("<span class=\"badge s-paused\" id=\"paused-count\">").text(paused.size()).raw(" paused</span>");
        }
        h.raw("</div><table class=\"table\"><thead><tr><th>Type</th><th>Claiming</th><th></th></tr></thead><tbody>");
        for (String t : all) {
            JobTypePauses.Paused p = byType.get(t);
            h.raw("<tr").attr("data-type", t).raw("><td><code>").text(t).raw("</code></td><td>");
            if (p != null) {
                h.raw("<span class=\"badge s-paused\">paused</span> <span class=\"muted\">")
                        .text(Format.ago(p.since(), now) + (p.by() != null ? " by " + p.by() : "")).raw("</span>");
            } else {
                h.raw("<span class=\"muted\">running</span>");
            }
            h.raw("</td><td class=\"num\">");
            if (!v.readOnly() && Dashboard.JOB_TYPE.matcher(t).matches()) {
                String path = BASE + "/types/" + URLEncoder.encode(t, StandardCharsets.UTF_8);
                if (p != null) {
                    actionForm(h, v, path + "/resume", "Resume", "btn primary small", "resume-" + t,
                            "Let every runner claim " + t + " jobs again?");
                } else {
                    actionForm(h, v, path + "/pause", "Pause", "btn ghost small", "pause-" + t,
                            "Stop every runner from claiming " + t + " jobs? Running jobs finish; pending ones wait.");
                }
            }
            h.raw("</td></tr>");
        }
        h.raw("</tbody></table><p class=\"note\">A paused type stays pending on every runner until it is resumed")
                .raw(" (also <code>POST /api/job-types/{type}/pause</code> and <code>/resume</code>).</p></section>");
    }

    private void cleanForm(Html h, View v) {
        h.raw("<section class=\"card\" id=\"maintenance\"><div class=\"card-head\"><h2>Clean up</h2></div>")
                .raw("<form class=\"clean-form\" method=\"post\"").attr("action", BASE + "/clean")
                .raw(" data-confirm=\"Delete these finished jobs and their logs? This cannot be undone.\">");
        csrfField(h, v);
        h.raw("<span>Delete finished jobs that ended more than</span><select name=\"olderThanDays\" id=\"clean-days\">");
        for (int d : new int[] {1, 7, 30, 90, 365}) {
            h.raw("<option").attr("value", d).attr("selected", d == 30 ? "selected" : null).raw(">")
                    .text(d == 1 ? "1 day" : d + " days").raw("</option>");
        }
        h.raw("</select><span>ago, with status</span>");
        for (JobStatus s : new JobStatus[] {JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED}) {
            h.raw("<label class=\"check\"><input type=\"checkbox\" name=\"status\"").attr("value", s.dbValue())
                    .attr("checked", s == JobStatus.FAILED ? null : "checked").raw(">").text(s.dbValue()).raw("</label>");
        }
        h.raw("<button type=\"submit\" class=\"btn danger\" id=\"clean-submit\">Delete…</button></form>")
                .raw("<p class=\"note\">Pending and processing jobs are never deleted. Also available as <code>POST /api/jobs/clean</code>.</p></section>");
    }

    // ------------------------------------------------------------------ list

    String list(View v, Filter f, Page page, Map<JobStatus, QueueStats.StatusCount> counts,
                Map<FinishedAs, QueueStats.StatusCount> finished, List<String> types, int limit, String error,
                List<JobTypePauses.Paused> paused) {
        Html h = new Html();
        h.raw("<div class=\"page-head\"><div><h1>Jobs</h1><p class=\"sub\" id=\"live-updated\" data-live>Newest first")
                .raw(f.isEmpty() ? "" : " · filtered").raw(" · updated ").text(Format.clock(v.now()))
                .raw(" UTC · refreshes every 5 s</p></div></div>");

        // Tabs per status, with the queue-wide counts
        h.raw("<nav class=\"tabs\" aria-label=\"Status\" id=\"live-tabs\" data-live>");
        long total = counts.values().stream().mapToLong(QueueStats.StatusCount::value).sum();
        boolean anyEstimate = counts.values().stream().anyMatch(QueueStats.StatusCount::estimated);
        tab(h, "All", null, f, total, anyEstimate);
        for (JobStatus s : JobStatus.values()) {
            QueueStats.StatusCount c = counts.get(s);
            tab(h, label(s), s, f, c.value(), c.estimated());
        }
        h.raw("</nav>");
        // Finished jobs by how they ended: a skipped job is no failure
        h.raw("<nav class=\"tabs outcomes\" aria-label=\"Outcome\" id=\"live-outcomes\" data-live><span class=\"tabs-label\">Outcome</span>");
        for (FinishedAs o : FinishedAs.values()) {
            QueueStats.StatusCount c = finished.getOrDefault(o, new QueueStats.StatusCount(0, false));
            boolean active = f.finishedAs() == o;
            h.raw("<a").attr("class", "tab" + (active ? " active" : "") + " s-" + o.value())
                    .attr("id", "outcome-" + o.value()).attr("title", finishedHint(o))
                    .attr("href", BASE + "/jobs" + query(active ? f.withFinishedAs(null) : f.withFinishedAs(o), 0))
                    .raw(">").text(o.label()).raw(" <span class=\"count\">")
                    .text(c.estimated() ? "≈" + Format.compact(c.value()) : Format.compact(c.value())).raw("</span></a>");
        }
        h.raw("</nav>");

        // Filters
        h.raw("<form class=\"filters card\" method=\"get\" id=\"filters\"").attr("action", BASE + "/jobs").raw(">");
        if (f.status() != null) {
            h.raw("<input type=\"hidden\" name=\"status\"").attr("value", f.status().dbValue()).raw(">");
        }
        if (f.finishedAs() != null) {
            h.raw("<input type=\"hidden\" name=\"outcome\"").attr("value", f.finishedAs().value()).raw(">");
        }
        h.raw("<label class=\"grow\"><span>Search</span><input type=\"search\" name=\"q\" id=\"filter-q\" placeholder=\"title, name or error text\"")
                .attr("value", f.text()).raw(" maxlength=\"200\"></label>")
                .raw("<label><span>Repository</span><input type=\"text\" name=\"repo\" id=\"filter-repo\" placeholder=\"owner/name or owner\"")
                .attr("value", f.repo()).raw(" maxlength=\"200\"></label>")
                .raw("<label class=\"narrow\"><span>Issue</span><input type=\"text\" inputmode=\"numeric\" name=\"issue\" id=\"filter-issue\" placeholder=\"#\"")
                .attr("value", f.issue()).raw(" maxlength=\"10\"></label>")
                .raw("<label><span>Type</span><select name=\"type\" id=\"filter-type\"><option value=\"\">any type</option>");
        for (String t : types) {
            h.raw("<option").attr("value", t).attr("selected", t.equals(f.type()) ? "selected" : null).raw(">").text(t).raw("</option>");
        }
        h.raw("</select></label><label class=\"narrow\"><span>Per page</span><select name=\"limit\">");
        for (int n : new int[] {25, 50, 100, 200}) {
            h.raw("<option").attr("value", n).attr("selected", n == limit ? "selected" : null).raw(">").text(n).raw("</option>");
        }
        h.raw("</select></label><div class=\"filter-actions\"><button type=\"submit\" class=\"btn primary\">Filter</button>")
                .raw("<a class=\"btn ghost\"").attr("href", BASE + "/jobs" + (f.status() == null ? "" : "?status=" + f.status().dbValue()))
                .raw(">Clear</a></div></form>");

        if (error != null) {
            h.raw("<div class=\"flash error\" role=\"alert\">").text(error).raw("</div>");
        }
        if (f.type() != null && paused.stream().anyMatch(p -> p.type().equals(f.type()))) {
            h.raw("<div class=\"flash\" id=\"type-paused\">").text(f.type() + " is paused: no runner claims its jobs until it is resumed on the overview.").raw("</div>");
        }
        if (!v.readOnly() && error == null) {
            bulkBar(h, v, f);
        }

        h.raw("<section class=\"card flush\" id=\"jobs\" data-live>");
        jobsTable(h, page.jobs(), v.now(), f.isEmpty() ? "No jobs here yet." : "No job matches these filters.");
        h.raw("</section>");

        // Pager
        h.raw("<nav class=\"pager\" aria-label=\"Pages\" id=\"pager\" data-live>");
        String q = query(f, limit);
        pagerLink(h, "« Newest", page.newerCursor() != null ? BASE + "/jobs" + q : null, "page-newest");
        pagerLink(h, "‹ Newer", page.newerCursor() != null ? BASE + "/jobs" + q + sep(q) + "after=" + page.newerCursor() : null, "page-newer");
        pagerLink(h, "Older ›", page.olderCursor() != null ? BASE + "/jobs" + q + sep(q) + "before=" + page.olderCursor() : null, "page-older");
        h.raw("</nav>");
        // Refreshed like the overview: the rows, counts and pager, never the filter form being typed in.
        return layout(v, "Jobs", "jobs", "list", Map.of("refresh", "5000"), h);
    }

    /** Retry all failed / cancel all pending jobs of the current filter (its fields go along as hidden inputs). */
    private static void bulkBar(Html h, View v, Filter f) {
        boolean retry = (f.status() == null || f.status() == JobStatus.FAILED)
                && (f.finishedAs() == null || f.finishedAs().status() == JobStatus.FAILED);
        boolean cancel = (f.status() == null || f.status() == JobStatus.PENDING) && f.finishedAs() == null;
        if (!retry && !cancel) {
            return;
        }
        String which = describe(f);
        h.raw("<div class=\"bulk-bar\" id=\"bulk\"><span class=\"muted\">All jobs of this filter:</span>");
        if (retry) {
            bulkForm(h, v, f, "/jobs/retry-failed", "Retry all failed", "btn primary small", "bulk-retry",
                    "Retry every failed job" + which + "? Each gets a fresh set of attempts.");
        }
        if (cancel) {
            bulkForm(h, v, f, "/jobs/cancel-pending", "Cancel all pending", "btn warn small", "bulk-cancel",
                    "Cancel every pending job" + which + "? They will not run.");
        }
        h.raw("</div>");
    }

    private static void bulkForm(Html h, View v, Filter f, String path, String label, String cls, String id, String confirm) {
        h.raw("<form class=\"inline\" method=\"post\"").attr("action", BASE + path).attr("data-confirm", confirm).raw(">");
        csrfField(h, v);
        hidden(h, "type", f.type());
        hidden(h, "repo", f.repo());
        hidden(h, "issue", f.issue());
        hidden(h, "q", f.text());
        hidden(h, "outcome", f.finishedAs() == null ? null : f.finishedAs().value());
        h.raw("<button type=\"submit\"").attr("class", cls).attr("id", id).raw(">").text(label).raw("</button></form>");
    }

    private static void hidden(Html h, String name, String value) {
        if (value != null) {
            h.raw("<input type=\"hidden\"").attr("name", name).attr("value", value).raw(">");
        }
    }

    /** " of type x in repo y ..." for a confirmation, or "" without filters. */
    static String describe(Filter f) {
        StringBuilder sb = new StringBuilder();
        if (f.finishedAs() != null) {
            sb.append(" that ended as ").append(f.finishedAs().label().toLowerCase(Locale.ROOT));
        }
        if (f.type() != null) {
            sb.append(" of type ").append(f.type());
        }
        if (f.repo() != null) {
            sb.append(" in ").append(f.repo());
        }
        if (f.issue() != null) {
            sb.append(" for issue #").append(f.issue());
        }
        if (f.text() != null) {
            sb.append(" matching \"").append(f.text()).append('"');
        }
        return sb.toString();
    }

    private static void tab(Html h, String label, JobStatus s, Filter f, long count, boolean estimated) {
        Filter target = f.withFinishedAs(null).withStatus(s);
        boolean active = f.status() == s && f.finishedAs() == null;
        h.raw("<a").attr("class", "tab" + (active ? " active" : "") + (s == null ? "" : " s-" + s.dbValue()))
                .attr("id", "tab-" + (s == null ? "all" : s.dbValue()))
                .attr("href", BASE + "/jobs" + query(target, 0)).raw(">").text(label)
                .raw(" <span class=\"count\">").text(estimated ? "≈" + Format.compact(count) : Format.compact(count)).raw("</span></a>");
    }

    private static void pagerLink(Html h, String label, String href, String id) {
        if (href == null) {
            h.raw("<span class=\"btn ghost disabled\"").attr("id", id).raw(">").text(label).raw("</span>");
        } else {
            h.raw("<a class=\"btn ghost\"").attr("id", id).attr("href", href).raw(">").text(label).raw("</a>");
        }
    }

    private static String sep(String q) {
        return q.isEmpty() ? "?" : "&";
    }

    /** The query string of a filter ("" when empty), without a cursor. */
    static String query(Filter f, int limit) {
        StringBuilder sb = new StringBuilder();
        param(sb, "status", f.status() == null ? null : f.status().dbValue());
        param(sb, "outcome", f.finishedAs() == null ? null : f.finishedAs().value());
        param(sb, "type", f.type());
        param(sb, "repo", f.repo());
        param(sb, "issue", f.issue());
        param(sb, "q", f.text());
        if (limit > 0 && limit != 50) {
            param(sb, "limit", String.valueOf(limit));
        }
        return sb.toString();
    }

    private static void param(StringBuilder sb, String name, String value) {
        if (value != null) {
            sb.append(sb.length() == 0 ? '?' : '&').append(name).append('=').append(URLEncoder.encode(value, StandardCharsets.UTF_8));
        }
    }

    private void jobsTable(Html h, List<Summary> jobs, Instant now, String empty) {
        h.raw("<table class=\"table jobs\"><colgroup><col class=\"c-id\"><col><col class=\"c-status\"><col class=\"c-attempt\">")
                .raw("<col class=\"c-created\"><col class=\"c-duration\"><col class=\"c-outcome\"><col class=\"c-pr\"></colgroup>")
                .raw("<thead><tr><th class=\"id\">Job</th><th>Subject</th><th>Status</th>")
                .raw("<th class=\"num\">Attempt</th><th>Created</th><th>Duration</th><th>Outcome</th><th>PR</th></tr></thead><tbody>");
        if (jobs.isEmpty()) {
            h.raw("<tr><td colspan=\"8\" class=\"empty\">").text(empty).raw("</td></tr>");
        }
        for (Summary j : jobs) {
            String href = BASE + "/jobs/" + j.id();
            h.raw("<tr").attr("data-job", j.id()).raw("><td class=\"id\"><a class=\"job-link\"").attr("href", href).raw(">#")
                    .text(j.id()).raw("</a></td><td class=\"subject\">");
            subject(h, j.repo(), j.issue(), j.title(), href);
            h.raw("<span class=\"type\">").text(j.type()).raw("</span>");
            if (j.wipBranch() != null) {
                h.raw(" <span class=\"branch wip\" title=\"work in progress was saved to this branch\">WIP ")
                        .el("code", null, Format.firstLine(j.wipBranch(), 120)).raw("</span>");
            } else if (j.branch() != null) {
                h.raw(" <span class=\"branch\">").el("code", null, Format.firstLine(j.branch(), 120)).raw("</span>");
            }
            h.raw("</td><td>");
            statusOrOutcome(h, j);
            h.raw("</td><td class=\"num\">").text(j.attempts()).raw("/").text(j.maxAttempts()).raw("</td>")
                    .raw("<td class=\"nowrap\"><time").attr("datetime", j.createdAt()).attr("title", Format.utc(j.createdAt())).raw(">")
                    .text(Format.ago(j.createdAt(), now)).raw("</time></td><td class=\"nowrap\">").text(durationCell(j, now))
                    .raw("</td><td class=\"outcome\">");
            outcomeCell(h, j);
            h.raw("</td><td>");
            prLink(h, j.prUrl(), j.prNumber());
            h.raw("</td></tr>");
        }
        h.raw("</tbody></table>");
    }

    private void compactTable(Html h, List<Summary> jobs, Instant now, String empty) {
        h.raw("<table class=\"table compact\"><colgroup><col class=\"c-id\"><col><col class=\"c-status\"><col class=\"c-when\">")
                .raw("</colgroup><tbody>");
        if (jobs.isEmpty()) {
            h.raw("<tr><td colspan=\"4\" class=\"empty\">").text(empty).raw("</td></tr>");
        }
        for (Summary j : jobs) {
            String href = BASE + "/jobs/" + j.id();
            h.raw("<tr").attr("data-job", j.id()).raw("><td class=\"id\"><a class=\"job-link\"").attr("href", href).raw(">#")
                    .text(j.id()).raw("</a></td><td class=\"subject\">");
            subject(h, j.repo(), j.issue(), j.title(), href);
            if (j.status() == JobStatus.FAILED && j.error() != null) {
                h.raw("<span class=\"err line\"").attr("title", Format.firstLine(j.error(), 400)).raw(">")
                        .text(Format.firstLine(j.error(), 120)).raw("</span>");
            } else {
                h.raw("<span class=\"type\">").text(j.type()).raw("</span>");
            }
            h.raw("</td><td>");
            statusOrOutcome(h, j);
            h.raw("</td><td class=\"when\"><time").attr("datetime", j.createdAt()).attr("title", Format.utc(j.createdAt())).raw(">")
                    .text(Format.ago(j.createdAt(), now)).raw("</time></td></tr>");
        }
        h.raw("</tbody></table>");
    }

    /** "owner/name#12" (bold) and the title, or the generic title; linked to the job. */
    private static void subject(Html h, String repo, String issue, String title, String href) {
        h.raw("<a class=\"subject-link\"").attr("href", href).raw(">");
        if (repo != null) {
            h.raw("<strong>").text(repo).text(issue != null ? "#" + issue : "").raw("</strong> ");
        }
        h.raw("<span class=\"title\">").text(title == null ? "" : Format.firstLine(title, 120)).raw("</span></a>");
    }

    private static String durationCell(Summary j, Instant now) {
        return switch (j.status()) {
            case PENDING -> j.runAt() != null && j.runAt().isAfter(now)
                    ? "retry " + Format.ago(j.runAt(), now)
                    : "waiting " + Format.duration(Duration.between(j.runAt() != null && j.runAt().isAfter(j.createdAt())
                    ? j.runAt() : j.createdAt(), now));
            case PROCESSING -> j.startedAt() == null ? "" : "running " + Format.duration(Duration.between(j.startedAt(), now));
            default -> j.startedAt() != null && j.completedAt() != null
                    ? Format.duration(Duration.between(j.startedAt(), j.completedAt())) : "–";
        };
    }

    private static void outcomeCell(Html h, Summary j) {
        boolean showError = j.error() != null && j.status() != JobStatus.COMPLETED;
        if (j.outcome() != null) {
            h.raw("<span class=\"outcome-tag\">").text(j.outcome()).raw("</span>");
        } else if (!showError) {
            h.raw("<span class=\"muted\">–</span>");
        }
        if (showError) {
            h.raw("<span class=\"err\"").attr("title", Format.firstLine(j.error(), 400)).raw(">")
                    .text(Format.firstLine(j.error(), 80)).raw("</span>");
        }
    }

    private static void prLink(Html h, String url, String number) {
        String safe = Html.safeUrl(url);
        if (safe == null) {
            h.raw("<span class=\"muted\">–</span>");
            return;
        }
        h.raw("<a class=\"pr-link\" rel=\"noopener noreferrer\" target=\"_blank\"").attr("href", safe).raw(">")
                .text(number != null && DIGITS.matcher(number).matches() ? "#" + number : "PR").raw(" ↗</a>");
    }

    static void badge(Html h, JobStatus s, boolean cancelRequested) {
        h.raw("<span").attr("class", "badge s-" + s.dbValue()).raw(">").text(s.dbValue()).raw("</span>");
        if (cancelRequested && s == JobStatus.PROCESSING) {
            h.raw(" <span class=\"badge s-cancelled\" title=\"cancel requested; the job is stopping\">stopping</span>");
        }
    }

    /** A finished job's badge says how it ended (its status in the tooltip); an active job's, its status. */
    static void statusOrOutcome(Html h, Summary j) {
        if (j.finishedAs() == null) {
            badge(h, j.status(), j.cancelRequested());
            return;
        }
        h.raw("<span").attr("class", "badge s-" + j.finishedAs().value()).attr("data-status", j.status().dbValue())
                .attr("title", "status " + j.status().dbValue() + " · " + finishedHint(j.finishedAs())).raw(">")
                .text(j.finishedAs().label().toLowerCase(Locale.ROOT)).raw("</span>");
    }

    static String label(JobStatus s) {
        return s.dbValue().substring(0, 1).toUpperCase(Locale.ROOT) + s.dbValue().substring(1);
    }

    // ------------------------------------------------------------------ detail

    String detail(View v, Job job, List<JobLogLine> log, long totalLines, List<JobSearchRepository.Run> runs,
                  List<ModelCallRepository.StoredModelCall> calls, ModelCallRepository.Totals callTotals) {
        return detail(v, job, log, totalLines, runs, calls, callTotals, PullRequestRounds.NONE);
    }

    /**
     * A job's pull request and its review rounds: for a {@code github.pr.revise} job, the job that opened the pull
     * request ({@code opener}, null when unknown); for the job that opened it, every round ({@code rounds}).
     */
    record PullRequestRounds(String repo, Integer pr, PullRequestJobs.PullRequestJob opener,
                             List<PullRequestJobs.PullRequestJob> rounds) {
        static final PullRequestRounds NONE = new PullRequestRounds(null, null, null, List.of());
    }

    String detail(View v, Job job, List<JobLogLine> log, long totalLines, List<JobSearchRepository.Run> runs,
                  List<ModelCallRepository.StoredModelCall> calls, ModelCallRepository.Totals callTotals,
                  PullRequestRounds pullRequest) {
        Html h = new Html();
        Instant now = v.now();
        boolean active = !job.status().isTerminal();
        String repo = text(job.payload(), "repo");
        String issue = text(job.payload(), "issue");
        String title = text(job.payload(), "title");
        if (title == null) {
            title = text(job.result(), "title");
        }
        if (title == null) {
            title = text(job.payload(), "name");
        }

        h.raw("<nav class=\"crumbs\"><a").attr("href", BASE + "/jobs").raw(">Jobs</a><span>/</span><a")
                .attr("href", BASE + "/jobs?status=" + job.status().dbValue()).raw(">").text(label(job.status()))
                .raw("</a><span>/</span><span>#").text(job.id()).raw("</span></nav>");

        h.raw("<div id=\"live-head\" data-live>");
        h.raw("<div class=\"page-head job-head\"><div><h1>Job #").text(job.id()).raw(" ");
        badge(h, job.status(), job.cancelRequested());
        FinishedAs ended = FinishedAs.of(job);
        if (ended != null && !ended.value().equals(job.status().dbValue())) {
            h.raw(" <span").attr("class", "badge s-" + ended.value()).attr("id", "job-finished-as")
                    .attr("title", finishedHint(ended)).raw(">").text(ended.label().toLowerCase(Locale.ROOT)).raw("</span>");
        }
        h.raw("</h1><p class=\"sub\"><span class=\"type\">").text(job.type()).raw("</span>");
        if (repo != null) {
            h.raw(" <span class=\"subject-strong\">");
            String issueUrl = repo != null && issue != null && REPO.matcher(repo).matches() && DIGITS.matcher(issue).matches()
                    ? "https://github.com/" + repo + "/issues/" + issue : null;
            if (issueUrl != null) {
                h.raw("<a rel=\"noopener noreferrer\" target=\"_blank\"").attr("href", issueUrl).raw(">").text(repo + "#" + issue).raw(" ↗</a>");
            } else {
                h.text(repo).text(issue != null ? "#" + issue : "");
            }
            h.raw("</span>");
        }
        if (title != null) {
            h.raw(" <span class=\"job-title\" id=\"job-title\">").text(Format.firstLine(title, 200)).raw("</span>");
        }
        h.raw("</p></div>");
        actions(h, v, job);
        h.raw("</div></div>");

        // Summary and timeline
        h.raw("<div class=\"two-col\" id=\"live-facts\" data-live>");
        resultCard(h, job, now);
        timelineCard(h, job, now, runs);
        h.raw("</div>");

        reviewRoundCard(h, job, pullRequest);
        reviewRoundsCard(h, pullRequest, now);

        h.raw("<div id=\"live-error\" data-live>");
        if (job.error() != null) {
            h.raw("<section class=\"card error-card\"><h2>Error</h2><pre class=\"error-text\" id=\"job-error\">")
                    .text(job.error()).raw("</pre></section>");
        }
        h.raw("</div>");

        // Log
        long lastSeq = log.isEmpty() ? 0 : log.get(log.size() - 1).seq();
        h.raw("<section class=\"card log-card\"><div class=\"card-head\"><h2>Log</h2><span class=\"log-state\" id=\"log-state\">")
                .text(active ? "live" : totalLines + (totalLines == 1 ? " line" : " lines")).raw("</span>")
                .raw("<a class=\"more\"").attr("href", BASE + "/jobs/" + job.id() + "/log.txt").raw(">Download ↓</a></div>");
        if (totalLines > log.size()) {
            h.raw("<p class=\"note\">Showing the last ").text(Format.number(log.size())).raw(" of ")
                    .text(Format.number(totalLines)).raw(" lines.</p>");
        }
        h.raw("<div class=\"log\" id=\"log\" tabindex=\"0\"")
                .attr("data-stream", active ? BASE + "/jobs/" + job.id() + "/log/stream" : null)
                .attr("data-after", lastSeq).raw(">");
        Map<Integer, JobSearchRepository.Run> runByNumber = new LinkedHashMap<>();
        runs.forEach(r -> runByNumber.put(r.run(), r));
        int attempt = -1;
        for (JobLogLine line : log) {
            if (line.attempt() != attempt) {
                attempt = line.attempt();
                h.raw("<div class=\"attempt\"").attr("data-attempt", attempt).raw(">").text(runLabel(runByNumber.get(attempt), attempt, job))
                        .raw("</div>");
            }
            h.raw("<div").attr("class", "line lv-" + safeLevel(line.level())).attr("data-seq", line.seq()).raw(">")
                    .raw("<span class=\"ts\">").text(Format.clock(line.loggedAt())).raw("</span><span class=\"msg\">")
                    .text(line.line()).raw("</span></div>");
        }
        if (log.isEmpty()) {
            h.raw("<div class=\"log-empty\">").text(active ? "No output yet; new lines appear here as the job writes them."
                    : "This job wrote no log.").raw("</div>");
        }
        h.raw("</div></section>");

        modelCallsCard(h, job, calls, callTotals);

        h.raw("<div class=\"two-col\" id=\"live-json\" data-live><section class=\"card\"><h2>Payload</h2><pre class=\"json\" id=\"payload\">")
                .text(pretty(job.payload())).raw("</pre></section><section class=\"card\"><h2>Result</h2><pre class=\"json\" id=\"result\">")
                .text(job.result() == null ? "–" : pretty(job.result())).raw("</pre></section></div>");

        Map<String, String> data = new LinkedHashMap<>();
        data.put("refresh", active ? "2000" : "0");
        data.put("active", String.valueOf(active));
        data.put("job", String.valueOf(job.id()));
        data.put("status", job.status().dbValue());
        return layout(v, "Job #" + job.id(), "jobs", "job", data, h);
    }

    private static String pullUrl(String repo, Integer pr) {
        return repo != null && pr != null && REPO.matcher(repo).matches() ? "https://github.com/" + repo + "/pull/" + pr : null;
    }

    /** A review round's own facts: which round, on which pull request, and the job that opened that pull request. */
    private static void reviewRoundCard(Html h, Job job, PullRequestRounds pr) {
        if (!job.type().equals(Dashboard.REVISE_TYPE) || pr.pr() == null) {
            return;
        }
        JsonNode r = job.result();
        h.raw("<section class=\"card\" id=\"review-round\"><h2>Review round</h2><dl class=\"facts\">");
        fact(h, "Round", text(r, "round") != null ? text(r, "round") : job.status().isTerminal() ? "–" : "not started yet",
                "fact-round");
        h.raw("<dt>Pull request</dt><dd id=\"fact-round-pr\">");
        prLink(h, pullUrl(pr.repo(), pr.pr()), String.valueOf(pr.pr()));
        h.raw(" <span class=\"muted\">").text(pr.repo()).raw("</span></dd>");
        h.raw("<dt>Opened by</dt><dd id=\"fact-fix-job\">");
        if (pr.opener() != null) {
            h.raw("<a").attr("href", BASE + "/jobs/" + pr.opener().id()).raw(">").text("job #" + pr.opener().id()).raw("</a> ");
            badge(h, pr.opener().status(), false);
        } else {
            h.raw("<span class=\"muted\">").text("no job here opened this pull request (deleted, or another runner's)")
                    .raw("</span>");
        }
        h.raw("</dd>");
        fact(h, "Asked by", text(job.payload(), "trigger") == null ? null
                : text(job.payload(), "trigger") + (text(job.payload(), "requestedBy") == null ? ""
                        : " · " + text(job.payload(), "requestedBy")), "fact-round-trigger");
        h.raw("</dl></section>");
    }

    /** The job that opened a pull request lists the review rounds on it. */
    private static void reviewRoundsCard(Html h, PullRequestRounds pr, Instant now) {
        if (pr.rounds().isEmpty()) {
            return;
        }
        h.raw("<section class=\"card\" id=\"review-rounds\"><div class=\"card-head\"><h2>Review rounds</h2>")
                .raw("<span class=\"muted\">").text(pr.rounds().size() + (pr.rounds().size() == 1 ? " round" : " rounds")
                        + " on " + pr.repo() + "#" + pr.pr()).raw("</span></div>")
                .raw("<div class=\"table-wrap\"><table class=\"table\"><thead><tr><th>Job</th><th>Round</th><th>Status</th>")
                .raw("<th>Outcome</th><th class=\"num\">Commits</th><th>Asked by</th><th>Created</th></tr></thead><tbody>");
        for (PullRequestJobs.PullRequestJob j : pr.rounds()) {
            JsonNode r = j.result();
            JsonNode commits = r == null ? null : r.get("commits");
            String commitCount = commits == null || commits.isNull() ? "–"
                    : commits.isArray() ? String.valueOf(commits.size()) : commits.isNumber() ? commits.asText() : "–";
            String trigger = text(j.payload(), "trigger");
            String by = text(j.payload(), "requestedBy");
            h.raw("<tr").attr("data-job", j.id()).raw("><td><a").attr("href", BASE + "/jobs/" + j.id()).raw(">#").text(j.id())
                    .raw("</a></td><td>").text(text(r, "round") == null ? "–" : text(r, "round")).raw("</td><td>");
            badge(h, j.status(), false);
            h.raw("</td><td>").text(text(r, "outcome") == null ? "–" : text(r, "outcome")).raw("</td><td class=\"num\">")
                    .text(commitCount).raw("</td><td>").text(trigger == null ? "–" : trigger + (by == null ? "" : " · " + by))
                    .raw("</td><td class=\"nowrap\"><time").attr("datetime", j.createdAt()).raw(">")
                    .text(Format.ago(j.createdAt(), now)).raw("</time></td></tr>");
        }
        h.raw("</tbody></table></div></section>");
    }

    /** The job's model calls as its agent made them through the gateway: the last ones, with the totals of all. */
    private static void modelCallsCard(Html h, Job job, List<ModelCallRepository.StoredModelCall> calls,
                                       ModelCallRepository.Totals totals) {
        h.raw("<section class=\"card model-calls-card\" id=\"live-model-calls\" data-live><div class=\"card-head\">")
                .raw("<h2>Model calls</h2><span class=\"muted\" id=\"model-call-totals\">")
                .text(Format.number(totals.calls()) + (totals.calls() == 1 ? " call" : " calls"));
        if (totals.calls() > 0) {
            h.text(" · " + Format.number(totals.tokensIn()) + " tokens in · " + Format.number(totals.tokensOut()) + " out")
                    .text(totals.costUsd() == null ? " · cost unknown" : " · " + Format.callCost(totals.costUsd()));
        }
        h.raw("</span></div>");
        if (totals.calls() > calls.size()) {
            h.raw("<p class=\"note\">Showing the last ").text(Format.number(calls.size())).raw(" of ")
                    .text(Format.number(totals.calls())).raw(" calls; all of them: <code>GET /api/jobs/").text(job.id())
                    .raw("/model-calls</code>.</p>");
        }
        h.raw("<div class=\"table-wrap\"><table class=\"table model-calls\" id=\"model-calls\"><thead><tr><th>Time</th><th>Provider</th><th>Model</th>")
                .raw("<th class=\"num\">Tokens in</th><th class=\"num\">Tokens out</th><th class=\"num\">Cost</th>")
                .raw("<th class=\"num\">Status</th><th class=\"num\">Duration</th><th>Error</th></tr></thead><tbody>");
        if (calls.isEmpty()) {
            h.raw("<tr><td colspan=\"9\" class=\"empty\">")
                    .text(job.status().isTerminal() ? "This job made no model call through Roomote's gateway."
                            : "No model call yet; calls appear here as the agent makes them.")
                    .raw("</td></tr>");
        }
        for (ModelCallRepository.StoredModelCall stored : calls) {
            io.roomote.spi.ModelCall c = stored.call();
            h.raw("<tr").attr("data-call", stored.id()).attr("data-run", stored.run()).raw("><td class=\"nowrap\"><time")
                    .attr("datetime", c.at()).attr("title", Format.utc(c.at()) + " · run " + stored.run()).raw(">")
                    .text(Format.clock(c.at())).raw("</time></td><td>").text(c.provider() == null ? "–" : c.provider())
                    .raw("</td><td class=\"model\"><code>").text(c.model() == null ? "–" : c.model()).raw("</code></td><td class=\"num\">")
                    .text(c.tokensIn() == null ? "–" : Format.number(c.tokensIn())).raw("</td><td class=\"num\">")
                    .text(c.tokensOut() == null ? "–" : Format.number(c.tokensOut())).raw("</td><td class=\"num\">")
                    .text(c.costUsd() == null ? "–" : Format.callCost(c.costUsd())).raw("</td><td")
                    .attr("class", c.status() >= 400 || c.status() < 100 ? "num err" : "num").raw(">").text(c.status())
                    .raw("</td><td class=\"num\">").text(Format.duration(Duration.ofMillis(Math.max(0, c.durationMs()))))
                    .raw("</td><td class=\"call-error\">");
            if (c.error() != null) {
                h.raw("<span class=\"err\"").attr("title", Format.firstLine(c.error(), 2000)).raw(">")
                        .text(Format.firstLine(c.error(), 200)).raw("</span>");
            }
            h.raw("</td></tr>");
        }
        h.raw("</tbody></table></div></section>");
    }

    private static String safeLevel(String level) {
        return level == null ? "info" : level.toLowerCase(Locale.ROOT).replaceAll("[^a-z]", "");
    }

    private void actions(Html h, View v, Job job) {
        h.raw("<div class=\"actions\" id=\"actions\">");
        if (v.readOnly()) {
            h.raw("<span class=\"muted\">read-only</span></div>");
            return;
        }
        String base = BASE + "/jobs/" + job.id();
        if (job.status() == JobStatus.FAILED || job.status() == JobStatus.CANCELLED) {
            actionForm(h, v, base + "/retry", "Retry", "btn primary", "action-retry",
                    "Run job #" + job.id() + " again with a fresh set of attempts?");
        }
        if (!job.status().isTerminal() && !job.cancelRequested()) {
            actionForm(h, v, base + "/cancel", "Cancel", "btn warn", "action-cancel",
                    job.status() == JobStatus.PROCESSING ? "Stop job #" + job.id() + " while it runs?" : "Cancel job #" + job.id() + "? It will not run.");
        }
        if (job.status().isTerminal()) {
            actionForm(h, v, base + "/delete", "Delete", "btn danger ghost", "action-delete",
                    "Delete job #" + job.id() + " and its log? This cannot be undone.");
        }
        h.raw("</div>");
    }

    private static void actionForm(Html h, View v, String action, String label, String cls, String id, String confirm) {
        h.raw("<form class=\"inline\" method=\"post\"").attr("action", action).attr("data-confirm", confirm).raw(">");
        csrfField(h, v);
        h.raw("<button type=\"submit\"").attr("class", cls).attr("id", id).raw(">").text(label).raw("</button></form>");
    }

    private void resultCard(Html h, Job job, Instant now) {
        JsonNode r = job.result();
        h.raw("<section class=\"card\" id=\"summary\"><h2>Summary</h2><dl class=\"facts\">");
        String outcome = text(r, "outcome");
        fact(h, "Outcome", outcome != null ? outcome : switch (job.status()) {
            case COMPLETED -> "completed";
            case FAILED -> "failed";
            case CANCELLED -> "cancelled";
            default -> "not finished yet";
        }, "fact-outcome");
        String prUrl = Html.safeUrl(text(r, "prUrl"));
        if (prUrl != null) {
            h.raw("<dt>Pull request</dt><dd id=\"fact-pr\">");
            prLink(h, prUrl, text(r, "prNumber"));
            h.raw(" <span class=\"muted\">").text(prUrl).raw("</span></dd>");
        }
        fact(h, "Branch", text(r, "branch"), "fact-branch");
        fact(h, "WIP branch", text(r, "wipBranch"), "fact-wip-branch");
        if (r != null && (r.hasNonNull("tokensIn") || r.hasNonNull("tokensOut"))) {
            fact(h, "Tokens", Format.number(r.path("tokensIn").asLong()) + " in · "
                    + Format.number(r.path("tokensOut").asLong()) + " out", "fact-tokens");
        }
        if (r != null && r.path("costUsd").isNumber()) {
            fact(h, "Cost", Format.usd(r.path("costUsd").asDouble()), "fact-cost");
        }
        Duration ran = r != null && r.path("durationMs").canConvertToLong() && r.path("durationMs").isNumber()
                ? Duration.ofMillis(r.path("durationMs").asLong())
                : job.startedAt() != null && job.completedAt() != null ? Duration.between(job.startedAt(), job.completedAt())
                : job.status() == JobStatus.PROCESSING && job.startedAt() != null ? Duration.between(job.startedAt(), now) : null;
        if (ran != null) {
            fact(h, job.status() == JobStatus.PROCESSING ? "Running for" : "Duration", Format.duration(ran), "fact-duration");
        }
        fact(h, "Attempts", job.attempts() + " of " + job.maxAttempts(), "fact-attempts");
        if (job.leaseOwner() != null) {
            h.raw("<dt>Runner</dt><dd id=\"fact-runner\"><code>").text(job.leaseOwner()).raw("</code></dd>");
        }
        if (job.dedupeKey() != null) {
            h.raw("<dt>Dedupe key</dt><dd><code>").text(job.dedupeKey()).raw("</code></dd>");
        }
        h.raw("<dt>Enqueued id</dt><dd><code>").text(job.enqueuedJobId()).raw("</code></dd>");
        h.raw("</dl></section>");
    }

    private static void fact(Html h, String name, String value, String id) {
        if (value != null) {
            h.raw("<dt>").text(name).raw("</dt><dd").attr("id", id).raw(">").text(value).raw("</dd>");
        }
    }

    /** "run 2 · attempt 1 of 3 · failed": a log section's label. */
    private static String runLabel(JobSearchRepository.Run r, int number, Job job) {
        if (r == null) {
            return "run " + number;
        }
        return "run " + r.run() + " · attempt " + r.attempt() + " of " + job.maxAttempts()
                + (r.status() == null ? " · running" : " · " + r.status());
    }

    private void timelineCard(Html h, Job job, Instant now, List<JobSearchRepository.Run> runs) {
        h.raw("<section class=\"card\" id=\"timeline\"><h2>Timeline</h2><ol class=\"timeline\">");
        event(h, "Created", job.createdAt(), now, null, "done");
        if (runs.isEmpty()) {
            oldTimeline(h, job, now);
        } else {
            // Each run with its own times and outcome (a retry by hand starts the attempts again, not the runs).
            for (JobSearchRepository.Run r : runs) {
                event(h, "Run " + r.run() + " started (attempt " + r.attempt() + " of " + job.maxAttempts() + ")", r.startedAt(), now,
                        r.runner() == null ? null : "on " + r.runner(), "done run-start");
                if (r.finishedAt() != null) {
                    String note = "after " + Format.duration(Duration.between(r.startedAt(), r.finishedAt()))
                            + (r.error() != null ? ": " + Format.firstLine(r.error(), 160) : "");
                    event(h, "Run " + r.run() + " " + (r.status().equals("requeued") ? "ended; queued again" : r.status()),
                            r.finishedAt(), now, note, "end s-" + (r.status().equals("requeued") ? "pending" : r.status()));
                }
            }
            JobSearchRepository.Run last = runs.get(runs.size() - 1);
            if (job.status() == JobStatus.PROCESSING && job.heartbeatAt() != null) {
                event(h, "Last heartbeat", job.heartbeatAt(), now, job.cancelRequested() ? "cancel requested" : null, "now");
            } else if (job.status() == JobStatus.PENDING) {
                boolean future = job.runAt() != null && job.runAt().isAfter(now);
                event(h, future ? "Next run scheduled" : "Waiting for a worker", future ? job.runAt() : null, now,
                        job.attempts() > 0 ? job.attempts() + " of " + job.maxAttempts() + " attempts used"
                                : last.finishedAt() != null ? "retried by hand" : null, "todo");
            }
        }
        h.raw("</ol></section>");
    }

    /** Jobs with no recorded runs (from before runs were recorded, or never started): the job's own fields. */
    private void oldTimeline(Html h, Job job, Instant now) {
        if (job.runAt() != null && job.createdAt() != null && job.runAt().isAfter(job.createdAt().plusSeconds(1))) {
            boolean future = job.runAt().isAfter(now);
            event(h, future ? "Scheduled to run" : "Became runnable", job.runAt(), now,
                    job.status() == JobStatus.PENDING && job.attempts() > 0 ? "retry after a failed attempt" : null,
                    future ? "todo" : "done");
        }
        if (job.startedAt() != null) {
            event(h, "Started attempt " + job.attempts(), job.startedAt(), now,
                    job.runAt() != null && !job.startedAt().isBefore(job.runAt())
                            ? "picked up after " + Format.duration(Duration.between(job.runAt(), job.startedAt())) : null, "done");
        }
        if (job.status() == JobStatus.PROCESSING && job.heartbeatAt() != null) {
            event(h, "Last heartbeat", job.heartbeatAt(), now, job.cancelRequested() ? "cancel requested" : null, "now");
        }
        if (job.completedAt() != null) {
            event(h, "Finished: " + job.status().dbValue(), job.completedAt(), now,
                    job.startedAt() != null ? "after " + Format.duration(Duration.between(job.startedAt(), job.completedAt())) : null,
                    "end s-" + job.status().dbValue());
        } else if (job.status() == JobStatus.PENDING) {
            event(h, "Waiting for a worker", null, now, job.attempts() > 0 ? job.attempts() + " of " + job.maxAttempts() + " attempts used" : null, "todo");
        }
    }

    private static void event(Html h, String what, Instant at, Instant now, String note, String cls) {
        h.raw("<li").attr("class", cls).raw("><span class=\"what\">").text(what).raw("</span>");
        if (at != null) {
            h.raw("<time").attr("datetime", at).attr("title", Format.ago(at, now)).raw(">").text(Format.utc(at)).raw("</time>");
        }
        if (note != null) {
            h.raw("<span class=\"note\">").text(note).raw("</span>");
        }
        h.raw("</li>");
    }

    private String pretty(JsonNode node) {
        if (node == null) {
            return "";
        }
        try {
            return mapper.writerWithDefaultPrettyPrinter().writeValueAsString(node);
        } catch (JsonProcessingException e) {
            return node.toString();
        }
    }

    private static String text(JsonNode node, String field) {
        if (node == null || !node.isObject()) {
            return null;
        }
        JsonNode v = node.get(field);
        return v == null || v.isNull() || v.isContainerNode() ? null : v.asText();
    }

    // ------------------------------------------------------------------ login, errors

    String login(View v, String next, String error) {
        Html h = new Html();
        h.raw("<div class=\"login\"><section class=\"card login-card\"><h1>Sign in</h1>")
                .raw("<p class=\"muted\">Enter the API token of this Roomote (<code>ROOMOTE_API_TOKEN</code>).</p>");
        if (error != null) {
            h.raw("<div class=\"flash error\" role=\"alert\" id=\"login-error\">").text(error).raw("</div>");
        }
        h.raw("<form method=\"post\" id=\"login-form\"").attr("action", BASE + "/login").raw(">");
        csrfField(h, v);
        h.raw("<input type=\"hidden\" name=\"next\"").attr("value", next).raw(">")
                .raw("<label class=\"block\"><span>API token</span><input type=\"password\" name=\"token\" id=\"token\" ")
                .raw("autocomplete=\"current-password\" required autofocus></label>")
                .raw("<button type=\"submit\" class=\"btn primary wide\" id=\"sign-in\">Sign in</button></form>")
                .raw("<p class=\"note\">The token is exchanged for a session cookie (HttpOnly, SameSite=Strict); it is not stored in the browser.</p>")
                .raw("</section></div>");
        return layout(v, "Sign in", null, "login", Map.of(), h);
    }

    String error(View v, int status, String title, String message) {
        Html h = new Html();
        h.raw("<section class=\"card error-page\"><h1>").text(title).raw("</h1><p>").text(message).raw("</p>")
                .raw("<p><a class=\"btn ghost\"").attr("href", BASE).raw(">Back to the overview</a></p></section>");
        return layout(v, title, "overview", "error", Map.of("status", String.valueOf(status)), h);
    }

    /** A page that reloads itself: a cross-site navigation does not carry the SameSite=Strict cookie, a reload does. */
    String reload(View v, String target) {
        Html h = new Html();
        h.raw("<section class=\"card error-page\"><h1>Opening the dashboard…</h1><p><a id=\"continue\"").attr("href", target)
                .raw(">Continue</a></p></section>");
        return layout(v, "Opening", null, "reload", Map.of("reload", target), h);
    }
}
