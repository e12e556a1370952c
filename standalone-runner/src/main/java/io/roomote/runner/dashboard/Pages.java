package io.roomote.runner.dashboard;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.roomote.controller.ControllerState;
import io.roomote.core.jobs.FinishedAs;
import io.roomote.core.jobs.Job;
import io.roomote.core.jobs.JobLogLine;
import io.roomote.core.jobs.JobStatus;
import io.roomote.core.store.JobSearchRepository;
import io.roomote.core.store.JobSearchRepository.Filter;
import io.roomote.core.store.JobSearchRepository.Page;
import io.roomote.core.store.JobSearchRepository.Summary;
import io.roomote.core.store.JobTypePauses;
import io.roomote.core.store.ModelCallRepository;
import io.roomote.core.store.PullRequestJobs;
import io.roomote.core.store.QueueStats;
import io.roomote.runner.dashboard.Views.ActionForm;
import io.roomote.runner.dashboard.Views.Badge;
import io.roomote.runner.dashboard.Views.Fact;
import io.roomote.runner.dashboard.Views.Frame;
import io.roomote.runner.dashboard.Views.Hidden;
import io.roomote.runner.dashboard.Views.JobRow;
import io.roomote.runner.dashboard.Views.PrLink;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static io.roomote.runner.dashboard.Dashboard.BASE;

/**
 * The dashboard's pages as view models ({@link Views}): what each page shows, worked out from the store's rows.
 * The markup is in the JTE templates ({@code src/main/jte}), which escape every value; nothing here writes HTML.
 */
final class Pages {

    private static final Pattern REPO = Pattern.compile("[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}");
    private static final Pattern DIGITS = Pattern.compile("\\d{1,10}");
    static final int LOG_TAIL = 1000;
    /** The job page shows at most the last this many model calls (the API pages through all of them). */
    static final int MODEL_CALLS_TAIL = 200;

    /**
     * What every page needs to know about the request. {@code liveRefresh}: the page's own script re-fetching it
     * for its live regions ({@link Dashboard#LIVE_REFRESH_HEADER}), which must not take the flash message meant for
     * the page the user is about to see.
     */
    record View(Sessions.Session session, boolean readOnly, boolean authEnabled, Instant now, String runner,
                String assetVersion, long startNanos, boolean liveRefresh) {
        String csrf() {
            return session == null ? "" : session.csrf();
        }
    }

    private final ObjectMapper mapper;

    Pages(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    // ------------------------------------------------------------------ frame

    private static Frame frame(View v, String title, String nav, String kind, Map<String, String> data) {
        String flash = v.session() == null || v.liveRefresh() ? null : v.session().takeFlash().orElse(null);
        return new Frame(v, title, nav, kind, flash, data.get("refresh"), data.get("active"), data.get("job"),
                data.get("status"), data.get("reload"));
    }

    // ------------------------------------------------------------------ overview

    Views.OverviewPage overview(View v, QueueStats stats, List<Summary> latest, List<Summary> failures,
                                Collection<String> types, List<JobTypePauses.Paused> paused) {
        return overview(v, stats, latest, failures, types, paused, Optional.empty());
    }

    Views.OverviewPage overview(View v, QueueStats stats, List<Summary> latest, List<Summary> failures,
                                Collection<String> types, List<JobTypePauses.Paused> paused,
                                Optional<ControllerState> controller) {
        Instant now = stats.at() != null ? stats.at() : v.now();

        // Counts: the active statuses, then finished jobs by how they ended (a skipped job is no failure)
        List<Views.CountCard> counts = new ArrayList<>();
        for (JobStatus s : new JobStatus[] {JobStatus.PENDING, JobStatus.PROCESSING}) {
            counts.add(countCard("s-" + s.dbValue(), BASE + "/jobs?status=" + s.dbValue(), "count-" + s.dbValue(),
                    label(s), s.dbValue(), null, stats.counts().get(s), statusHint(s, stats, now)));
        }
        for (FinishedAs f : FinishedAs.values()) {
            QueueStats.StatusCount c = stats.finished().getOrDefault(f, new QueueStats.StatusCount(0, false));
            counts.add(countCard("s-" + f.value(), BASE + "/jobs?outcome=" + f.value(), "finished-" + f.value(),
                    f.label(), null, f.value(), c, "+" + Format.number(stats.throughput().lastHour(f)) + " last hour"));
        }

        QueueStats.RunnerLoad local = stats.runners().stream().filter(QueueStats.RunnerLoad::local).findFirst().orElse(null);
        int busyAll = stats.runners().stream().mapToInt(QueueStats.RunnerLoad::busy).sum();
        long runnersBusy = stats.runners().stream().filter(r -> r.busy() > 0).count();
        boolean known = local != null && local.capacity() != null;
        Views.Workers workers = new Views.Workers(known, known ? local.busy() : 0, known ? local.capacity() : 0,
                known ? Math.max(1, local.capacity() - 1) : 0, busyAll, runnersBusy);

        QueueStats.Throughput t = stats.throughput();
        List<String> outcomes = new ArrayList<>();
        for (FinishedAs f : FinishedAs.values()) {
            if (t.lastHour(f) > 0) {
                outcomes.add(Format.number(t.lastHour(f)) + " " + f.label().toLowerCase(Locale.ROOT));
            }
        }

        QueueStats.Latency l = stats.latency();
        Views.Latency latency = new Views.Latency(l.sample(), Format.duration(l.pickupP50()),
                Format.duration(l.pickupP95()), Format.duration(l.runP50()), Format.duration(l.runP95()));

        Views.Oldest oldest = stats.oldestPendingAt() == null ? new Views.Oldest(null, null, null)
                : new Views.Oldest(Format.duration(Duration.between(stats.oldestPendingAt(), now)),
                        Format.utc(stats.oldestPendingAt()),
                        stats.oldestClaimableAt() == null ? null
                                : Format.duration(Duration.between(stats.oldestClaimableAt(), now)));

        List<Views.RunnerRow> runners = stats.runners().stream()
                .map(r -> Views.runner(r, r.lastHeartbeat() == null ? "–" : Format.ago(r.lastHeartbeat(), now)))
                .toList();

        return new Views.OverviewPage(frame(v, "Overview", "overview", "overview", Map.of("refresh", "5000")),
                Format.clock(now), counts, workers, controller.map(c -> controller(c, now)).orElse(null),
                Format.number(t.finishedLastHour()), sparkline(t.hourly()), outcomes, Format.number(t.finishedLastDay()),
                latency, oldest, runners, rows(latest, now), rows(failures, now), paused.size(),
                typeRows(v, types, paused, now), !v.readOnly());
    }

    private static Views.CountCard countCard(String cls, String href, String id, String label, String dataCount,
                                             String dataFinished, QueueStats.StatusCount c, String hint) {
        return new Views.CountCard("card stat " + cls, href, id, label, dataCount, dataFinished, !c.estimated(),
                c.estimated() ? "estimate from table statistics (exact up to "
                        + Format.number(JobSearchRepository.EXACT_COUNT_LIMIT) + ")" : null,
                c.estimated() ? "≈ " + Format.compact(c.value()) : Format.number(c.value()), hint);
    }

    /** The controller of the {@code controller} role: its single-job workers, failed starts and pause. */
    private static Views.Controller controller(ControllerState c, Instant now) {
        Duration backoff = c.backoffUntil() == null ? null : Duration.between(now, c.backoffUntil());
        return new Views.Controller(c.alive(), c.maxWorkers(), c.launcher(), c.starting(), c.pending(), c.launched(),
                c.failedStarts(), Format.utc(c.lastFailureAt()), c.lastFailure(),
                backoff == null ? null : Format.duration(backoff.isNegative() ? Duration.ZERO : backoff),
                c.backoffUntil() == null ? null : Format.utc(c.backoffUntil()));
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

    /** 24 hourly bars for inline SVG (no style attributes: the page's CSP allows none). */
    private static List<Views.Bar> sparkline(List<Long> hourly) {
        long max = Math.max(1, hourly.stream().mapToLong(Long::longValue).max().orElse(1));
        int hgt = 36;
        double bar = 240.0 / hourly.size();
        List<Views.Bar> bars = new ArrayList<>();
        for (int i = 0; i < hourly.size(); i++) {
            long n = hourly.get(i);
            double bh = n == 0 ? 1 : Math.max(2, (double) n / max * (hgt - 2));
            bars.add(new Views.Bar(fmt(i * bar + 1), fmt(hgt - bh), fmt(bar - 2), fmt(bh), n == 0,
                    (23 - i == 0 ? "this hour" : (23 - i) + " h ago") + ": " + n));
        }
        return bars;
    }

    private static String fmt(double d) {
        return String.format(Locale.ROOT, "%.1f", d);
    }

    /** Job types and whether runners claim them; pause and resume (stored in the database, for every runner). */
    private static List<Views.TypeRow> typeRows(View v, Collection<String> types, List<JobTypePauses.Paused> paused,
                                                Instant now) {
        Map<String, JobTypePauses.Paused> byType = new LinkedHashMap<>();
        paused.forEach(p -> byType.put(p.type(), p));
        TreeSet<String> all = new TreeSet<>(types);
        all.addAll(byType.keySet());
        List<Views.TypeRow> rows = new ArrayList<>();
        for (String t : all) {
            JobTypePauses.Paused p = byType.get(t);
            ActionForm action = null;
            if (!v.readOnly() && Dashboard.JOB_TYPE.matcher(t).matches()) {
                String path = BASE + "/types/" + URLEncoder.encode(t, StandardCharsets.UTF_8);
                action = p != null
                        ? new ActionForm(path + "/resume", "Resume", "btn primary small", "resume-" + t,
                                "Let every runner claim " + t + " jobs again?")
                        : new ActionForm(path + "/pause", "Pause", "btn ghost small", "pause-" + t,
                                "Stop every runner from claiming " + t + " jobs? Running jobs finish; pending ones wait.");
            }
            rows.add(new Views.TypeRow(t, p != null,
                    p == null ? null : Format.ago(p.since(), now) + (p.by() != null ? " by " + p.by() : ""), action));
        }
        return rows;
    }

    // ------------------------------------------------------------------ list

    Views.ListPage list(View v, Filter f, Page page, Map<JobStatus, QueueStats.StatusCount> counts,
                        Map<FinishedAs, QueueStats.StatusCount> finished, List<String> types, int limit, String error,
                        List<JobTypePauses.Paused> paused) {
        String sub = "Newest first" + (f.isEmpty() ? "" : " · filtered") + " · updated " + Format.clock(v.now())
                + " UTC · refreshes every 5 s";

        // Tabs per status, with the queue-wide counts
        List<Views.Tab> tabs = new ArrayList<>();
        long total = counts.values().stream().mapToLong(QueueStats.StatusCount::value).sum();
        boolean anyEstimate = counts.values().stream().anyMatch(QueueStats.StatusCount::estimated);
        tabs.add(tab("All", null, f, total, anyEstimate));
        for (JobStatus s : JobStatus.values()) {
            QueueStats.StatusCount c = counts.get(s);
            tabs.add(tab(label(s), s, f, c.value(), c.estimated()));
        }
        // Finished jobs by how they ended: a skipped job is no failure
        List<Views.Tab> outcomes = new ArrayList<>();
        for (FinishedAs o : FinishedAs.values()) {
            QueueStats.StatusCount c = finished.getOrDefault(o, new QueueStats.StatusCount(0, false));
            boolean active = f.finishedAs() == o;
            outcomes.add(new Views.Tab("tab" + (active ? " active" : "") + " s-" + o.value(), "outcome-" + o.value(),
                    BASE + "/jobs" + query(active ? f.withFinishedAs(null) : f.withFinishedAs(o), 0), finishedHint(o),
                    o.label(), c.estimated() ? "≈" + Format.compact(c.value()) : Format.compact(c.value())));
        }

        Views.FilterForm form = new Views.FilterForm(f.status() == null ? null : f.status().dbValue(),
                f.finishedAs() == null ? null : f.finishedAs().value(), f.text(), f.repo(), f.issue(),
                types.stream().map(t -> new Views.Option(t, t, t.equals(f.type()))).toList(),
                Stream.of(25, 50, 100, 200).map(n -> new Views.Option(String.valueOf(n), String.valueOf(n), n == limit))
                        .toList(),
                BASE + "/jobs" + (f.status() == null ? "" : "?status=" + f.status().dbValue()));

        String pausedNotice = f.type() != null && paused.stream().anyMatch(p -> p.type().equals(f.type()))
                ? f.type() + " is paused: no runner claims its jobs until it is resumed on the overview." : null;

        String q = query(f, limit);
        List<Views.PagerLink> pager = List.of(
                new Views.PagerLink("page-newest", "« Newest", page.newerCursor() != null ? BASE + "/jobs" + q : null),
                new Views.PagerLink("page-newer", "‹ Newer",
                        page.newerCursor() != null ? BASE + "/jobs" + q + sep(q) + "after=" + page.newerCursor() : null),
                new Views.PagerLink("page-older", "Older ›",
                        page.olderCursor() != null ? BASE + "/jobs" + q + sep(q) + "before=" + page.olderCursor() : null));

        // Refreshed like the overview: the rows, counts and pager, never the filter form being typed in.
        return new Views.ListPage(frame(v, "Jobs", "jobs", "list", Map.of("refresh", "5000")), sub, tabs, outcomes,
                form, error, pausedNotice, !v.readOnly() && error == null ? bulk(f) : List.of(),
                rows(page.jobs(), v.now()), f.isEmpty() ? "No jobs here yet." : "No job matches these filters.", pager);
    }

    /** Retry all failed / cancel all pending jobs of the current filter (its fields go along as hidden inputs). */
    private static List<ActionForm> bulk(Filter f) {
        boolean retry = (f.status() == null || f.status() == JobStatus.FAILED)
                && (f.finishedAs() == null || f.finishedAs().status() == JobStatus.FAILED);
        boolean cancel = (f.status() == null || f.status() == JobStatus.PENDING) && f.finishedAs() == null;
        String which = describe(f);
        List<Hidden> hidden = Stream.of(
                        new Hidden("type", f.type()), new Hidden("repo", f.repo()), new Hidden("issue", f.issue()),
                        new Hidden("q", f.text()), new Hidden("outcome", f.finishedAs() == null ? null : f.finishedAs().value()))
                .filter(h -> h.value() != null).toList();
        List<ActionForm> forms = new ArrayList<>();
        if (retry) {
            forms.add(new ActionForm(BASE + "/jobs/retry-failed", "Retry all failed", "btn primary small", "bulk-retry",
                    "Retry every failed job" + which + "? Each gets a fresh set of attempts.", hidden));
        }
        if (cancel) {
            forms.add(new ActionForm(BASE + "/jobs/cancel-pending", "Cancel all pending", "btn warn small", "bulk-cancel",
                    "Cancel every pending job" + which + "? They will not run.", hidden));
        }
        return forms;
    }

    /** " of type x in repo y ..." for a confirmation, or "" without filters. */
    static String describe(Filter f) {
        return (f.finishedAs() != null ? " that ended as " + f.finishedAs().label().toLowerCase(Locale.ROOT) : "")
                + (f.type() != null ? " of type " + f.type() : "")
                + (f.repo() != null ? " in " + f.repo() : "")
                + (f.issue() != null ? " for issue #" + f.issue() : "")
                + (f.text() != null ? " matching \"" + f.text() + '"' : "");
    }

    private static Views.Tab tab(String label, JobStatus s, Filter f, long count, boolean estimated) {
        Filter target = f.withFinishedAs(null).withStatus(s);
        boolean active = f.status() == s && f.finishedAs() == null;
        return new Views.Tab("tab" + (active ? " active" : "") + (s == null ? "" : " s-" + s.dbValue()),
                "tab-" + (s == null ? "all" : s.dbValue()), BASE + "/jobs" + query(target, 0), null, label,
                estimated ? "≈" + Format.compact(count) : Format.compact(count));
    }

    private static String sep(String q) {
        return q.isEmpty() ? "?" : "&";
    }

    /** The query string of a filter ("" when empty), without a cursor. */
    static String query(Filter f, int limit) {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("status", f.status() == null ? null : f.status().dbValue());
        params.put("outcome", f.finishedAs() == null ? null : f.finishedAs().value());
        params.put("type", f.type());
        params.put("repo", f.repo());
        params.put("issue", f.issue());
        params.put("q", f.text());
        params.put("limit", limit > 0 && limit != 50 ? String.valueOf(limit) : null);
        String q = params.entrySet().stream().filter(e -> e.getValue() != null)
                .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        return q.isEmpty() ? "" : "?" + q;
    }

    /**
     * The one place where the store's list rows become what the lists show. The subject ({@code repo#issue}) and
     * the pull request link come from the row's GitHub-shaped fields.
     */
    static List<JobRow> rows(List<Summary> jobs, Instant now) {
        return jobs.stream().map(j -> row(j, now)).toList();
    }

    static JobRow row(Summary j, Instant now) {
        boolean showError = j.error() != null && j.status() != JobStatus.COMPLETED;
        return new JobRow(j.id(), BASE + "/jobs/" + j.id(),
                j.repo() == null ? null : j.repo() + (j.issue() != null ? "#" + j.issue() : ""),
                j.title() == null ? "" : Format.firstLine(j.title(), 120), j.type(),
                j.wipBranch() == null ? null : Format.firstLine(j.wipBranch(), 120),
                j.branch() == null ? null : Format.firstLine(j.branch(), 120),
                statusOrOutcome(j), j.attempts(), j.maxAttempts(), String.valueOf(j.createdAt()),
                Format.utc(j.createdAt()), Format.ago(j.createdAt(), now), durationCell(j, now), j.outcome(),
                showError ? Format.firstLine(j.error(), 80) : null, Format.firstLine(j.error(), 400),
                Format.firstLine(j.error(), 120), j.status() == JobStatus.FAILED && j.error() != null,
                prLink(j.prUrl(), j.prNumber()));
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

    /** A link to a pull request, or null (shown as a dash) when the URL is not a plain http(s) one. */
    private static PrLink prLink(String url, String number) {
        String safe = SafeUrl.of(url);
        return safe == null ? null
                : new PrLink(safe, number != null && DIGITS.matcher(number).matches() ? "#" + number : "PR");
    }

    static Badge badge(JobStatus s, boolean cancelRequested) {
        return new Badge("badge s-" + s.dbValue(), s.dbValue(), null, null,
                cancelRequested && s == JobStatus.PROCESSING);
    }

    /** A finished job's badge says how it ended (its status in the tooltip); an active job's, its status. */
    static Badge statusOrOutcome(Summary j) {
        if (j.finishedAs() == null) {
            return badge(j.status(), j.cancelRequested());
        }
        return new Badge("badge s-" + j.finishedAs().value(), j.finishedAs().label().toLowerCase(Locale.ROOT),
                j.status().dbValue(), "status " + j.status().dbValue() + " · " + finishedHint(j.finishedAs()), false);
    }

    static String label(JobStatus s) {
        return s.dbValue().substring(0, 1).toUpperCase(Locale.ROOT) + s.dbValue().substring(1);
    }

    // ------------------------------------------------------------------ detail

    Views.JobPage detail(View v, Job job, List<JobLogLine> log, long totalLines, List<JobSearchRepository.Run> runs,
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

    Views.JobPage detail(View v, Job job, List<JobLogLine> log, long totalLines, List<JobSearchRepository.Run> runs,
                         List<ModelCallRepository.StoredModelCall> calls, ModelCallRepository.Totals callTotals,
                         PullRequestRounds pullRequest) {
        Instant now = v.now();
        boolean active = !job.status().isTerminal();
        String repo = text(job.payload(), "repo");
        String issue = text(job.payload(), "issue");
        String title = Stream.of(text(job.payload(), "title"), text(job.result(), "title"), text(job.payload(), "name"))
                .filter(Objects::nonNull).findFirst().orElse(null);
        String issueUrl = repo != null && issue != null && REPO.matcher(repo).matches() && DIGITS.matcher(issue).matches()
                ? "https://github.com/" + repo + "/issues/" + issue : null;
        FinishedAs ended = FinishedAs.of(job);
        Badge endedBadge = ended != null && !ended.value().equals(job.status().dbValue())
                ? new Badge("badge s-" + ended.value(), ended.label().toLowerCase(Locale.ROOT), null, finishedHint(ended), false)
                : null;

        Map<String, String> data = new LinkedHashMap<>();
        data.put("refresh", active ? "2000" : "0");
        data.put("active", String.valueOf(active));
        data.put("job", String.valueOf(job.id()));
        data.put("status", job.status().dbValue());
        return new Views.JobPage(frame(v, "Job #" + job.id(), "jobs", "job", data), job.id(),
                BASE + "/jobs?status=" + job.status().dbValue(), label(job.status()),
                badge(job.status(), job.cancelRequested()), endedBadge, job.type(),
                repo == null ? null : repo + (issue != null ? "#" + issue : ""), issueUrl,
                title == null ? null : Format.firstLine(title, 200), v.readOnly(), actions(job), facts(job, now),
                timeline(job, now, runs), reviewRound(job, pullRequest), reviewRounds(pullRequest, now), job.error(),
                log(job, log, totalLines, runs), modelCalls(job, calls, callTotals), pretty(job.payload()),
                job.result() == null ? "–" : pretty(job.result()));
    }

    private static List<ActionForm> actions(Job job) {
        String base = BASE + "/jobs/" + job.id();
        List<ActionForm> forms = new ArrayList<>();
        if (job.status() == JobStatus.FAILED || job.status() == JobStatus.CANCELLED) {
            forms.add(new ActionForm(base + "/retry", "Retry", "btn primary", "action-retry",
                    "Run job #" + job.id() + " again with a fresh set of attempts?"));
        }
        if (!job.status().isTerminal() && !job.cancelRequested()) {
            forms.add(new ActionForm(base + "/cancel", "Cancel", "btn warn", "action-cancel",
                    job.status() == JobStatus.PROCESSING ? "Stop job #" + job.id() + " while it runs?"
                            : "Cancel job #" + job.id() + "? It will not run."));
        }
        if (job.status().isTerminal()) {
            forms.add(new ActionForm(base + "/delete", "Delete", "btn danger ghost", "action-delete",
                    "Delete job #" + job.id() + " and its log? This cannot be undone."));
        }
        return forms;
    }

    /** The summary card's facts, in order; null values are left out. */
    private static List<Fact> facts(Job job, Instant now) {
        JsonNode r = job.result();
        List<Fact> facts = new ArrayList<>();
        String outcome = text(r, "outcome");
        facts.add(Fact.text("Outcome", outcome != null ? outcome : switch (job.status()) {
            case COMPLETED -> "completed";
            case FAILED -> "failed";
            case CANCELLED -> "cancelled";
            default -> "not finished yet";
        }, "fact-outcome"));
        String prUrl = SafeUrl.of(text(r, "prUrl"));
        if (prUrl != null) {
            facts.add(new Fact("Pull request", prUrl, "fact-pr", false, prLink(prUrl, text(r, "prNumber"))));
        }
        facts.add(Fact.text("Branch", text(r, "branch"), "fact-branch"));
        facts.add(Fact.text("WIP branch", text(r, "wipBranch"), "fact-wip-branch"));
        if (r != null && (r.hasNonNull("tokensIn") || r.hasNonNull("tokensOut"))) {
            facts.add(Fact.text("Tokens", Format.number(r.path("tokensIn").asLong()) + " in · "
                    + Format.number(r.path("tokensOut").asLong()) + " out", "fact-tokens"));
        }
        if (r != null && r.path("costUsd").isNumber()) {
            facts.add(Fact.text("Cost", Format.usd(r.path("costUsd").asDouble()), "fact-cost"));
        }
        Duration ran = r != null && r.path("durationMs").canConvertToLong() && r.path("durationMs").isNumber()
                ? Duration.ofMillis(r.path("durationMs").asLong())
                : job.startedAt() != null && job.completedAt() != null ? Duration.between(job.startedAt(), job.completedAt())
                : job.status() == JobStatus.PROCESSING && job.startedAt() != null ? Duration.between(job.startedAt(), now) : null;
        if (ran != null) {
            facts.add(Fact.text(job.status() == JobStatus.PROCESSING ? "Running for" : "Duration", Format.duration(ran),
                    "fact-duration"));
        }
        facts.add(Fact.text("Attempts", job.attempts() + " of " + job.maxAttempts(), "fact-attempts"));
        facts.add(new Fact("Runner", job.leaseOwner(), "fact-runner", true, null));
        facts.add(new Fact("Dedupe key", job.dedupeKey(), null, true, null));
        facts.add(new Fact("Enqueued id", Objects.requireNonNullElse(job.enqueuedJobId(), ""), null, true, null));
        return facts.stream().filter(f -> f.value() != null).toList();
    }

    /** "run 2 · attempt 1 of 3 · failed": a log section's label. */
    private static String runLabel(JobSearchRepository.Run r, int number, Job job) {
        if (r == null) {
            return "run " + number;
        }
        return "run " + r.run() + " · attempt " + r.attempt() + " of " + job.maxAttempts()
                + (r.status() == null ? " · running" : " · " + r.status());
    }

    private static List<Views.Event> timeline(Job job, Instant now, List<JobSearchRepository.Run> runs) {
        List<Views.Event> events = new ArrayList<>();
        events.add(event("Created", job.createdAt(), now, null, "done"));
        if (runs.isEmpty()) {
            oldTimeline(events, job, now);
            return events;
        }
        // Each run with its own times and outcome (a retry by hand starts the attempts again, not the runs).
        for (JobSearchRepository.Run r : runs) {
            events.add(event("Run " + r.run() + " started (attempt " + r.attempt() + " of " + job.maxAttempts() + ")",
                    r.startedAt(), now, r.runner() == null ? null : "on " + r.runner(), "done run-start"));
            if (r.finishedAt() != null) {
                String note = "after " + Format.duration(Duration.between(r.startedAt(), r.finishedAt()))
                        + (r.error() != null ? ": " + Format.firstLine(r.error(), 160) : "");
                events.add(event("Run " + r.run() + " " + (r.status().equals("requeued") ? "ended; queued again" : r.status()),
                        r.finishedAt(), now, note, "end s-" + (r.status().equals("requeued") ? "pending" : r.status())));
            }
        }
        JobSearchRepository.Run last = runs.get(runs.size() - 1);
        if (job.status() == JobStatus.PROCESSING && job.heartbeatAt() != null) {
            events.add(event("Last heartbeat", job.heartbeatAt(), now, job.cancelRequested() ? "cancel requested" : null, "now"));
        } else if (job.status() == JobStatus.PENDING) {
            boolean future = job.runAt() != null && job.runAt().isAfter(now);
            events.add(event(future ? "Next run scheduled" : "Waiting for a worker", future ? job.runAt() : null, now,
                    job.attempts() > 0 ? job.attempts() + " of " + job.maxAttempts() + " attempts used"
                            : last.finishedAt() != null ? "retried by hand" : null, "todo"));
        }
        return events;
    }

    /** Jobs with no recorded runs (from before runs were recorded, or never started): the job's own fields. */
    private static void oldTimeline(List<Views.Event> events, Job job, Instant now) {
        if (job.runAt() != null && job.createdAt() != null && job.runAt().isAfter(job.createdAt().plusSeconds(1))) {
            boolean future = job.runAt().isAfter(now);
            events.add(event(future ? "Scheduled to run" : "Became runnable", job.runAt(), now,
                    job.status() == JobStatus.PENDING && job.attempts() > 0 ? "retry after a failed attempt" : null,
                    future ? "todo" : "done"));
        }
        if (job.startedAt() != null) {
            events.add(event("Started attempt " + job.attempts(), job.startedAt(), now,
                    job.runAt() != null && !job.startedAt().isBefore(job.runAt())
                            ? "picked up after " + Format.duration(Duration.between(job.runAt(), job.startedAt())) : null, "done"));
        }
        if (job.status() == JobStatus.PROCESSING && job.heartbeatAt() != null) {
            events.add(event("Last heartbeat", job.heartbeatAt(), now, job.cancelRequested() ? "cancel requested" : null, "now"));
        }
        if (job.completedAt() != null) {
            events.add(event("Finished: " + job.status().dbValue(), job.completedAt(), now,
                    job.startedAt() != null ? "after " + Format.duration(Duration.between(job.startedAt(), job.completedAt())) : null,
                    "end s-" + job.status().dbValue()));
        } else if (job.status() == JobStatus.PENDING) {
            events.add(event("Waiting for a worker", null, now,
                    job.attempts() > 0 ? job.attempts() + " of " + job.maxAttempts() + " attempts used" : null, "todo"));
        }
    }

    private static Views.Event event(String what, Instant at, Instant now, String note, String cls) {
        return new Views.Event(what, at == null ? null : at.toString(), at == null ? null : Format.ago(at, now),
                Format.utc(at), note, cls);
    }

    private static String pullUrl(String repo, Integer pr) {
        return repo != null && pr != null && REPO.matcher(repo).matches() ? "https://github.com/" + repo + "/pull/" + pr : null;
    }

    /** A review round's own facts: which round, on which pull request, and the job that opened that pull request. */
    private static Views.ReviewRound reviewRound(Job job, PullRequestRounds pr) {
        if (!job.type().equals(Dashboard.REVISE_TYPE) || pr.pr() == null) {
            return null;
        }
        JsonNode r = job.result();
        Fact round = Fact.text("Round", text(r, "round") != null ? text(r, "round")
                : job.status().isTerminal() ? "–" : "not started yet", "fact-round");
        String trigger = text(job.payload(), "trigger");
        String by = text(job.payload(), "requestedBy");
        return new Views.ReviewRound(List.of(round), prLink(pullUrl(pr.repo(), pr.pr()), String.valueOf(pr.pr())),
                pr.repo(), pr.opener() == null ? null : "job #" + pr.opener().id(),
                pr.opener() == null ? null : BASE + "/jobs/" + pr.opener().id(),
                pr.opener() == null ? null : badge(pr.opener().status(), false),
                trigger == null ? null : Fact.text("Asked by", trigger + (by == null ? "" : " · " + by), "fact-round-trigger"));
    }

    /** The job that opened a pull request lists the review rounds on it. */
    private static Views.ReviewRounds reviewRounds(PullRequestRounds pr, Instant now) {
        if (pr.rounds().isEmpty()) {
            return null;
        }
        List<Views.RoundRow> rows = new ArrayList<>();
        for (PullRequestJobs.PullRequestJob j : pr.rounds()) {
            JsonNode r = j.result();
            JsonNode commits = r == null ? null : r.get("commits");
            String commitCount = commits == null || commits.isNull() ? "–"
                    : commits.isArray() ? String.valueOf(commits.size()) : commits.isNumber() ? commits.asText() : "–";
            String trigger = text(j.payload(), "trigger");
            String by = text(j.payload(), "requestedBy");
            rows.add(new Views.RoundRow(j.id(), BASE + "/jobs/" + j.id(),
                    text(r, "round") == null ? "–" : text(r, "round"), badge(j.status(), false),
                    text(r, "outcome") == null ? "–" : text(r, "outcome"), commitCount,
                    trigger == null ? "–" : trigger + (by == null ? "" : " · " + by), String.valueOf(j.createdAt()),
                    Format.ago(j.createdAt(), now)));
        }
        return new Views.ReviewRounds(pr.rounds().size() + (pr.rounds().size() == 1 ? " round" : " rounds")
                + " on " + pr.repo() + "#" + pr.pr(), rows);
    }

    /** The log tail, grouped by run under each run's label. */
    private static Views.Log log(Job job, List<JobLogLine> log, long totalLines, List<JobSearchRepository.Run> runs) {
        boolean active = !job.status().isTerminal();
        Map<Integer, JobSearchRepository.Run> runByNumber = new LinkedHashMap<>();
        runs.forEach(r -> runByNumber.put(r.run(), r));
        List<Views.LogRun> groups = new ArrayList<>();
        List<Views.LogLine> lines = null;
        int attempt = -1;
        for (JobLogLine line : log) {
            if (line.attempt() != attempt || lines == null) {
                attempt = line.attempt();
                lines = new ArrayList<>();
                groups.add(new Views.LogRun(attempt, runLabel(runByNumber.get(attempt), attempt, job), lines));
            }
            lines.add(new Views.LogLine("line lv-" + safeLevel(line.level()), line.seq(), Format.clock(line.loggedAt()),
                    line.line()));
        }
        long lastSeq = log.isEmpty() ? 0 : log.get(log.size() - 1).seq();
        return new Views.Log(active ? "live" : totalLines + (totalLines == 1 ? " line" : " lines"),
                BASE + "/jobs/" + job.id() + "/log.txt",
                totalLines > log.size() ? "Showing the last " + Format.number(log.size()) + " of "
                        + Format.number(totalLines) + " lines." : null,
                active ? BASE + "/jobs/" + job.id() + "/log/stream" : null, lastSeq, groups,
                active ? "No output yet; new lines appear here as the job writes them." : "This job wrote no log.");
    }

    private static String safeLevel(String level) {
        return level == null ? "info" : level.toLowerCase(Locale.ROOT).replaceAll("[^a-z]", "");
    }

    /** The job's model calls as its agent made them through the gateway: the last ones, with the totals of all. */
    private static Views.ModelCalls modelCalls(Job job, List<ModelCallRepository.StoredModelCall> calls,
                                               ModelCallRepository.Totals totals) {
        String sum = Format.number(totals.calls()) + (totals.calls() == 1 ? " call" : " calls");
        if (totals.calls() > 0) {
            sum += " · " + Format.number(totals.tokensIn()) + " tokens in · " + Format.number(totals.tokensOut()) + " out"
                    + (totals.costUsd() == null ? " · cost unknown" : " · " + Format.callCost(totals.costUsd()));
        }
        List<Views.CallRow> rows = new ArrayList<>();
        for (ModelCallRepository.StoredModelCall stored : calls) {
            io.roomote.spi.ModelCall c = stored.call();
            rows.add(new Views.CallRow(stored.id(), stored.run(), String.valueOf(c.at()),
                    Format.utc(c.at()) + " · run " + stored.run(), Format.clock(c.at()),
                    c.provider() == null ? "–" : c.provider(), c.model() == null ? "–" : c.model(),
                    c.tokensIn() == null ? "–" : Format.number(c.tokensIn()),
                    c.tokensOut() == null ? "–" : Format.number(c.tokensOut()),
                    c.costUsd() == null ? "–" : Format.callCost(c.costUsd()),
                    c.status() >= 400 || c.status() < 100 ? "num err" : "num", c.status(),
                    Format.duration(Duration.ofMillis(Math.max(0, c.durationMs()))),
                    Format.firstLine(c.error(), 200), Format.firstLine(c.error(), 2000)));
        }
        return new Views.ModelCalls(job.id(), sum, totals.calls() > calls.size() ? Format.number(calls.size()) : null,
                Format.number(totals.calls()), rows,
                job.status().isTerminal() ? "This job made no model call through Roomote's gateway."
                        : "No model call yet; calls appear here as the agent makes them.");
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

    Views.LoginPage login(View v, String next, String error) {
        return new Views.LoginPage(frame(v, "Sign in", null, "login", Map.of()), next, error);
    }

    Views.ErrorPage error(View v, int status, String title, String message) {
        return new Views.ErrorPage(frame(v, title, "overview", "error", Map.of("status", String.valueOf(status))),
                title, message);
    }

    /** A page that reloads itself: a cross-site navigation does not carry the SameSite=Strict cookie, a reload does. */
    Views.ReloadPage reload(View v, String target) {
        return new Views.ReloadPage(frame(v, "Opening", null, "reload", Map.of("reload", target)), target);
    }
}
