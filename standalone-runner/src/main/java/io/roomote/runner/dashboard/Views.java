package io.roomote.runner.dashboard;

import io.roomote.core.store.QueueStats;

import java.util.List;
import java.util.Locale;

/**
 * What the templates in {@code src/main/jte} print: one record per page and per repeated piece. {@link Pages}
 * builds them from the store's rows; the templates only choose markup and call {@link Format}. Every String here
 * may hold attacker-controlled text (issue titles, payloads, logs, errors): the templates print it with
 * {@code ${...}}, which JTE escapes for the context (element text or quoted attribute).
 */
final class Views {

    private Views() {
    }

    /** A page: the template that renders it ({@code name.jte}, parameter {@code page}) and the frame around it. */
    interface PageModel {
        String template();

        Frame frame();
    }

    /**
     * The frame of every page ({@code layout.jte}): title, navigation, the flash message, and the {@code data-*}
     * attributes of {@code <body>} that dashboard.js reads (null ones are left out).
     */
    record Frame(Pages.View view, String title, String nav, String kind, String flash, String refresh, String active,
                 String job, String status, String reload) {

        String csrf() {
            return view.csrf();
        }

        boolean signedIn() {
            return view.session() != null && view.session().signedIn();
        }

        /** The runner's name is shown to those allowed in: everyone without sign-in, else signed-in users. */
        boolean insider() {
            return !view.authEnabled() || signedIn();
        }

        /** Read by the footer, the last thing rendered. */
        String renderedMillis() {
            return String.format(Locale.ROOT, "%.1f", (System.nanoTime() - view.startNanos()) / 1e6);
        }
    }

    /** A POST button with its own form (the CSRF token comes from the frame); {@code confirm} is asked first. */
    record ActionForm(String action, String label, String cls, String id, String confirm, List<Hidden> hidden) {
        ActionForm(String action, String label, String cls, String id, String confirm) {
            this(action, label, cls, id, confirm, List.of());
        }
    }

    record Hidden(String name, String value) {
    }

    /** A status badge; {@code dataStatus} and {@code title} only for a finished job's outcome badge. */
    record Badge(String cls, String text, String dataStatus, String title, boolean stopping) {
    }

    /** A link to a pull request (a checked http(s) URL), or null for a dash. */
    record PrLink(String href, String text) {
    }

    /**
     * One job in a list: the list page's table, and the overview's latest jobs and failures. {@code subject} is
     * "owner/name#12" (null without one); {@code error} the list's short error (null for a completed job),
     * {@code shortError} the overview's, {@code errorTitle} their tooltip; {@code showFailure}: a failed job with
     * an error, whose error the overview shows instead of its type.
     */
    record JobRow(long id, String href, String subject, String title, String type, String wipBranch, String branch,
                  Badge badge, int attempts, int maxAttempts, String createdAt, String createdUtc, String createdAgo,
                  String duration, String outcome, String error, String errorTitle, String shortError,
                  boolean showFailure, PrLink pr) {
    }

    // ------------------------------------------------------------------ overview

    record CountCard(String cls, String href, String id, String label, String dataCount, String dataFinished,
                     boolean exact, String estimateTitle, String value, String hint) {
    }

    record Workers(boolean local, int busy, int capacity, int high, int busyAll, long runnersBusy) {
        String runnersWord() {
            return runnersBusy == 1 ? " runner" : " runners";
        }
    }

    record Controller(int alive, int maxWorkers, String launcher, int starting, int pending, long launched,
                      long failedStarts, String lastFailureAt, String lastFailure, String backoffFor,
                      String backoffUntil) {
    }

    record Bar(String x, String y, String width, String height, boolean zero, String title) {
    }

    /** The latency card; {@code sample == 0} when no job ran in the last hour. */
    record Latency(long sample, String p50, String p95, String runP50, String runP95) {
    }

    /** The oldest pending job; {@code since} null when nothing waits, {@code runnableFor} null when all wait for a retry. */
    record Oldest(String waiting, String since, String runnableFor) {
    }

    record RunnerRow(String owner, boolean local, int busy, String capacity, String heartbeat) {
    }

    record TypeRow(String type, boolean paused, String pausedNote, ActionForm action) {
    }

    record OverviewPage(Frame frame, String updated, List<CountCard> counts, Workers workers, Controller controller,
                        String finishedLastHour, List<Bar> spark, List<String> outcomesLastHour, String finishedLastDay,
                        Latency latency, Oldest oldest, List<RunnerRow> runners, List<JobRow> latest,
                        List<JobRow> failures, int pausedCount, List<TypeRow> types, boolean cleanForm)
            implements PageModel {
        @Override
        public String template() {
            return "overview.jte";
        }
    }

    // ------------------------------------------------------------------ list

    record Tab(String cls, String id, String href, String title, String label, String count) {
    }

    record Option(String value, String label, boolean selected) {
    }

    record PagerLink(String id, String label, String href) {
    }

    /** The filter form's current values (null: not set). */
    record FilterForm(String status, String outcome, String q, String repo, String issue, List<Option> types,
                      List<Option> limits, String clearHref) {
    }

    record ListPage(Frame frame, String sub, List<Tab> tabs, List<Tab> outcomes, FilterForm filter, String error,
                    String pausedNotice, List<ActionForm> bulk, List<JobRow> rows, String empty,
                    List<PagerLink> pager) implements PageModel {
        @Override
        public String template() {
            return "list.jte";
        }
    }

    // ------------------------------------------------------------------ job

    /** A fact of a job; with {@code pr}, the value is shown muted beside the link. */
    record Fact(String name, String value, String id, boolean code, PrLink pr) {
        static Fact text(String name, String value, String id) {
            return new Fact(name, value, id, false, null);
        }
    }

    record Event(String what, String at, String atTitle, String atText, String note, String cls) {
    }

    record ReviewRound(List<Fact> before, PrLink pr, String repo, String opener, String openerHref, Badge openerBadge,
                       Fact trigger) {
    }

    record RoundRow(long id, String href, String round, Badge badge, String outcome, String commits, String askedBy,
                    String createdAt, String createdAgo) {
    }

    record ReviewRounds(String heading, List<RoundRow> rows) {
    }

    record LogLine(String cls, long seq, String clock, String text) {
    }

    /** The log lines of one run, under its label. */
    record LogRun(int attempt, String label, List<LogLine> lines) {
    }

    record Log(String state, String download, String shownNote, String stream, long after, List<LogRun> runs,
               String empty) {
    }

    record CallRow(long id, int run, String at, String title, String clock, String provider, String model,
                   String tokensIn, String tokensOut, String cost, String statusCls, int status, String duration,
                   String error, String errorTitle) {
    }

    record ModelCalls(long jobId, String totals, String shown, String total, List<CallRow> rows, String empty) {
    }

    record JobPage(Frame frame, long id, String statusHref, String statusLabel, Badge badge, Badge finishedAs,
                   String type, String subject, String issueUrl, String title, boolean readOnly,
                   List<ActionForm> actions, List<Fact> facts, List<Event> timeline, ReviewRound reviewRound,
                   ReviewRounds reviewRounds, String error, Log log, ModelCalls modelCalls, String payload,
                   String result) implements PageModel {
        @Override
        public String template() {
            return "job.jte";
        }
    }

    // ------------------------------------------------------------------ sign-in, errors

    record LoginPage(Frame frame, String next, String error) implements PageModel {
        @Override
        public String template() {
            return "login.jte";
        }
    }

    record ErrorPage(Frame frame, String title, String message) implements PageModel {
        @Override
        public String template() {
            return "error.jte";
        }
    }

    record ReloadPage(Frame frame, String target) implements PageModel {
        @Override
        public String template() {
            return "reload.jte";
        }
    }

    static RunnerRow runner(QueueStats.RunnerLoad r, String heartbeat) {
        return new RunnerRow(r.owner(), r.local(), r.busy(), r.capacity() == null ? "unknown" : String.valueOf(r.capacity()),
                heartbeat);
    }
}
