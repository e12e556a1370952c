package io.roomote.core.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.roomote.core.jobs.FinishedAs;
import io.roomote.core.jobs.JobStatus;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The read side of the queue dashboard: searches, counts and statistics over {@code cloud_jobs}, each built to
 * use an index so they stay fast with millions of rows (see docs/PERFORMANCE.md, "Dashboard"). Read-only;
 * every statement runs under a statement timeout so a pathological search cannot hold a connection.
 */
public final class JobSearchRepository {

    /** Counts of a status up to this many rows are exact; above it they are the planner's estimate. */
    public static final int EXACT_COUNT_LIMIT = 10_000;
    /** Longest a dashboard query may run. */
    public static final Duration STATEMENT_TIMEOUT = Duration.ofSeconds(5);
    public static final int MAX_LIMIT = 500;

    /**
     * The text a free-text search looks in: a job's title (its payload's, e.g. an issue's) or name, and its error. Must stay
     * identical to the expression of {@code cloud_jobs_search_trgm_idx} (V2 migration) for the index to be used.
     */
    static final String SEARCH_TEXT = "(coalesce(payload ->> 'title', payload ->> 'name', '') || ' ' || coalesce(error, ''))";
    /** The predicate of the trigram index; implied by any match, stated so the planner can use the index. */
    static final String SEARCH_PRESENT = "coalesce(payload ->> 'title', payload ->> 'name', error) IS NOT NULL";

    /**
     * How a finished job ended ({@link FinishedAs}), null while it has not. Must stay identical to the expression
     * of {@code cloud_jobs_finished_made_idx} (V10 migration) for the index to be used.
     */
    static final String FINISHED_AS = "(CASE"
            + " WHEN status = 'cancelled' THEN 'cancelled'"
            + " WHEN (result ->> 'outcome') IN ('skipped', 'no_changes', 'timed_out') THEN (result ->> 'outcome')"
            + " WHEN status = 'failed' AND error LIKE 'timed out after %' THEN 'timed_out'"
            + " WHEN status = 'completed' AND made_url IS NOT NULL THEN 'pr'"
            + " WHEN status = 'completed' THEN 'completed'"
            + " ELSE 'failed' END)";
    /** The predicate of that index. */
    static final String FINISHED = "status IN ('completed', 'failed', 'cancelled')";

    private static final Pattern ISSUE = Pattern.compile("\\d{1,10}");
    private static final String SUMMARY_COLUMNS = "id, type, status, attempts, max_attempts, created_at, started_at,"
            + " completed_at, run_at, lease_owner, cancel_requested,"
            + " left(labels ->> 'repo', 200) AS repo, left(labels ->> 'issue', 20) AS issue,"
            + " left(coalesce(payload ->> 'title', result ->> 'title', payload ->> 'name',"
            + "      CASE WHEN labels <> '{}'::jsonb THEN NULL ELSE left(payload::text, 200) END), 300) AS title,"
            + " left(result ->> 'outcome', 100) AS outcome, left(made_url, 500) AS pr_url,"
            + " left(result ->> 'prNumber', 20) AS pr_number, left(error, 400) AS error,"
            + " left(result ->> 'branch', 300) AS branch, left(result ->> 'wipBranch', 300) AS wip_branch,"
            + " CASE WHEN " + FINISHED + " THEN " + FINISHED_AS + " END AS finished_as";

    /**
     * What to list. Every field is optional (null or blank: no filter).
     *
     * @param repo  {@code owner/name} (exact, case-insensitive), or {@code owner} / {@code owner/} for every
     *              repository of an owner
     * @param issue an issue number
     * @param text  words to find in the title (or name) or the error, case-insensitive
     */
    public record Filter(JobStatus status, String type, String repo, String issue, String text, FinishedAs finishedAs) {
        public static final Filter ALL = new Filter(null, null, null, null, null, null);

        public Filter(JobStatus status, String type, String repo, String issue, String text) {
            this(status, type, repo, issue, text, null);
        }

        public Filter {
            type = blankToNull(type);
            repo = blankToNull(repo);
            issue = blankToNull(issue);
            text = blankToNull(text);
            if (issue != null && !ISSUE.matcher(issue).matches()) {
                throw new IllegalArgumentException("issue must be a number");
            }
            if (text != null && text.length() > 200) {
                throw new IllegalArgumentException("search text is at most 200 characters");
            }
            if (repo != null && repo.length() > 200) {
                throw new IllegalArgumentException("repository is at most 200 characters");
            }
        }

        /** The same filter for one status (null: any). */
        public Filter withStatus(JobStatus s) {
            return new Filter(s, type, repo, issue, text, finishedAs);
        }

        /**
         * The same filter for one way of ending (null: any). An outcome replaces the status filter: it implies a
         * finished job, whatever status its job type gave it.
         */
        public Filter withFinishedAs(FinishedAs f) {
            return new Filter(f == null ? status : null, type, repo, issue, text, f);
        }

        Filter withoutText() {
            return new Filter(status, type, repo, issue, null, finishedAs);
        }

        public boolean isEmpty() {
            return status == null && type == null && repo == null && issue == null && text == null && finishedAs == null;
        }
    }

    /**
     * One row of a list: what a table shows, without the (possibly large) payload and result documents.
     * {@code repo} and {@code issue} are the job's labels of those names ({@code JobType.labels}); {@code prUrl} is
     * the link of what it made ({@code made_url}, from {@code JobType.describe}); {@code outcome} and
     * {@code prNumber} come from the result and are null for types that do not give them; {@code title} is the payload's, else the result's (a fix
     * job enqueued as {@code {repo, issue}} records the issue's title there), else the payload's name, else the start
     * of the payload. {@code branch} and {@code wipBranch} come from the result.
     */
    public record Summary(long id, String type, JobStatus status, int attempts, int maxAttempts, Instant createdAt,
                          Instant startedAt, Instant completedAt, Instant runAt, String leaseOwner,
                          boolean cancelRequested, String repo, String issue, String title, String outcome,
                          String prUrl, String prNumber, String error, String branch, String wipBranch,
                          FinishedAs finishedAs) {
    }

    /**
     * A page of rows, newest first. {@code olderCursor} is the id to pass as {@code before} for the next (older)
     * page, null on the last page; {@code newerCursor} the id to pass as {@code after} for the previous (newer)
     * page, null on the first.
     */
    public record Page(List<Summary> jobs, Long olderCursor, Long newerCursor) {
    }

    private final Database database;
    private final ObjectMapper mapper;

    public JobSearchRepository(Database database, ObjectMapper mapper) {
        this.database = database;
        this.mapper = mapper;
    }

    /**
     * A page of jobs matching {@code filter}, newest first. Keyset pagination: {@code beforeId} gives the page
     * of jobs older than that id, {@code afterId} the page just newer than it; both null gives the newest page.
     */
    public Page search(Filter filter, Long beforeId, Long afterId, int limit) {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new IllegalArgumentException("limit must be between 1 and " + MAX_LIMIT);
        }
        boolean newer = afterId != null && beforeId == null;
        String order = newer ? " ORDER BY id ASC" : " ORDER BY id DESC";
        List<Object> args = new ArrayList<>();
        StringBuilder where = new StringBuilder(" WHERE true");
        where(filter.withoutText(), where, args);
        if (beforeId != null) {
            where.append(" AND id < ?");
            args.add(beforeId);
        } else if (afterId != null) {
            where.append(" AND id > ?");
            args.add(afterId);
        }
        List<Summary> rows = read("could not list jobs", c -> {
            if (filter.text() == null) {
                List<Object> all = new ArrayList<>(args);
                all.add(limit + 1);
                return summaries(c, "SELECT " + SUMMARY_COLUMNS + " FROM cloud_jobs" + where + order + " LIMIT ?", all);
            }
            // Text: first among the newest rows that pass the other filters (a common word is found there at once,
            // where the trigram index would return a huge bitmap to sort); when that window is exhausted without
            // enough matches, the trigram index finds the rare ones.
            String pattern = "%" + likeEscape(filter.text()) + "%";
            List<Object> windowArgs = new ArrayList<>(args);
            windowArgs.add(TEXT_WINDOW);
            windowArgs.add(pattern);
            windowArgs.add(limit + 1);
            List<Summary> found = summaries(c, "SELECT " + SUMMARY_COLUMNS + " FROM (SELECT * FROM cloud_jobs" + where + order
                    + " LIMIT ?) recent WHERE " + SEARCH_TEXT + " ILIKE ?" + order + " LIMIT ?", windowArgs);
            if (found.size() > limit || windowExhausted(c, where.toString(), args)) {
                return found;
            }
            List<Object> all = new ArrayList<>(args);
            all.add(pattern);
            all.add(limit + 1);
            return summaries(c, "SELECT " + SUMMARY_COLUMNS + " FROM cloud_jobs" + where + " AND " + SEARCH_PRESENT
                    + " AND " + SEARCH_TEXT + " ILIKE ?" + order + " LIMIT ?", all);
        });
        boolean more = rows.size() > limit;
        if (more) {
            rows = new ArrayList<>(rows.subList(0, limit));
        }
        if (newer) {
            Collections.reverse(rows);
        }
        if (rows.isEmpty()) {
            return new Page(List.of(), null, null);
        }
        long newest = rows.get(0).id();
        long oldest = rows.get(rows.size() - 1).id();
        Long older;
        Long newerCursor;
        if (newer) {
            newerCursor = more ? newest : null;
            older = oldest; // we came from there
        } else {
            older = more ? oldest : null;
            newerCursor = beforeId != null ? newest : null;
        }
        return new Page(List.copyOf(rows), older, newerCursor);
    }

    /** How many of the newest matching rows a text search looks through before it asks the trigram index. */
    static final int TEXT_WINDOW = 5_000;

    /** True when fewer than {@link #TEXT_WINDOW} rows pass the filters: the window saw all of them. */
    private static boolean windowExhausted(Connection c, String where, List<Object> args) throws SQLException {
        List<Object> a = new ArrayList<>(args);
        a.add(TEXT_WINDOW);
        try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM (SELECT 1 FROM cloud_jobs" + where
                + " LIMIT ?) w")) {
            bind(ps, a);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1) < TEXT_WINDOW;
            }
        }
    }

    private static List<Summary> summaries(Connection c, String sql, List<Object> args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, args);
            List<Summary> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(summary(rs));
                }
            }
            return out;
        }
    }

    private static void where(Filter f, StringBuilder sql, List<Object> args) {
        if (f.status() != null) {
            sql.append(" AND status = ?");
            args.add(f.status().dbValue());
        }
        if (f.finishedAs() != null) {
            sql.append(" AND " + FINISHED + " AND " + FINISHED_AS + " = ?");
            args.add(f.finishedAs().value());
        }
        if (f.type() != null) {
            sql.append(" AND type = ?");
            args.add(f.type());
        }
        if (f.repo() != null) {
            String repo = f.repo().trim().toLowerCase(Locale.ROOT);
            // The "repo" label (JobType.labels), through cloud_jobs_repo_label_idx (V10).
            if (repo.contains("/") && !repo.endsWith("/")) {
                sql.append(" AND (labels ->> 'repo') IS NOT NULL AND lower(labels ->> 'repo') = ?");
                args.add(repo);
            } else {
                String owner = repo.endsWith("/") ? repo.substring(0, repo.length() - 1) : repo;
                sql.append(" AND (labels ->> 'repo') IS NOT NULL AND lower(labels ->> 'repo') LIKE ?");
                args.add(likeEscape(owner) + "/%");
            }
        }
        if (f.issue() != null) {
            // The "issue" label, through the labels' GIN index (V10).
            sql.append(" AND labels @> jsonb_build_object('issue', ?::text)");
            args.add(String.valueOf(Long.parseLong(f.issue())));
        }
    }

    /**
     * Jobs per status. Each status is counted exactly up to {@link #EXACT_COUNT_LIMIT} rows (an index-only scan
     * of at most that many entries of {@code cloud_jobs_status_id_idx}); above that the planner's estimate from
     * the table statistics is used and marked as such, so the cost stays flat however large the table grows.
     */
    public Map<JobStatus, QueueStats.StatusCount> counts() {
        return read("could not count jobs", this::counts);
    }

    private Map<JobStatus, QueueStats.StatusCount> counts(Connection c) throws SQLException {
        Map<JobStatus, QueueStats.StatusCount> counts = new EnumMap<>(JobStatus.class);
        String sql = "SELECT s.status, (SELECT count(*) FROM (SELECT 1 FROM cloud_jobs j WHERE j.status = s.status"
                + " LIMIT " + (EXACT_COUNT_LIMIT + 1) + ") capped) FROM unnest(?::text[]) AS s(status)";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setArray(1, c.createArrayOf("text", Arrays.stream(JobStatus.values()).map(JobStatus::dbValue).toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    counts.put(JobStatus.fromDb(rs.getString(1)), new QueueStats.StatusCount(rs.getLong(2), false));
                }
            }
        }
        for (Map.Entry<JobStatus, QueueStats.StatusCount> e : counts.entrySet()) {
            if (e.getValue().value() > EXACT_COUNT_LIMIT) {
                long estimate = Math.max(EXACT_COUNT_LIMIT + 1L, estimate(c, e.getKey()));
                e.setValue(new QueueStats.StatusCount(estimate, true));
            }
        }
        return counts;
    }

    /**
     * Finished jobs by how they ended ({@link FinishedAs}), each exact up to {@link #EXACT_COUNT_LIMIT} (a scan of
     * at most that many entries of {@code cloud_jobs_finished_made_idx}), the planner's estimate above.
     */
    public Map<FinishedAs, QueueStats.StatusCount> finishedCounts() {
        return read("could not count finished jobs", this::finishedCounts);
    }

    private Map<FinishedAs, QueueStats.StatusCount> finishedCounts(Connection c) throws SQLException {
        Map<FinishedAs, QueueStats.StatusCount> counts = new EnumMap<>(FinishedAs.class);
        String sql = "SELECT f.v, (SELECT count(*) FROM (SELECT 1 FROM cloud_jobs WHERE " + FINISHED + " AND "
                + FINISHED_AS + " = f.v LIMIT " + (EXACT_COUNT_LIMIT + 1) + ") capped) FROM unnest(?::text[]) AS f(v)";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setArray(1, c.createArrayOf("text", Arrays.stream(FinishedAs.values()).map(FinishedAs::value).toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    counts.put(FinishedAs.parse(rs.getString(1)), new QueueStats.StatusCount(rs.getLong(2), false));
                }
            }
        }
        for (Map.Entry<FinishedAs, QueueStats.StatusCount> e : counts.entrySet()) {
            if (e.getValue().value() > EXACT_COUNT_LIMIT) {
                // The value is an enum constant, not user input.
                long estimate = Math.max(EXACT_COUNT_LIMIT + 1L, planRows(c, "SELECT 1 FROM cloud_jobs WHERE " + FINISHED
                        + " AND " + FINISHED_AS + " = '" + e.getKey().value() + "'"));
                e.setValue(new QueueStats.StatusCount(estimate, true));
            }
        }
        return counts;
    }

    /** The planner's row estimate for one status (from pg_statistic, scaled to the table's current size). */
    private long estimate(Connection c, JobStatus status) throws SQLException {
        // The value is an enum constant, not user input.
        return planRows(c, "SELECT 1 FROM cloud_jobs WHERE status = '" + status.dbValue() + "'");
    }

    private long planRows(Connection c, String query) throws SQLException {
        String sql = "EXPLAIN (FORMAT JSON) " + query;
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            if (!rs.next()) {
                return 0;
            }
            try {
                JsonNode plan = mapper.readTree(rs.getString(1));
                return Math.round(plan.path(0).path("Plan").path("Plan Rows").asDouble());
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new SQLException("unreadable EXPLAIN output", e);
            }
        }
    }

    /**
     * Everything the overview shows, read in one go.
     *
     * @param localOwner    this process's runner id (its lease owner), or null when it runs no workers
     * @param localCapacity this process's {@code MAX_WORKERS}, or null
     */
    public QueueStats stats(String localOwner, Integer localCapacity) {
        return read("could not read queue statistics", c -> {
            Map<JobStatus, QueueStats.StatusCount> counts = counts(c);
            Map<FinishedAs, QueueStats.StatusCount> finished = finishedCounts(c);
            List<QueueStats.RunnerLoad> runners = runners(c, localOwner, localCapacity);
            QueueStats.Throughput throughput = throughput(c);
            QueueStats.Latency latency = latency(c);
            Instant oldestPending = null;
            Instant oldestClaimable = null;
            Instant now = null;
            try (PreparedStatement ps = c.prepareStatement("SELECT"
                    + " (SELECT created_at FROM cloud_jobs WHERE status = 'pending' ORDER BY id LIMIT 1),"
                    + " (SELECT run_at FROM cloud_jobs WHERE status = 'pending' AND run_at <= now() ORDER BY run_at, id LIMIT 1),"
                    + " now()");
                 ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    oldestPending = instant(rs.getTimestamp(1));
                    oldestClaimable = instant(rs.getTimestamp(2));
                    now = instant(rs.getTimestamp(3));
                }
            }
            return new QueueStats(counts, finished, runners, throughput, latency, oldestPending, oldestClaimable, now);
        });
    }

    private static List<QueueStats.RunnerLoad> runners(Connection c, String localOwner, Integer localCapacity)
            throws SQLException {
        List<QueueStats.RunnerLoad> runners = new ArrayList<>();
        boolean localSeen = false;
        try (PreparedStatement ps = c.prepareStatement("SELECT lease_owner, count(*), max(heartbeat_at) FROM cloud_jobs"
                + " WHERE status = 'processing' AND lease_owner IS NOT NULL GROUP BY lease_owner ORDER BY lease_owner");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                String owner = rs.getString(1);
                boolean local = owner.equals(localOwner);
                localSeen |= local;
                runners.add(new QueueStats.RunnerLoad(owner, rs.getInt(2), local ? localCapacity : null,
                        instant(rs.getTimestamp(3)), local));
            }
        }
        if (localOwner != null && !localSeen) {
            runners.add(0, new QueueStats.RunnerLoad(localOwner, 0, localCapacity, null, true));
        } else if (localSeen) {
            runners.sort((a, b) -> Boolean.compare(b.local(), a.local()));
        }
        return runners;
    }

    /**
     * Two statements on {@code cloud_jobs_completed_at_idx}: per-hour counts over 24 hours read only
     * {@code completed_at} (an index-only scan), and only the last hour is split by status (heap reads of that
     * hour's rows).
     */
    private static QueueStats.Throughput throughput(Connection c) throws SQLException {
        long[] hourly = new long[24];
        Map<FinishedAs, Long> lastHour = new EnumMap<>(FinishedAs.class);
        try (PreparedStatement ps = c.prepareStatement("SELECT least(23, floor(date_part('epoch', now() - completed_at) / 3600))::int,"
                + " count(*) FROM cloud_jobs WHERE completed_at > now() - interval '24 hours' GROUP BY 1");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                hourly[23 - Math.max(0, rs.getInt(1))] += rs.getLong(2);
            }
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT " + FINISHED_AS + ", count(*) FROM cloud_jobs"
                + " WHERE completed_at > now() - interval '1 hour' AND " + FINISHED + " GROUP BY 1");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                lastHour.put(FinishedAs.parse(rs.getString(1)), rs.getLong(2));
            }
        }
        List<Long> buckets = new ArrayList<>(24);
        long day = 0;
        for (long n : hourly) {
            buckets.add(n);
            day += n;
        }
        return new QueueStats.Throughput(Map.copyOf(lastHour), day, List.copyOf(buckets));
    }

    private static QueueStats.Latency latency(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT count(*),"
                + " percentile_cont(0.5) WITHIN GROUP (ORDER BY greatest(0, date_part('epoch', started_at - run_at))),"
                + " percentile_cont(0.95) WITHIN GROUP (ORDER BY greatest(0, date_part('epoch', started_at - run_at))),"
                + " percentile_cont(0.5) WITHIN GROUP (ORDER BY greatest(0, date_part('epoch', completed_at - started_at))),"
                + " percentile_cont(0.95) WITHIN GROUP (ORDER BY greatest(0, date_part('epoch', completed_at - started_at)))"
                + " FROM cloud_jobs WHERE completed_at > now() - interval '1 hour' AND started_at IS NOT NULL"
                + " AND status IN ('completed', 'failed')");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            int n = rs.getInt(1);
            return new QueueStats.Latency(n, seconds(rs, 2), seconds(rs, 3), seconds(rs, 4), seconds(rs, 5));
        }
    }

    private static Duration seconds(ResultSet rs, int column) throws SQLException {
        double s = rs.getDouble(column);
        return rs.wasNull() ? null : Duration.ofMillis(Math.round(s * 1000));
    }

    /**
     * The job types that occur in the table, at most {@code max}: a loose index scan over
     * {@code cloud_jobs_type_id_idx}, one index probe per distinct type.
     */
    public List<String> types(int max) {
        String sql = "WITH RECURSIVE t(type) AS (SELECT min(type) FROM cloud_jobs"
                + " UNION ALL SELECT (SELECT min(j.type) FROM cloud_jobs j WHERE j.type > t.type) FROM t WHERE t.type IS NOT NULL)"
                + " SELECT type FROM t WHERE type IS NOT NULL LIMIT ?";
        return read("could not list job types", c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setInt(1, max);
                List<String> types = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        types.add(rs.getString(1));
                    }
                }
                return types;
            }
        });
    }

    /**
     * One run of a job ({@code cloud_job_runs}, V7): its number (grows across retries by hand), the job's attempt
     * number during it, the runner, its times, and how it ended ({@code completed}, {@code failed},
     * {@code cancelled}, {@code requeued}; null while it runs).
     */
    public record Run(int run, int attempt, String runner, Instant startedAt, Instant finishedAt, String status,
                      String error) {
    }

    /** The runs of a job, oldest first (at most the last 100). */
    public List<Run> runs(long jobId) {
        String sql = "SELECT * FROM (SELECT run, attempt, runner, started_at, finished_at, status, left(error, 400)"
                + " FROM cloud_job_runs WHERE job_id = ? ORDER BY run DESC LIMIT 100) r ORDER BY run";
        return read("could not read the runs of job " + jobId, c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setLong(1, jobId);
                List<Run> runs = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        runs.add(new Run(rs.getInt(1), rs.getInt(2), rs.getString(3), instant(rs.getTimestamp(4)),
                                instant(rs.getTimestamp(5)), rs.getString(6), rs.getString(7)));
                    }
                }
                return runs;
            }
        });
    }

    // --- plumbing ---

    @FunctionalInterface
    private interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    /** Runs read-only work in one transaction with the statement timeout. */
    private <T> T read(String what, Work<T> work) {
        try (Connection c = database.connection()) {
            c.setAutoCommit(false);
            try {
                try (Statement st = c.createStatement()) {
                    st.execute("SET LOCAL statement_timeout = " + STATEMENT_TIMEOUT.toMillis());
                }
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            if ("57014".equals(e.getSQLState())) {
                throw new QueryTimeoutException(what + ": it took longer than " + STATEMENT_TIMEOUT.toSeconds()
                        + " s; narrow it down (status, type, repository)", e);
            }
            throw new StoreException(what, e);
        }
    }

    /** A dashboard query ran into {@link #STATEMENT_TIMEOUT}. */
    public static final class QueryTimeoutException extends StoreException {
        private static final long serialVersionUID = 1L;

        QueryTimeoutException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private static void bind(PreparedStatement ps, List<Object> args) throws SQLException {
        for (int i = 0; i < args.size(); i++) {
            ps.setObject(i + 1, args.get(i));
        }
    }

    private static Summary summary(ResultSet rs) throws SQLException {
        return new Summary(rs.getLong("id"), rs.getString("type"), JobStatus.fromDb(rs.getString("status")),
                rs.getInt("attempts"), rs.getInt("max_attempts"), instant(rs.getTimestamp("created_at")),
                instant(rs.getTimestamp("started_at")), instant(rs.getTimestamp("completed_at")),
                instant(rs.getTimestamp("run_at")), rs.getString("lease_owner"), rs.getBoolean("cancel_requested"),
                rs.getString("repo"), rs.getString("issue"), rs.getString("title"), rs.getString("outcome"),
                rs.getString("pr_url"), rs.getString("pr_number"), rs.getString("error"), rs.getString("branch"),
                rs.getString("wip_branch"), FinishedAs.fromDb(rs.getString("finished_as")));
    }

    private static Instant instant(Timestamp ts) {
        return ts == null ? null : ts.toInstant();
    }

    static String likeEscape(String s) {
        return s.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }
}
