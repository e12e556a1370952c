package io.roomote.runner.dashboard;

import org.assertj.core.api.AbstractIntegerAssert;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Helpers for the dashboard tests: a browser-like HTTP client with cookies, and rows written straight to SQL. */
final class DashboardTestSupport {

    private DashboardTestSupport() {
    }

    /** An HTTP client that keeps cookies like a browser and does not follow redirects. */
    static final class Browser {
        final String base;
        final CookieManager cookies = new CookieManager(null, CookiePolicy.ACCEPT_ALL);
        final HttpClient http;

        Browser(String base) {
            this.base = base;
            this.http = HttpClient.newBuilder().cookieHandler(cookies).followRedirects(HttpClient.Redirect.NEVER)
                    .connectTimeout(Duration.ofSeconds(5)).build();
        }

        HttpResponse<String> get(String path) {
            return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
        }

        Document page(String path) {
            HttpResponse<String> r = get(path);
            if (r.statusCode() != 200) {
                throw new AssertionError("GET " + path + " answered " + r.statusCode() + ": " + r.body());
            }
            return Jsoup.parse(r.body(), base + path);
        }

        HttpResponse<String> post(String path, Map<String, String> form, Map<String, String> headers) {
            StringBuilder body = new StringBuilder();
            for (Map.Entry<String, String> e : form.entrySet()) {
                if (body.length() > 0) {
                    body.append('&');
                }
                body.append(URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8)).append('=')
                        .append(URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8));
            }
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
            headers.forEach(b::header);
            return send(b);
        }

        HttpResponse<String> send(HttpRequest.Builder b) {
            try {
                return http.send(b.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        /** The CSRF token of the page (every page with a form carries it). */
        String csrf(String path) {
            return page(path).select("input[name=_csrf]").first().attr("value");
        }

        /** Signs in through the form; returns the final response of the sign-in POST. */
        HttpResponse<String> signIn(String token) {
            String csrf = csrf("/admin/queues/login");
            return post("/admin/queues/login", Map.of("_csrf", csrf, "token", token, "next", "/admin/queues"), Map.of());
        }

        String cookie(String name) {
            return cookies.getCookieStore().getCookies().stream().filter(c -> c.getName().equals(name))
                    .map(java.net.HttpCookie::getValue).findFirst().orElse(null);
        }
    }

    /**
     * An assertion on a response's status whose failure shows the whole answer (status, headers, body): a refusal
     * or a 500 on a CI machine then says why without the runner's log.
     */
    static AbstractIntegerAssert<?> assertStatus(HttpResponse<String> r) {
        return assertStatus(r, null);
    }

    /** {@link #assertStatus(HttpResponse)}, naming what the request was. */
    static AbstractIntegerAssert<?> assertStatus(HttpResponse<String> r, String what) {
        return assertThat(r.statusCode()).as(() -> (what == null ? "" : what + ": ") + describe(r));
    }

    /** The request line and the answer's status, headers and body (cut at 4000 characters). */
    static String describe(HttpResponse<String> r) {
        String body = r.body() == null ? "" : r.body();
        return r.request().method() + " " + r.request().uri().getRawPath() + " answered " + r.statusCode() + "\n"
                + "headers: " + r.headers().map() + "\n"
                + "body: " + (body.length() > 4000 ? body.substring(0, 4000) + "…" : body);
    }

    // --- SQL

    /** A job row to insert directly, bypassing the queue (any type, any status, any age). */
    static final class Row {
        String type = "github.issue.fix";
        String status = "completed";
        String payload = "{}";
        String result;
        String error;
        int attempts = 1;
        int maxAttempts = 3;
        String createdAgo = "10 minutes";
        String startedAgo;
        String completedAgo;
        /** When it may run, as an interval before now ("-2 hours" is two hours from now); null: created_at. */
        String runAtAgo;
        /** A lease of another runner, valid for an hour (processing rows that no runner here will reclaim). */
        String leaseOwner;

        static Row of(String type, String status, String payload) {
            Row r = new Row();
            r.type = type;
            r.status = status;
            r.payload = payload;
            if (!status.equals("pending")) {
                r.startedAgo = "9 minutes";
            }
            if (status.equals("completed") || status.equals("failed") || status.equals("cancelled")) {
                r.completedAgo = "5 minutes";
            }
            if (status.equals("pending")) {
                r.attempts = 0;
            }
            return r;
        }

        Row result(String json) {
            this.result = json;
            return this;
        }

        Row error(String e) {
            this.error = e;
            return this;
        }

        Row attempts(int a, int max) {
            this.attempts = a;
            this.maxAttempts = max;
            return this;
        }

        Row runAt(String ago) {
            this.runAtAgo = ago;
            return this;
        }

        Row leasedBy(String owner) {
            this.leaseOwner = owner;
            return this;
        }

        Row times(String created, String started, String completed) {
            this.createdAgo = created;
            this.startedAgo = started;
            this.completedAgo = completed;
            return this;
        }
    }

    static long insert(String jdbcUrl, Row r) {
        try (Connection c = DriverManager.getConnection(jdbcUrl)) {
            return insert(c, r);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    static long insert(Connection c, Row r) {
        String sql = "INSERT INTO cloud_jobs (type, status, payload, result, error, attempts, max_attempts, created_at, run_at,"
                + " started_at, completed_at, lease_owner, lease_token, lease_expires_at, heartbeat_at)"
                + " VALUES (?, ?, ?::jsonb, ?::jsonb, ?, ?, ?, now() - ?::interval, now() - ?::interval,"
                + " now() - ?::interval, now() - ?::interval, ?, CASE WHEN ?::text IS NULL THEN NULL ELSE 1 END,"
                + " CASE WHEN ?::text IS NULL THEN NULL ELSE now() + interval '1 hour' END,"
                + " CASE WHEN ?::text IS NULL THEN NULL ELSE now() - interval '4 seconds' END) RETURNING id";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, r.type);
            ps.setString(2, r.status);
            ps.setString(3, r.payload);
            ps.setString(4, r.result);
            ps.setString(5, r.error);
            ps.setInt(6, r.attempts);
            ps.setInt(7, r.maxAttempts);
            ps.setString(8, r.createdAgo);
            ps.setString(9, r.runAtAgo != null ? r.runAtAgo : r.createdAgo);
            ps.setString(10, r.startedAgo);
            ps.setString(11, r.completedAgo);
            for (int i = 12; i <= 15; i++) {
                ps.setString(i, r.leaseOwner);
            }
            long id;
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                id = rs.getLong(1);
            }
            asTheRunnerStoresIt(c, id);
            return id;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The labels and made link the runner stores for such a row (lists read those, not payload or result fields):
     * the fix types' labels (GitHubIssueFixJobType.labels, GitHubPrReviseJobType.labels) and a completed fix job's
     * pull request (FixJobDescription's made link), as the fix module's V3 migration fills them for older rows.
     */
    private static void asTheRunnerStoresIt(Connection c, long id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE cloud_jobs SET labels = CASE type"
                + " WHEN 'github.issue.fix' THEN jsonb_strip_nulls(jsonb_build_object('repo', payload ->> 'repo', 'issue', payload ->> 'issue'))"
                + " WHEN 'github.pr.revise' THEN jsonb_strip_nulls(jsonb_build_object('repo', payload ->> 'repo', 'pr', payload ->> 'pr'))"
                + " ELSE labels END,"
                + " made_url = CASE WHEN type = 'github.issue.fix' AND status = 'completed' THEN result ->> 'prUrl' END"
                + " WHERE id = ?")) {
            ps.setLong(1, id);
            ps.executeUpdate();
        }
    }

    static void log(String jdbcUrl, long jobId, int attempt, String level, String line, String ago) {
        exec(jdbcUrl, "INSERT INTO cloud_job_logs (job_id, attempt, level, line, logged_at) VALUES (?, ?, ?, ?, now() - ?::interval)",
                jobId, attempt, level, line, ago);
    }

    static void exec(String jdbcUrl, String sql, Object... args) {
        try (Connection c = DriverManager.getConnection(jdbcUrl); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            ps.execute();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    static List<Map<String, Object>> query(String jdbcUrl, String sql, Object... args) {
        try (Connection c = DriverManager.getConnection(jdbcUrl); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            List<Map<String, Object>> rows = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                        row.put(rs.getMetaData().getColumnLabel(i), rs.getObject(i));
                    }
                    rows.add(row);
                }
            }
            return rows;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    static String status(String jdbcUrl, long id) {
        List<Map<String, Object>> rows = query(jdbcUrl, "SELECT status FROM cloud_jobs WHERE id = ?", id);
        return rows.isEmpty() ? null : (String) rows.get(0).get("status");
    }

    /** Jobs per status straight from the table. */
    static Map<String, Long> countsByStatus(String jdbcUrl) {
        Map<String, Long> counts = new LinkedHashMap<>();
        for (String s : List.of("pending", "processing", "completed", "failed", "cancelled")) {
            counts.put(s, 0L);
        }
        for (Map<String, Object> row : query(jdbcUrl, "SELECT status, count(*) AS n FROM cloud_jobs GROUP BY status")) {
            counts.put((String) row.get("status"), ((Number) row.get("n")).longValue());
        }
        return counts;
    }

    /** A github.issue.fix payload. */
    static String issuePayload(String repo, int issue, String title) {
        return "{\"repo\":" + json(repo) + ",\"issue\":" + issue + ",\"title\":" + json(title) + ",\"body\":\"...\"}";
    }

    static String json(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                default -> sb.append(c);
            }
        }
        return sb.append('"').toString();
    }
}
