package io.roomote.runner.dashboard;

import io.roomote.core.testing.TestDatabases;
import io.roomote.runner.RoomoteService;
import io.roomote.runner.RunnerFixture;
import io.roomote.runner.dashboard.DashboardTestSupport.Browser;
import io.roomote.runner.dashboard.DashboardTestSupport.Row;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Attribute;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

import static io.roomote.runner.dashboard.DashboardTestSupport.assertStatus;
import static io.roomote.runner.dashboard.DashboardTestSupport.exec;
import static io.roomote.runner.dashboard.DashboardTestSupport.insert;
import static io.roomote.runner.dashboard.DashboardTestSupport.issuePayload;
import static io.roomote.runner.dashboard.DashboardTestSupport.json;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every template that prints job or request text prints it inert: text that closes an attribute and adds an event
 * handler ({@code "onmouseover=}), or opens a script, shows as what it is on the overview (latest jobs, failures),
 * the job list (rows, filter form, bulk forms, type select, errors), the job page (head, summary facts, timeline,
 * error, log, payload and result) and the sign-in page. Real: the runner, its dashboard and PostgreSQL; the jobs
 * are rows written straight to SQL, as a job type would leave them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DashboardEscapingTest {

    static final String TOKEN = "dashboard-escaping-token-0123456789abcdef";
    /** Breaks out of a double-quoted attribute. */
    static final String ATTR = "\" onmouseover=\"alert(1)\" data-evil=\"";
    /** Breaks out of a single-quoted attribute. */
    static final String SINGLE = "' onfocus='alert(2)' data-evil='";
    static final String SCRIPT = "<script>alert(3)</script>";
    static final String TAG = "<img src=x onerror=alert(4)>";
    static final String TITLE = "Title " + ATTR + SCRIPT;
    static final String ERROR = "boom " + ATTR + TAG + "\nsecond line " + SINGLE;
    static final String LOG = "</div></pre>" + SCRIPT + ATTR;

    @TempDir
    static Path home;

    private String db;
    private RunnerFixture runner;
    private long failed;

    @BeforeAll
    void start() {
        db = TestDatabases.freshJdbcUrl();
        runner = new RunnerFixture(home, Map.of("DATABASE_URL", db, "ROOMOTE_API_TOKEN", TOKEN, "HOST", "127.0.0.1"),
                RoomoteService.Role.API);
        failed = insert(db, Row.of("github.issue.fix", "failed", issuePayload("o/r" + ATTR, 7, TITLE))
                .result("{\"outcome\":" + json(SCRIPT + ATTR) + ",\"branch\":" + json("b" + ATTR + TAG)
                        + ",\"wipBranch\":" + json("w" + SINGLE) + ",\"prUrl\":\"https://example.com/pull/5\""
                        + ",\"prNumber\":" + json("5" + ATTR) + "}")
                .error(ERROR));
        DashboardTestSupport.log(db, failed, 1, "info\"><script>", LOG, "1 minute");
        DashboardTestSupport.log(db, failed, 1, "info", "\u001b[31mred\u001b[0m \u0007", "1 minute");
        exec(db, "INSERT INTO cloud_job_runs (job_id, run, attempt, runner, started_at, finished_at, status, error)"
                + " VALUES (?, 1, 1, ?, now() - interval '9 minutes', now() - interval '5 minutes', 'failed', ?)",
                failed, "runner" + ATTR, ERROR);
        // A type name no job type would take: the list's type column and its type select print it.
        insert(db, Row.of("evil" + ATTR, "pending", "{\"name\":" + json(SCRIPT) + "}"));
    }

    @AfterAll
    void stop() {
        runner.close();
    }

    private Browser signedIn() {
        Browser b = new Browser(runner.base());
        assertStatus(b.signIn(TOKEN)).isEqualTo(303);
        return b;
    }

    /** A page as the browser parses it: no script but the dashboard's own, no tag or handler from the data. */
    private static Document inert(HttpResponse<String> r, String path) {
        assertStatus(r, path).isIn(200, 401);
        // In element text a double quote is harmless and stays as it is; '<' never appears unescaped.
        assertThat(r.body()).as(path).doesNotContain(SCRIPT).doesNotContain(TAG);
        Document doc = Jsoup.parse(r.body());
        assertThat(doc.select("script")).as(path + ": only the dashboard's own script").allSatisfy(s ->
                assertThat(s.attr("src")).startsWith("/admin/queues/static/dashboard.js"));
        assertThat(doc.select("img")).as(path).isEmpty();
        for (Element e : doc.getAllElements()) {
            for (Attribute a : e.attributes()) {
                assertThat(a.getKey()).as(path + ": an attribute of <" + e.tagName() + "> from job text")
                        .doesNotStartWith("on").isNotEqualTo("data-evil");
            }
        }
        return doc;
    }

    @Test
    void overviewShowsTheFailedJobsTextAsText() {
        Document doc = inert(signedIn().get("/admin/queues"), "overview");
        Element failure = doc.select("#live-failures tr[data-job=" + failed + "]").first();
        assertThat(failure.select(".subject-link strong").text()).isEqualTo("o/r" + ATTR + "#7");
        assertThat(failure.select(".title").text()).isEqualTo(TITLE);
        assertThat(failure.select(".err").attr("title")).isEqualTo(ERROR.lines().findFirst().orElseThrow() + " …");
    }

    @Test
    void listRowsTypesAndTheFilterFormShowTextAsText() {
        Browser b = signedIn();
        Document list = inert(b.get("/admin/queues/jobs"), "list");
        Element row = list.select("tr[data-job=" + failed + "]").first();
        assertThat(row.select(".title").text()).isEqualTo(TITLE);
        assertThat(row.select(".outcome-tag").text()).isEqualTo(SCRIPT + ATTR);
        assertThat(row.select(".outcome .err").attr("title")).startsWith("boom " + ATTR + TAG);
        assertThat(list.select("td.subject .type").eachText()).contains("evil" + ATTR);

        String q = "x" + ATTR + SINGLE + SCRIPT;
        String path = "/admin/queues/jobs?q=" + URLEncoder.encode(q, StandardCharsets.UTF_8)
                + "&type=" + URLEncoder.encode("t" + ATTR, StandardCharsets.UTF_8);
        Document filtered = inert(b.get(path), "filtered list");
        assertThat(filtered.select("#filter-q").attr("value")).isEqualTo(q);
        assertThat(filtered.select("#filter-type option[selected]").attr("value")).isEqualTo("t" + ATTR);
        assertThat(filtered.select("#bulk form").first().attr("data-confirm")).contains("matching \"" + q + "\"");
        assertThat(filtered.select("#bulk input[name=q]").attr("value")).isEqualTo(q);

        Document refused = inert(b.get("/admin/queues/jobs?status=" + URLEncoder.encode(SCRIPT + ATTR,
                StandardCharsets.UTF_8)), "list with a bad status");
        assertThat(refused.select(".flash.error").text()).contains(SCRIPT + ATTR);
    }

    @Test
    void jobPageShowsEveryFieldAsText() {
        Document doc = inert(signedIn().get("/admin/queues/jobs/" + failed), "job page");
        assertThat(doc.select("#job-title").text()).isEqualTo(TITLE);
        assertThat(doc.select(".subject-strong").text()).isEqualTo("o/r" + ATTR + "#7");
        assertThat(doc.select("#fact-outcome").text()).isEqualTo(SCRIPT + ATTR);
        assertThat(doc.select("#fact-branch").text()).isEqualTo("b" + ATTR + TAG);
        assertThat(doc.select("#fact-wip-branch").text()).isEqualTo("w" + SINGLE);
        assertThat(doc.select("#fact-pr a").text()).as("a PR number that is no number is not shown").isEqualTo("PR ↗");
        assertThat(doc.select("#job-error").text()).isEqualTo(ERROR);
        assertThat(doc.select("#log .msg").eachText()).as("control characters (ANSI colours) are replaced")
                .containsExactly(LOG, "\uFFFD[31mred\uFFFD[0m \uFFFD");
        assertThat(doc.select("#log .line").first().attr("class")).isEqualTo("line lv-infoscript");
        assertThat(doc.select("#timeline .note").eachText()).anySatisfy(n -> assertThat(n).contains(ATTR + TAG));
        assertThat(doc.select("#timeline .note").eachText()).contains("on runner" + ATTR);
        assertThat(doc.select("#payload").text()).contains(TITLE.replace("\"", "\\\""));
        assertThat(doc.select("#result").text()).contains("b" + ATTR.replace("\"", "\\\"") + TAG);
    }

    @Test
    void signInPageKeepsTheNextTargetInsideItsField() {
        String next = "/admin/queues/jobs?q=" + ATTR + SCRIPT;
        Browser b = new Browser(runner.base());
        Document doc = inert(b.get("/admin/queues/login?next=" + URLEncoder.encode(next, StandardCharsets.UTF_8)),
                "sign-in");
        assertThat(doc.select("input[name=next]").attr("value")).isEqualTo(next);
    }
}
