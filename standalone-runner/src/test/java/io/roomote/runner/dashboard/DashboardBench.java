package io.roomote.runner.dashboard;

import io.roomote.core.testing.TestDatabases;
import io.roomote.runner.RoomoteService;
import io.roomote.runner.RunnerFixture;
import io.roomote.runner.dashboard.DashboardTestSupport.Browser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Dashboard benchmark, run by hand ({@code bench/dashboard-bench.sh}), not a timed unit test: bulk-inserts
 * {@code roomote.bench.rows} jobs (default 1,000,000) with {@code generate_series}, then requests each page
 * through HTTP and reads the server time from the {@code Server-Timing} header. Writes a Markdown report to
 * {@code target/dashboard-bench.md}.
 */
@EnabledIfSystemProperty(named = "roomote.bench.dashboard", matches = "true")
class DashboardBench {

    private static final Pattern SERVER_TIMING = Pattern.compile("db;dur=([0-9.]+), app;dur=([0-9.]+)");

    @TempDir
    Path home;

    @Test
    void pagesAtScale() throws Exception {
        int rows = Integer.getInteger("roomote.bench.rows", 1_000_000);
        int warmup = Integer.getInteger("roomote.bench.warmup", 10);
        int runs = Integer.getInteger("roomote.bench.runs", 40);
        String db = TestDatabases.freshJdbcUrl();
        StringBuilder report = new StringBuilder();
        try (RunnerFixture runner = new RunnerFixture(home, Map.of("DATABASE_URL", db, "DASHBOARD_PORT", "0"),
                RoomoteService.Role.API)) {
            long t0 = System.nanoTime();
            long sample = load(db, rows);
            double loadSeconds = (System.nanoTime() - t0) / 1e9;

            Map<String, String> pages = new LinkedHashMap<>();
            pages.put("Overview", "/admin/queues");
            pages.put("Jobs, first page (all)", "/admin/queues/jobs");
            pages.put("Jobs, completed", "/admin/queues/jobs?status=completed");
            pages.put("Jobs, failed", "/admin/queues/jobs?status=failed");
            pages.put("Jobs, pending", "/admin/queues/jobs?status=pending");
            pages.put("Jobs, type example.hello", "/admin/queues/jobs?type=example.hello");
            pages.put("Jobs, repository", "/admin/queues/jobs?repo=org7/repo47");
            pages.put("Jobs, owner prefix", "/admin/queues/jobs?repo=org7");
            pages.put("Jobs, repository + issue", "/admin/queues/jobs?repo=org7/repo47&issue=4047");
            pages.put("Jobs, issue only", "/admin/queues/jobs?issue=4047");
            pages.put("Jobs, text (rare)", "/admin/queues/jobs?q=needle-777");
            pages.put("Jobs, text (common)", "/admin/queues/jobs?q=discount");
            pages.put("Jobs, page 10,000 deep", "/admin/queues/jobs?before=" + (rows / 2));
            pages.put("Job detail (2,000 log lines)", "/admin/queues/jobs/" + sample);

            Browser b = new Browser(runner.base());
            report.append("Machine: ").append(Runtime.getRuntime().availableProcessors()).append(" CPUs, load average ")
                    .append(String.format(Locale.ROOT, "%.1f", java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                            .getSystemLoadAverage())).append(" at the start. ");
            report.append("Rows: ").append(String.format(Locale.ROOT, "%,d", rows)).append(" (loaded in ")
                    .append(String.format(Locale.ROOT, "%.0f", loadSeconds)).append(" s); ").append(warmup)
                    .append(" warm-up + ").append(runs).append(" measured requests per page, one at a time.\n\n")
                    .append("| Page | Server median | Server p95 | Server max | of which database (median) | Request median (client) |\n")
                    .append("|---|---:|---:|---:|---:|---:|\n");
            for (Map.Entry<String, String> page : pages.entrySet()) {
                for (int i = 0; i < warmup; i++) {
                    time(b, page.getValue());
                }
                List<Double> server = new ArrayList<>();
                List<Double> database = new ArrayList<>();
                List<Double> client = new ArrayList<>();
                for (int i = 0; i < runs; i++) {
                    double[] t = time(b, page.getValue());
                    server.add(t[0]);
                    database.add(t[2]);
                    client.add(t[1]);
                }
                report.append("| ").append(page.getKey()).append(" (`").append(page.getValue()).append("`) | ")
                        .append(ms(pct(server, 50))).append(" | ").append(ms(pct(server, 95))).append(" | ")
                        .append(ms(pct(server, 100))).append(" | ").append(ms(pct(database, 50))).append(" | ")
                        .append(ms(pct(client, 50))).append(" |\n");
            }
            report.append("\nThe overview's statements one by one (median of 20, psql-like, no HTTP):\n\n")
                    .append("| Statement | Median |\n|---|---:|\n");
            String[][] overview = {
                {"counts, capped at 10,001 per status", "SELECT s.status, (SELECT count(*) FROM (SELECT 1 FROM cloud_jobs j"
                        + " WHERE j.status = s.status LIMIT 10001) c) FROM unnest(ARRAY['pending','processing','completed','failed','cancelled']) s(status)"},
                {"estimate of one large status (EXPLAIN)", "EXPLAIN (FORMAT JSON) SELECT 1 FROM cloud_jobs WHERE status = 'completed'"},
                {"runners (processing by lease owner)", "SELECT lease_owner, count(*), max(heartbeat_at) FROM cloud_jobs"
                        + " WHERE status = 'processing' AND lease_owner IS NOT NULL GROUP BY lease_owner"},
                {"finished per hour, 24 h", "SELECT least(23, floor(date_part('epoch', now() - completed_at) / 3600))::int, count(*)"
                        + " FROM cloud_jobs WHERE completed_at > now() - interval '24 hours' GROUP BY 1"},
                {"finished last hour by status", "SELECT status, count(*) FROM cloud_jobs WHERE completed_at > now() - interval '1 hour' GROUP BY 1"},
                {"pickup latency / run time percentiles", "SELECT count(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY"
                        + " date_part('epoch', started_at - run_at)) FROM cloud_jobs WHERE completed_at > now() - interval '1 hour'"
                        + " AND started_at IS NOT NULL AND status IN ('completed', 'failed')"},
                {"oldest pending", "SELECT (SELECT created_at FROM cloud_jobs WHERE status = 'pending' ORDER BY id LIMIT 1),"
                        + " (SELECT run_at FROM cloud_jobs WHERE status = 'pending' AND run_at <= now() ORDER BY run_at, id LIMIT 1)"},
                {"latest 8 jobs", "SELECT id, payload ->> 'repo', payload ->> 'title' FROM cloud_jobs ORDER BY id DESC LIMIT 9"},
                {"recent failures", "SELECT id, payload ->> 'repo', error FROM cloud_jobs WHERE status = 'failed' ORDER BY id DESC LIMIT 6"}};
            for (String[] q : overview) {
                report.append("| ").append(q[0]).append(" | ").append(ms(sqlMedian(db, q[1], 20))).append(" |\n");
            }
            report.append("\nCounts by status, the two ways (median of 20):\n\n")
                    .append("| Query | Median |\n|---|---:|\n");
            report.append("| exact `SELECT status, count(*) FROM cloud_jobs GROUP BY status` | ")
                    .append(ms(sqlMedian(db, "SELECT status, count(*) FROM cloud_jobs GROUP BY status", 20))).append(" |\n");
            report.append("| dashboard: exact up to 10,000 per status, planner estimate above | ")
                    .append(ms(sqlMedian(db, "SELECT s.status, (SELECT count(*) FROM (SELECT 1 FROM cloud_jobs j WHERE j.status = s.status"
                            + " LIMIT 10001) c) FROM unnest(ARRAY['pending','processing','completed','failed','cancelled']) s(status)", 20)))
                    .append(" + one EXPLAIN per large status |\n");
            report.append("\nPlans (EXPLAIN ANALYZE, first lines):\n\n```\n");
            for (String[] q : new String[][] {
                    {"repository", "SELECT id FROM cloud_jobs WHERE lower(payload ->> 'repo') = 'org7/repo47' ORDER BY id DESC LIMIT 51"},
                    {"owner prefix", "SELECT id FROM cloud_jobs WHERE lower(payload ->> 'repo') LIKE 'org7/%' ORDER BY id DESC LIMIT 51"},
                    {"issue", "SELECT id FROM cloud_jobs WHERE (payload ->> 'issue') = '4047' ORDER BY id DESC LIMIT 51"},
                    {"text (rare)", "SELECT id FROM cloud_jobs WHERE coalesce(payload ->> 'title', payload ->> 'name', error) IS NOT NULL"
                            + " AND (coalesce(payload ->> 'title', payload ->> 'name', '') || ' ' || coalesce(error, '')) ILIKE '%needle-777%'"
                            + " ORDER BY id DESC LIMIT 51"},
                    {"failed page", "SELECT id FROM cloud_jobs WHERE status = 'failed' ORDER BY id DESC LIMIT 51"},
                    {"finished per hour, 24 h", "SELECT least(23, floor(date_part('epoch', now() - completed_at) / 3600))::int,"
                            + " count(*) FROM cloud_jobs WHERE completed_at > now() - interval '24 hours' GROUP BY 1"}}) {
                report.append("-- ").append(q[0]).append('\n').append(plan(db, q[1])).append('\n');
            }
            report.append("```\n");
        }
        Path out = Path.of("target/dashboard-bench.md");
        Files.writeString(out, report.toString());
        System.out.println(report);
        assertThat(report).contains("Overview");
    }

    /** [server ms (Server-Timing app), client ms, database ms (Server-Timing db)]. */
    private static double[] time(Browser b, String path) {
        long start = System.nanoTime();
        HttpResponse<String> r = b.get(path);
        double client = (System.nanoTime() - start) / 1e6;
        if (r.statusCode() != 200) {
            throw new AssertionError(path + " answered " + r.statusCode());
        }
        Matcher m = SERVER_TIMING.matcher(r.headers().firstValue("Server-Timing").orElse(""));
        if (!m.find()) {
            throw new AssertionError(path + " has no Server-Timing header");
        }
        return new double[] {Double.parseDouble(m.group(2)), client, Double.parseDouble(m.group(1))};
    }

    /**
     * A queue with history: 30 days of jobs, 60 % github.issue.fix over 200 repositories of 40 owners, 40 %
     * example.hello; 97 % completed, 2 % failed, 0.9 % cancelled, 1,000 pending, 200 processing. Returns a job
     * with 2,000 log lines.
     */
    private static long load(String db, int rows) throws SQLException, IOException {
        try (Connection c = DriverManager.getConnection(db); Statement st = c.createStatement()) {
            st.execute("SET synchronous_commit = off");
            st.execute("SET maintenance_work_mem = '256MB'");
            // Secondary indexes are rebuilt after the load, as one would for a bulk import (much faster).
            List<String> indexes = new ArrayList<>();
            try (ResultSet rs = st.executeQuery("SELECT indexdef FROM pg_indexes WHERE tablename = 'cloud_jobs'"
                    + " AND indexname <> 'cloud_jobs_pkey'")) {
                while (rs.next()) {
                    indexes.add(rs.getString(1));
                }
            }
            for (String def : indexes) {
                st.execute("DROP INDEX " + def.replaceFirst("^CREATE (UNIQUE )?INDEX (\\S+) .*$", "$2"));
            }
            st.execute("INSERT INTO cloud_jobs (type, status, payload, result, error, attempts, max_attempts,"
                    + " created_at, run_at, started_at, completed_at, lease_owner, lease_token, lease_expires_at, heartbeat_at)"
                    + " SELECT t.type, t.status,"
                    + "  CASE WHEN t.type = 'github.issue.fix' THEN jsonb_build_object('repo', 'org' || (g % 40) || '/repo' || (g % 200),"
                    + "       'issue', 1000 + g % 5000, 'title', (ARRAY['Login button does nothing on Safari', 'Crash when uploading a large PNG',"
                    + "       'Typo in the onboarding email', 'Pagination skips the last page', 'Checkout ignores the discount code',"
                    + "       'Date picker ignores the locale', 'Dark mode: unreadable headers', 'Search is case-sensitive'])[1 + g % 8]"
                    + "       || CASE WHEN g % 100000 = 777 THEN ' needle-777' ELSE '' END, 'body', 'Steps to reproduce: ...')"
                    + "  ELSE jsonb_build_object('name', 'user' || g, 'seconds', g % 10) END,"
                    + "  CASE WHEN t.status = 'completed' AND t.type = 'github.issue.fix' THEN jsonb_build_object('outcome', 'pr_opened',"
                    + "       'prUrl', 'https://github.com/org' || (g % 40) || '/repo' || (g % 200) || '/pull/' || g, 'prNumber', g,"
                    + "       'costUsd', 0.42, 'tokensIn', 50000, 'tokensOut', 4000, 'durationMs', 240000)"
                    + "       WHEN t.status = 'completed' THEN jsonb_build_object('greeting', 'Hello, user' || g || '!') END,"
                    + "  CASE WHEN t.status = 'failed' THEN 'agent exited with code 1: the tests still fail' END,"
                    + "  CASE WHEN t.status = 'pending' THEN 0 ELSE 1 END, 3,"
                    + "  t.created, t.created,"
                    + "  CASE WHEN t.status <> 'pending' THEN t.created + interval '20 seconds' END,"
                    + "  CASE WHEN t.status IN ('completed', 'failed', 'cancelled') THEN t.created + interval '260 seconds' END,"
                    + "  CASE WHEN t.status = 'processing' THEN 'runner-' || (g % 8) END,"
                    + "  CASE WHEN t.status = 'processing' THEN g END,"
                    + "  CASE WHEN t.status = 'processing' THEN now() + interval '1 day' END,"
                    + "  CASE WHEN t.status = 'processing' THEN now() END"
                    + " FROM generate_series(1, " + rows + ") g,"
                    + " LATERAL (SELECT CASE WHEN g % 5 < 3 THEN 'github.issue.fix' ELSE 'example.hello' END AS type,"
                    + "   CASE WHEN g > " + rows + " - 1000 THEN 'pending' WHEN g > " + rows + " - 1200 THEN 'processing'"
                    + "        WHEN g % 100 < 2 THEN 'failed' WHEN g % 1000 < 9 AND g % 100 >= 2 THEN 'cancelled' ELSE 'completed' END AS status,"
                    + "   now() - (" + rows + " - g) * (interval '30 days' / " + rows + ") - interval '5 minutes' AS created) t");
            for (String def : indexes) {
                st.execute(def);
            }
            long sample;
            try (ResultSet rs = st.executeQuery("SELECT max(id) FROM cloud_jobs WHERE status = 'completed'")) {
                rs.next();
                sample = rs.getLong(1);
            }
            st.execute("INSERT INTO cloud_job_logs (job_id, attempt, level, line, logged_at) SELECT " + sample
                    + ", 1, 'info', 'step ' || i || ': the agent is working on it', now() - interval '4 minutes' + i * interval '100 ms'"
                    + " FROM generate_series(1, 2000) i");
            st.execute("VACUUM ANALYZE cloud_jobs");
            st.execute("VACUUM ANALYZE cloud_job_logs");
            return sample;
        }
    }

    private static String plan(String db, String sql) throws SQLException {
        StringBuilder sb = new StringBuilder();
        try (Connection c = DriverManager.getConnection(db); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("EXPLAIN (ANALYZE, COSTS OFF) " + sql)) {
            int n = 0;
            while (rs.next() && n++ < 6) {
                sb.append(rs.getString(1)).append('\n');
            }
        }
        return sb.toString();
    }

    private static double sqlMedian(String db, String sql, int runs) throws SQLException {
        List<Double> times = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(db); Statement st = c.createStatement()) {
            for (int i = 0; i < runs + 3; i++) {
                long start = System.nanoTime();
                try (ResultSet rs = st.executeQuery(sql)) {
                    while (rs.next()) {
                        rs.getObject(1);
                    }
                }
                if (i >= 3) {
                    times.add((System.nanoTime() - start) / 1e6);
                }
            }
        }
        return pct(times, 50);
    }

    private static double pct(List<Double> values, int p) {
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(Double::compare);
        int i = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
    }

    private static String ms(double v) {
        return String.format(Locale.ROOT, "%.1f ms", v);
    }
}
