package io.roomote.runner.dashboard;

import io.roomote.core.testing.TestDatabases;
import io.roomote.runner.RoomoteService;
import io.roomote.runner.RunnerFixture;
import io.roomote.runner.dashboard.DashboardTestSupport.Browser;
import io.roomote.runner.dashboard.DashboardTestSupport.Row;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static io.roomote.runner.dashboard.DashboardTestSupport.assertStatus;
import static io.roomote.runner.dashboard.DashboardTestSupport.insert;
import static io.roomote.runner.dashboard.DashboardTestSupport.issuePayload;
import static io.roomote.runner.dashboard.DashboardTestSupport.status;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dashboard over HTTP with authentication on (API role: no workers, so rows stay as written): sign-in and
 * sessions, escaping, CSRF and origin checks, filters and pages, and the REST endpoints delete and clean.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DashboardHttpTest {

    static final String TOKEN = "dashboard-test-token-0123456789abcdef";

    @TempDir
    static Path home;

    private String db;
    private RunnerFixture runner;

    @BeforeAll
    void start() {
        db = TestDatabases.freshJdbcUrl();
        runner = new RunnerFixture(home, Map.of("DATABASE_URL", db, "ROOMOTE_API_TOKEN", TOKEN, "HOST", "127.0.0.1",
                "DASHBOARD_PORT", "0"), RoomoteService.Role.API);
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

    @Test
    void withoutASessionPagesRedirectToSignInAndDataAndActionsAre401() {
        Browser anonymous = new Browser(runner.base());

        HttpResponse<String> overview = anonymous.get("/admin/queues");
        HttpResponse<String> detail = anonymous.get("/admin/queues/jobs/1?x=1");
        HttpResponse<String> stream = anonymous.get("/admin/queues/jobs/1/log/stream");
        HttpResponse<String> logText = anonymous.get("/admin/queues/jobs/1/log.txt");
        HttpResponse<String> action = anonymous.post("/admin/queues/jobs/1/retry", Map.of("_csrf", "x"), Map.of());

        assertStatus(overview).isEqualTo(303);
        assertThat(overview.headers().firstValue("Location")).hasValue("/admin/queues/login?next=%2Fadmin%2Fqueues");
        assertStatus(detail).isEqualTo(303);
        assertThat(detail.headers().firstValue("Location")).hasValue("/admin/queues/login?next=%2Fadmin%2Fqueues%2Fjobs%2F1%3Fx%3D1");
        assertStatus(stream).isEqualTo(401);
        assertStatus(logText).isEqualTo(401);
        assertStatus(action).isEqualTo(401);
        // A link from another site arrives without the SameSite=Strict cookie: the page reloads itself, same-site.
        HttpResponse<String> crossSite = anonymous.send(HttpRequest.newBuilder(URI.create(runner.base() + "/admin/queues/jobs?status=failed"))
                .header("Sec-Fetch-Site", "cross-site").GET());
        assertStatus(crossSite).isEqualTo(200);
        assertThat(Jsoup.parse(crossSite.body()).body().attr("data-reload")).isEqualTo("/admin/queues/jobs?status=failed");
        assertThat(crossSite.body()).doesNotContain("data-job=");
        // The API is unchanged: bearer token only, and the dashboard's cookie is no substitute.
        assertStatus(anonymous.get("/api/jobs")).isEqualTo(401);
        Browser b = signedIn();
        assertStatus(b.get("/api/jobs")).isEqualTo(401);
        assertThat(runner.get("/api/jobs").status()).isEqualTo(200);
    }

    @Test
    void theChecksRunOnlyForDashboardRoutesSoAnUnknownPathStaysAPlain404() {
        Browser anonymous = new Browser(runner.base());

        HttpResponse<String> unknown = anonymous.get("/admin/queues/no-such-page");
        HttpResponse<String> page = anonymous.get("/admin/queues/jobs");

        // The checks are a beforeMatched handler keyed on the route's Access role: no route, no checks.
        assertStatus(unknown).isEqualTo(404);
        assertThat(unknown.headers().firstValue("Content-Security-Policy")).isEmpty();
        assertThat(unknown.headers().firstValue("Location")).isEmpty();
        assertStatus(page).isEqualTo(303);
        assertThat(page.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(csp -> assertThat(csp)
                .contains("default-src 'none'"));
        assertThat(page.headers().firstValue("Cache-Control")).hasValue("no-store");
        // A trailing slash reaches the same route, and its checks (else the handler refuses with a 500).
        HttpResponse<String> slash = anonymous.get("/admin/queues/");
        assertStatus(slash).isEqualTo(303);
        assertThat(slash.headers().firstValue("Location")).hasValue("/admin/queues/login?next=%2Fadmin%2Fqueues%2F");
        assertStatus(anonymous.post("/admin/queues/jobs/1/retry/", Map.of("_csrf", "x"), Map.of())).isEqualTo(401);
    }

    @Test
    void signingInExchangesTheTokenForAStrictHttpOnlySessionAndSigningOutEndsIt() {
        Browser b = new Browser(runner.base());
        Document form = b.page("/admin/queues/login?next=/admin/queues/jobs");
        String preSession = b.cookie(Dashboard.COOKIE);
        String csrf = form.select("input[name=_csrf]").attr("value");
        assertThat(form.select("input[name=next]").attr("value")).isEqualTo("/admin/queues/jobs");

        HttpResponse<String> noCsrf = b.post("/admin/queues/login", Map.of("token", TOKEN), Map.of());
        HttpResponse<String> wrong = b.post("/admin/queues/login", Map.of("_csrf", csrf, "token", "not-the-token-at-all-no"), Map.of());
        assertStatus(noCsrf).isEqualTo(403);
        assertStatus(wrong).isEqualTo(401);
        assertThat(Jsoup.parse(wrong.body()).select("#login-error").text()).isEqualTo("That token is not right.");
        assertStatus(b.get("/admin/queues")).isEqualTo(303);

        HttpResponse<String> ok = b.post("/admin/queues/login",
                Map.of("_csrf", csrf, "token", TOKEN, "next", "/admin/queues/jobs"), Map.of());
        assertStatus(ok).isEqualTo(303);
        assertThat(ok.headers().firstValue("Location")).hasValue("/admin/queues/jobs");
        String setCookie = ok.headers().firstValue("Set-Cookie").orElseThrow();
        assertThat(setCookie).startsWith(Dashboard.COOKIE + "=").contains("HttpOnly", "SameSite=Strict", "Path=/admin/queues")
                .doesNotContain(TOKEN);
        assertThat(b.cookie(Dashboard.COOKIE)).isNotEqualTo(preSession).hasSize(43);
        assertStatus(b.get("/admin/queues")).isEqualTo(200);
        assertThat(b.get("/admin/queues/jobs").body()).doesNotContain(TOKEN);

        // An open redirect is not possible through next.
        assertThat(Dashboard.safeNext("https://evil.example/")).isEqualTo("/admin/queues");
        assertThat(Dashboard.safeNext("/admin/queues//evil.example")).isEqualTo("/admin/queues");
        assertThat(Dashboard.safeNext("/admin/queuesX")).isEqualTo("/admin/queues");
        assertThat(Dashboard.safeNext("/admin/queues/jobs?status=failed")).isEqualTo("/admin/queues/jobs?status=failed");

        String session = b.cookie(Dashboard.COOKIE);
        String pageCsrf = b.csrf("/admin/queues");
        assertStatus(b.post("/admin/queues/logout", Map.of(), Map.of())).isEqualTo(403);
        assertStatus(b.get("/admin/queues")).isEqualTo(200);
        HttpResponse<String> out = b.post("/admin/queues/logout", Map.of("_csrf", pageCsrf), Map.of());
        assertStatus(out).isEqualTo(303);
        assertThat(out.headers().firstValue("Location")).hasValue("/admin/queues/login");

        Browser replay = new Browser(runner.base());
        replay.cookies.getCookieStore().add(URI.create(runner.base() + "/admin/queues"), cookie(session));
        assertStatus(replay.get("/admin/queues"), "the old session id is dead").isEqualTo(303);
    }

    private static java.net.HttpCookie cookie(String value) {
        java.net.HttpCookie c = new java.net.HttpCookie(Dashboard.COOKIE, value);
        c.setPath("/admin/queues");
        c.setVersion(0);
        return c;
    }

    @Test
    void jobFieldsAreEscapedNeverInterpreted() {
        String evilTitle = "<script>alert('xss')</script>";
        long id = insert(db, Row.of("github.issue.fix", "failed",
                        issuePayload("o/r\"><img src=x onerror=alert(1)>", 7, evilTitle))
                .result("{\"outcome\":\"<b>bold</b>\",\"prUrl\":\"javascript:alert(1)\",\"prNumber\":5}")
                .error("<img src=x onerror=alert(2)> failed"));
        DashboardTestSupport.log(db, id, 1, "info", "</div><script>alert(3)</script>", "1 minute");
        Browser b = signedIn();

        for (String path : List.of("/admin/queues", "/admin/queues/jobs", "/admin/queues/jobs?status=failed&q=script",
                "/admin/queues/jobs/" + id)) {
            HttpResponse<String> r = b.get(path);
            assertStatus(r, path).isEqualTo(200);
            assertThat(r.body()).as(path).doesNotContain("<script>alert").doesNotContain("<img src=x")
                    .doesNotContain("<b>bold</b>").contains("&lt;script&gt;alert(");
            Document doc = Jsoup.parse(r.body());
            assertThat(doc.select("script")).as(path + ": only the dashboard's own script").allSatisfy(s ->
                    assertThat(s.attr("src")).startsWith("/admin/queues/static/dashboard.js"));
            assertThat(doc.select("[onerror], img")).as(path).isEmpty();
            assertThat(doc.select("a[href^=javascript], a[href*=javascript:]")).as(path).isEmpty();
            assertThat(r.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(csp ->
                    assertThat(csp).contains("script-src 'self'").doesNotContain("unsafe-inline"));
            assertThat(r.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        }
        Document detail = b.page("/admin/queues/jobs/" + id);
        assertThat(detail.select("#job-title").text()).isEqualTo(evilTitle);
        assertThat(detail.select("#job-error").text()).isEqualTo("<img src=x onerror=alert(2)> failed");
        assertThat(detail.select("#log .msg").text()).isEqualTo("</div><script>alert(3)</script>");
        assertThat(detail.select("#fact-outcome").text()).isEqualTo("<b>bold</b>");
        assertThat(detail.select("#fact-pr")).as("a javascript: PR URL is not a link").isEmpty();
        Element row = b.page("/admin/queues/jobs").select("tr[data-job=" + id + "]").first();
        assertThat(row.select(".title").text()).isEqualTo(evilTitle);
    }

    /**
     * The page's script re-fetches it every few seconds for its live regions; a re-fetch that arrived between an
     * action and the page it redirects to used to take the action's message, so the user never saw it (and the
     * browser test waiting for it failed now and then on a loaded machine).
     */
    @Test
    void aLiveRefreshDoesNotTakeTheMessageMeantForThePageTheUserIsAboutToSee() {
        long failed = insert(db, Row.of("example.hello", "failed", "{\"name\":\"flash\"}").error("boom"));
        Browser b = signedIn();
        String csrf = b.csrf("/admin/queues/jobs/" + failed);

        assertStatus(b.post("/admin/queues/jobs/" + failed + "/retry", Map.of("_csrf", csrf), Map.of())).isEqualTo(303);
        HttpResponse<String> refresh = b.send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(runner.base() + "/admin/queues/jobs/" + failed)).header("X-Roomote-Live-Refresh", "1").GET());
        assertStatus(refresh).isEqualTo(200);
        assertThat(org.jsoup.Jsoup.parse(refresh.body()).select(".flash")).isEmpty();

        assertThat(b.page("/admin/queues/jobs/" + failed).select(".flash").text()).isEqualTo("Job #" + failed + " is queued again.");
        assertThat(b.page("/admin/queues/jobs/" + failed).select(".flash")).as("shown once").isEmpty();
    }

    @Test
    void actionsNeedTheSessionsCsrfTokenAndTheSameOriginElseNothingChanges() {
        long failed = insert(db, Row.of("example.hello", "failed", "{\"name\":\"csrf\"}").error("boom"));
        Browser b = signedIn();
        String csrf = b.csrf("/admin/queues/jobs/" + failed);
        String origin = runner.base();

        Map<String, HttpResponse<String>> refused = new java.util.LinkedHashMap<>();
        refused.put("retry without token", b.post("/admin/queues/jobs/" + failed + "/retry", Map.of(), Map.of()));
        refused.put("retry with a wrong token", b.post("/admin/queues/jobs/" + failed + "/retry",
                Map.of("_csrf", csrf.substring(1) + "x"), Map.of()));
        refused.put("retry from another origin", b.post("/admin/queues/jobs/" + failed + "/retry",
                Map.of("_csrf", csrf), Map.of("Origin", "http://evil.example")));
        refused.put("retry cross-site (fetch metadata)", b.post("/admin/queues/jobs/" + failed + "/retry",
                Map.of("_csrf", csrf), Map.of("Sec-Fetch-Site", "cross-site")));
        refused.put("delete without token", b.post("/admin/queues/jobs/" + failed + "/delete", Map.of(), Map.of()));
        refused.put("cancel with a wrong token", b.post("/admin/queues/jobs/" + failed + "/cancel",
                Map.of("_csrf", "0".repeat(43)), Map.of()));
        refused.put("clean without token", b.post("/admin/queues/clean",
                Map.of("olderThanDays", "0", "status", "failed"), Map.of()));
        Browser other = signedIn();
        refused.put("another session's token", other.post("/admin/queues/jobs/" + failed + "/delete",
                Map.of("_csrf", csrf), Map.of()));

        refused.forEach((what, r) -> assertStatus(r, what).isEqualTo(403));
        assertThat(status(db, failed)).isEqualTo("failed");

        HttpResponse<String> ok = b.post("/admin/queues/jobs/" + failed + "/retry", Map.of("_csrf", csrf),
                Map.of("Origin", origin, "Sec-Fetch-Site", "same-origin"));
        assertStatus(ok).isEqualTo(303);
        assertThat(ok.headers().firstValue("Location")).hasValue("/admin/queues/jobs/" + failed);
        assertThat(status(db, failed)).isEqualTo("pending");
        assertThat(b.page("/admin/queues/jobs/" + failed).select(".flash").text()).isEqualTo("Job #" + failed + " is queued again.");
        // The header works as well as the form field (for scripts).
        HttpResponse<String> cancel = b.post("/admin/queues/jobs/" + failed + "/cancel", Map.of(), Map.of("X-CSRF-Token", csrf));
        assertStatus(cancel).isEqualTo(303);
        assertThat(status(db, failed)).isEqualTo("cancelled");
        assertStatus(b.post("/admin/queues/jobs/" + failed + "/delete", Map.of("_csrf", csrf), Map.of())).isEqualTo(303);
        assertThat(status(db, failed)).isNull();
    }

    @Test
    void listsFilterByStatusTypeRepositoryIssueAndTextNewestFirstWithPages() {
        String repo = "Filter-Org/widgets";
        long a = insert(db, Row.of("github.issue.fix", "completed", issuePayload(repo, 101, "Crash when saving a widget"))
                .result("{\"outcome\":\"pr_opened\",\"prUrl\":\"https://github.com/Filter-Org/widgets/pull/9\",\"prNumber\":9}"));
        long b2 = insert(db, Row.of("github.issue.fix", "failed", issuePayload(repo, 102, "Typo in README")).error("agent gave up: tests fail"));
        long c = insert(db, Row.of("github.issue.fix", "pending", issuePayload("filter-org/gadgets", 101, "Gadget crash on start")));
        long d = insert(db, Row.of("example.hello", "completed", "{\"name\":\"Filterina\"}"));
        Browser b = signedIn();

        assertThat(ids(b, "/admin/queues/jobs?repo=filter-org/widgets")).containsExactly(b2, a);
        assertThat(ids(b, "/admin/queues/jobs?repo=filter-org")).containsExactly(c, b2, a);
        assertThat(ids(b, "/admin/queues/jobs?repo=filter-org&issue=%23101")).containsExactly(c, a);
        assertThat(ids(b, "/admin/queues/jobs?repo=filter-org&status=failed")).containsExactly(b2);
        assertThat(ids(b, "/admin/queues/jobs?q=CRASH&repo=filter-org")).containsExactly(c, a);
        assertThat(ids(b, "/admin/queues/jobs?q=tests+fail")).containsExactly(b2);
        assertThat(ids(b, "/admin/queues/jobs?q=filterina")).containsExactly(d);
        assertThat(ids(b, "/admin/queues/jobs?type=example.hello&q=filter")).containsExactly(d);
        assertThat(ids(b, "/admin/queues/jobs?q=100%25_off")).isEmpty();

        Document page = b.page("/admin/queues/jobs?repo=filter-org/widgets");
        Element row = page.select("tr[data-job=" + a + "]").first();
        assertThat(row.select(".subject strong").text()).isEqualTo(repo + "#101");
        assertThat(row.select(".outcome").text()).isEqualTo("pr_opened");
        assertThat(row.select("a.pr-link").attr("href")).isEqualTo("https://github.com/Filter-Org/widgets/pull/9");
        assertThat(row.select("a.pr-link").text()).startsWith("#9");
        assertThat(page.select("tr[data-job=" + b2 + "] .outcome").text()).isEqualTo("agent gave up: tests fail");
        assertThat(page.select("#filter-repo").attr("value")).isEqualTo("filter-org/widgets");

        // Pages of 1: newest, then older, then back newer.
        Document first = b.page("/admin/queues/jobs?repo=filter-org&limit=1");
        assertThat(ids(first)).containsExactly(c);
        assertThat(first.select("a#page-newer")).isEmpty();
        Document second = b.page(first.select("a#page-older").attr("href"));
        assertThat(ids(second)).containsExactly(b2);
        Document third = b.page(second.select("a#page-older").attr("href"));
        assertThat(ids(third)).containsExactly(a);
        assertThat(third.select("a#page-older")).as("last page").isEmpty();
        assertThat(ids(b.page(third.select("a#page-newer").attr("href")))).containsExactly(b2);

        Document bad = b.page("/admin/queues/jobs?issue=abc");
        assertThat(bad.select(".flash.error").text()).contains("issue must be a number");
    }

    private static List<Long> ids(Browser b, String path) {
        return ids(b.page(path));
    }

    private static List<Long> ids(Document doc) {
        return doc.select("#jobs tr[data-job]").stream().map(e -> Long.parseLong(e.attr("data-job"))).toList();
    }

    @Test
    void theOverviewCountsEveryStatusAsTheDatabaseDoes() {
        insert(db, Row.of("github.issue.fix", "processing", issuePayload("o/count", 1, "running")));
        insert(db, Row.of("example.hello", "cancelled", "{\"name\":\"count\"}"));
        Browser b = signedIn();

        Document doc = b.page("/admin/queues");
        Map<String, Long> expected = DashboardTestSupport.countsByStatus(db);
        for (String status : List.of("pending", "processing")) {
            Element value = doc.select("[data-count=" + status + "]").first();
            assertThat(value.text().replace(",", "")).as(status).isEqualTo(String.valueOf(expected.get(status)));
            assertThat(value.attr("data-exact")).isEqualTo("true");
        }
        // Finished jobs are counted by how they ended; together they are the finished statuses.
        long finished = 0;
        for (Element value : doc.select("[data-finished]")) {
            finished += Long.parseLong(value.text().replace(",", ""));
        }
        assertThat(finished).isEqualTo(expected.get("completed") + expected.get("failed") + expected.get("cancelled"));
        assertThat(doc.select("#metric-workers").text()).contains("this process runs no workers");
        assertThat(doc.select("#live-runners").text()).contains("Capacity (MAX_WORKERS) is known only for this process");
    }

    /**
     * Issue 15: the overview counted skipped jobs as failed. A fix job that found nothing to do ends with status
     * failed and {@code result.outcome = "skipped"}; it has its own card, list filter and badge.
     */
    @Test
    void skippedAndNoChangeJobsAreNotCountedAsFailed() {
        Map<String, Long> before = finishedCards(signedIn().page("/admin/queues"));
        for (int i = 0; i < 3; i++) {
            insert(db, Row.of("github.issue.fix", "failed", issuePayload("o/skip", 900 + i, "closed"))
                    .result("{\"outcome\":\"skipped\",\"reason\":\"issue closed\"}").error("skipped: issue closed"));
        }
        insert(db, Row.of("github.issue.fix", "failed", issuePayload("o/skip", 910, "nothing"))
                .result("{\"outcome\":\"no_changes\"}").error("the agent finished without committing any change"));
        long broken = insert(db, Row.of("github.issue.fix", "failed", issuePayload("o/skip", 911, "broken"))
                .result("{\"outcome\":\"agent_failed\"}").error("agent failed"));
        long timedOut = insert(db, Row.of("example.hello", "failed", "{\"name\":\"slow\"}").error("timed out after 1s"));
        long pr = insert(db, Row.of("github.issue.fix", "completed", issuePayload("o/skip", 912, "done"))
                .result("{\"outcome\":\"pr_opened\",\"prUrl\":\"https://github.com/o/skip/pull/3\"}"));
        Browser b = signedIn();

        Map<String, Long> after = finishedCards(b.page("/admin/queues"));
        Document skipped = b.page("/admin/queues/jobs?outcome=skipped&repo=o/skip");
        Document failed = b.page("/admin/queues/jobs?outcome=failed&repo=o/skip");

        assertThat(after.get("skipped") - before.get("skipped")).isEqualTo(3);
        assertThat(after.get("no_changes") - before.get("no_changes")).isEqualTo(1);
        assertThat(after.get("failed") - before.get("failed")).isEqualTo(1);
        assertThat(after.get("timed_out") - before.get("timed_out")).isEqualTo(1);
        assertThat(after.get("pr") - before.get("pr")).isEqualTo(1);
        assertThat(ids(skipped)).hasSize(3);
        assertThat(skipped.select("#jobs tr[data-job] .badge").eachText()).containsOnly("skipped");
        assertThat(skipped.select("#outcome-skipped.active")).hasSize(1);
        assertThat(ids(failed)).containsExactly(broken);
        assertThat(b.page("/admin/queues/jobs/" + timedOut).select("#job-finished-as").text()).isEqualTo("timed out");
        assertThat(b.page("/admin/queues/jobs/" + pr).select("#job-finished-as").text()).isEqualTo("pr opened");
        assertThat(b.get("/admin/queues/jobs?outcome=bogus").body()).contains("unknown outcome");
    }

    /**
     * Issue 15: a job enqueued as {@code {repo, issue}} has no title in its payload; the fix job records the one it
     * read at pre-flight in its result, and the WIP branch only ever was in the result: list and job page show both.
     */
    @Test
    void theTitleLearntAtPreFlightAndTheWipBranchAreShownInTheListAndOnTheJobPage() {
        long id = insert(db, Row.of("github.issue.fix", "failed", "{\"repo\":\"o/wip\",\"issue\":77}")
                .result("{\"outcome\":\"timed_out\",\"title\":\"Checkout <b>loses</b> the cart\",\"branch\":\"fix-77\","
                        + "\"wipBranch\":\"roomote/wip/fix-77-1\"}").error("timed out after 30m"));
        long plain = insert(db, Row.of("github.issue.fix", "completed", "{\"repo\":\"o/wip\",\"issue\":78}")
                .result("{\"outcome\":\"pr_opened\",\"title\":\"Typo\",\"branch\":\"fix-78\"}"));
        Browser b = signedIn();

        Document list = b.page("/admin/queues/jobs?repo=o/wip");
        Document detail = b.page("/admin/queues/jobs/" + id);

        Element row = list.select("tr[data-job=" + id + "]").first();
        assertThat(row.select(".subject .title").text()).isEqualTo("Checkout <b>loses</b> the cart");
        assertThat(row.select(".branch.wip code").text()).isEqualTo("roomote/wip/fix-77-1");
        assertThat(list.select("tr[data-job=" + plain + "] .branch code").text()).isEqualTo("fix-78");
        assertThat(detail.select("#job-title").text()).isEqualTo("Checkout <b>loses</b> the cart");
        assertThat(detail.select("#fact-wip-branch").text()).isEqualTo("roomote/wip/fix-77-1");
        assertThat(detail.select("#fact-branch").text()).isEqualTo("fix-77");
    }

    /** Issue 15: the job list refreshes itself like the overview (same script, same live regions). */
    @Test
    void theJobListRefreshesItsRowsCountsAndPagerButNotTheFilterForm() {
        Document list = signedIn().page("/admin/queues/jobs?status=failed");
        Document overview = signedIn().page("/admin/queues");

        assertThat(list.body().attr("data-refresh")).isEqualTo(overview.body().attr("data-refresh")).isEqualTo("5000");
        assertThat(list.select("[data-live]").eachAttr("id")).contains("jobs", "live-tabs", "live-outcomes", "pager");
        assertThat(list.select("#filters[data-live], #filters [data-live]")).isEmpty();
    }

    /**
     * Issue 15: retry all failed and cancel all pending jobs of the current filter, from the list (CSRF as for the
     * single actions) and from the REST API; only the filtered jobs change.
     */
    @Test
    void bulkRetryOfFailedAndCancelOfPendingJobsFollowTheFilterInTheDashboardAndTheApi() {
        long skip1 = insert(db, Row.of("github.issue.fix", "failed", issuePayload("bulk/a", 1, "s1")).result("{\"outcome\":\"skipped\"}"));
        long skip2 = insert(db, Row.of("github.issue.fix", "failed", issuePayload("bulk/a", 2, "s2")).result("{\"outcome\":\"skipped\"}"));
        long broken = insert(db, Row.of("github.issue.fix", "failed", issuePayload("bulk/a", 3, "b")).error("agent failed"));
        long elsewhere = insert(db, Row.of("github.issue.fix", "failed", issuePayload("bulk/other", 4, "o")).error("agent failed"));
        long pendingA = insert(db, Row.of("github.issue.fix", "pending", issuePayload("bulk/a", 5, "p")));
        long pendingOther = insert(db, Row.of("github.issue.fix", "pending", issuePayload("bulk/other", 6, "p")));
        Browser b = signedIn();
        Document list = b.page("/admin/queues/jobs?repo=bulk/a&outcome=skipped");
        String csrf = list.select("#bulk input[name=_csrf]").first().attr("value");
        Map<String, String> form = new java.util.HashMap<>();
        list.select("#bulk-retry").first().parent().select("input[type=hidden]").forEach(i -> form.put(i.attr("name"), i.attr("value")));

        Map<String, String> noCsrf = new java.util.HashMap<>(form);
        noCsrf.remove("_csrf");
        assertStatus(b.post("/admin/queues/jobs/retry-failed", noCsrf, Map.of())).isEqualTo(403);
        assertThat(status(db, skip1)).isEqualTo("failed");
        HttpResponse<String> retried = b.post("/admin/queues/jobs/retry-failed", form, Map.of());

        assertThat(form).containsEntry("_csrf", csrf).containsEntry("repo", "bulk/a").containsEntry("outcome", "skipped");
        assertThat(list.select("#bulk-retry").first().parent().attr("data-confirm")).contains("skipped", "bulk/a");
        assertStatus(retried).isEqualTo(303);
        assertThat(status(db, skip1)).isEqualTo("pending");
        assertThat(status(db, skip2)).isEqualTo("pending");
        assertThat(status(db, broken)).isEqualTo("failed");
        assertThat(b.page("/admin/queues/jobs").select(".flash").text()).startsWith("Queued 2 jobs again.");

        RunnerFixture.Response api = runner.post("/api/jobs/retry-failed", "{\"repo\":\"bulk/a\"}");
        assertThat(api.status()).isEqualTo(200);
        assertThat(api.raw().body()).contains("\"retried\":1");
        assertThat(status(db, broken)).isEqualTo("pending");
        assertThat(status(db, elsewhere)).isEqualTo("failed");

        RunnerFixture.Response cancel = runner.post("/api/jobs/cancel-pending", "{\"repo\":\"bulk/other\"}");
        assertThat(cancel.status()).isEqualTo(200);
        assertThat(cancel.raw().body()).contains("\"cancelled\":1");
        assertThat(status(db, pendingOther)).isEqualTo("cancelled");
        assertThat(status(db, pendingA)).isEqualTo("pending");

        // Bad input changes nothing and is a 400 with the field.
        for (String bad : List.of("{\"repo\":5}", "{\"status\":\"failed\"}", "{\"issue\":\"abc\"}", "[1]",
                "{\"outcome\":\"skipped\"}")) {
            RunnerFixture.Response r = runner.post("/api/jobs/cancel-pending", bad);
            assertThat(r.status()).as(bad).isEqualTo(400);
        }
        assertThat(status(db, pendingA)).isEqualTo("pending");
    }

    /** Issue 15: pausing a type is stored in the database, shown on the overview, and works from the API too. */
    @Test
    void pausingAndResumingAJobTypeFromTheOverviewAndTheApi() {
        Browser b = signedIn();
        Document overview = b.page("/admin/queues");
        Element pauseForm = overview.select("#pause-example\\.hello").first().parent();
        String csrf = pauseForm.select("input[name=_csrf]").attr("value");

        assertStatus(b.post("/admin/queues/types/example.hello/pause", Map.of(), Map.of())).isEqualTo(403);
        assertThat(pausedTypes()).doesNotContain("example.hello");
        assertStatus(b.post(pauseForm.attr("action"), Map.of("_csrf", csrf), Map.of())).isEqualTo(303);
        assertThat(pausedTypes()).contains("example.hello");
        Document after = b.page("/admin/queues");
        assertThat(after.select("tr[data-type=example.hello] .badge.s-paused").text()).isEqualTo("paused");
        assertThat(after.select("#resume-example\\.hello")).hasSize(1);

        RunnerFixture.Response resumed = runner.post("/api/job-types/example.hello/resume", "");
        assertThat(resumed.status()).isEqualTo(200);
        assertThat(resumed.raw().body()).contains("\"changed\":true");
        assertThat(pausedTypes()).doesNotContain("example.hello");
        assertThat(runner.post("/api/job-types/github.issue.fix/pause", "").status()).isEqualTo(200);
        assertThat(runner.get("/api/job-types").raw().body()).contains("\"paused\":[\"github.issue.fix\"]");
        assertThat(runner.post("/api/job-types/github.issue.fix/resume", "").status()).isEqualTo(200);
        assertThat(runner.post("/api/job-types/bad%20name/pause", "").status()).isEqualTo(400);
        assertThat(pausedTypes()).isEmpty();
    }

    private List<String> pausedTypes() {
        return DashboardTestSupport.query(db, "SELECT type FROM cloud_job_type_pauses").stream()
                .map(r -> (String) r.get("type")).toList();
    }

    /** Issue 15: after a retry by hand, each run has its own times, outcome and log section on the job page. */
    @Test
    void aJobRetriedByHandShowsEachRunWithItsTimesOutcomeAndLogSection() {
        long id = insert(db, Row.of("example.hello", "completed", "{\"name\":\"twice\"}").attempts(1, 1));
        DashboardTestSupport.exec(db, "INSERT INTO cloud_job_runs (job_id, run, attempt, runner, started_at, finished_at, status, error)"
                + " VALUES (?, 1, 1, 'runner-a', now() - interval '20 minutes', now() - interval '19 minutes', 'failed', 'boom'),"
                + " (?, 2, 1, 'runner-b', now() - interval '9 minutes', now() - interval '5 minutes', 'completed', NULL)", id, id);
        DashboardTestSupport.log(db, id, 1, "info", "first run", "20 minutes");
        DashboardTestSupport.log(db, id, 1, "info", "second run", "9 minutes");

        Document detail = signedIn().page("/admin/queues/jobs/" + id);

        assertThat(detail.select("#log .attempt").eachText())
                .containsExactly("run 1 · attempt 1 of 1 · failed", "run 2 · attempt 1 of 1 · completed");
        assertThat(detail.select("#timeline li .what").eachText()).contains("Run 1 started (attempt 1 of 1)", "Run 1 failed",
                "Run 2 started (attempt 1 of 1)", "Run 2 completed");
        assertThat(detail.select("#timeline").text()).contains("on runner-a", "after 1 min 00 s", "boom", "on runner-b");
    }

    private static Map<String, Long> finishedCards(Document overview) {
        Map<String, Long> counts = new java.util.HashMap<>();
        for (Element value : overview.select("[data-finished]")) {
            counts.put(value.attr("data-finished"), Long.parseLong(value.text().replace(",", "")));
        }
        return counts;
    }

    @Test
    void restDeleteRemovesAFinishedJobWithItsLogAndRefusesActiveOnes() {
        long done = insert(db, Row.of("example.hello", "completed", "{\"name\":\"del\"}"));
        DashboardTestSupport.log(db, done, 1, "info", "a line", "1 minute");
        long pending = insert(db, Row.of("example.hello", "pending", "{\"name\":\"del2\"}"));

        RunnerFixture.Response ok = runner.send(runner.request("/api/jobs/" + done).DELETE().build());
        RunnerFixture.Response active = runner.send(runner.request("/api/jobs/" + pending).DELETE().build());
        RunnerFixture.Response missing = runner.send(runner.request("/api/jobs/987654321").DELETE().build());
        RunnerFixture.Response bad = runner.send(runner.request("/api/jobs/abc").DELETE().build());
        int noToken = new Browser(runner.base()).send(HttpRequest.newBuilder(URI.create(runner.base() + "/api/jobs/" + pending))
                .DELETE()).statusCode();

        assertThat(ok.status()).isEqualTo(200);
        assertThat(ok.json().get("message").asText()).isEqualTo("job_deleted");
        assertThat(ok.json().get("jobId").asLong()).isEqualTo(done);
        assertThat(status(db, done)).isNull();
        assertThat(DashboardTestSupport.query(db, "SELECT 1 FROM cloud_job_logs WHERE job_id = ?", done)).isEmpty();
        assertThat(active.status()).isEqualTo(409);
        assertThat(active.json().get("message").asText()).contains("cancel it before deleting it");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(bad.status()).isEqualTo(400);
        assertThat(noToken).isEqualTo(401);
        assertThat(status(db, pending)).isEqualTo("pending");
    }

    @Test
    void restCleanDeletesOnlyFinishedJobsOlderThanAskedAndValidatesItsInput() {
        String tag = "{\"name\":\"clean\"}";
        long oldDone = insert(db, Row.of("example.hello", "completed", tag).times("10 days", "10 days", "10 days"));
        long oldFailed = insert(db, Row.of("example.hello", "failed", tag).times("10 days", "10 days", "10 days"));
        long oldCancelled = insert(db, Row.of("example.hello", "cancelled", tag).times("10 days", "10 days", "10 days"));
        long recent = insert(db, Row.of("example.hello", "completed", tag).times("1 hour", "1 hour", "1 hour"));
        long oldPending = insert(db, Row.of("example.hello", "pending", tag).times("10 days", null, null));

        RunnerFixture.Response none = runner.post("/api/jobs/clean", "{}");
        RunnerFixture.Response badStatus = runner.post("/api/jobs/clean", "{\"olderThan\":\"7d\",\"statuses\":[\"pending\",\"nope\"]}");
        RunnerFixture.Response badAge = runner.post("/api/jobs/clean", "{\"olderThan\":\"a week\"}");
        assertThat(none.status()).isEqualTo(400);
        assertThat(none.json().at("/details/0/path").asText()).isEqualTo("olderThan");
        assertThat(badStatus.status()).isEqualTo(400);
        assertThat(badStatus.json().get("details").findValuesAsText("path")).containsExactly("statuses[0]", "statuses[1]");
        assertThat(badAge.status()).isEqualTo(400);

        RunnerFixture.Response onlyFailed = runner.post("/api/jobs/clean", "{\"olderThan\":\"7d\",\"statuses\":[\"failed\"]}");
        assertThat(onlyFailed.status()).isEqualTo(200);
        assertThat(onlyFailed.json().get("deleted").asLong()).isEqualTo(1);
        assertThat(status(db, oldFailed)).isNull();
        assertThat(status(db, oldDone)).isEqualTo("completed");

        RunnerFixture.Response all = runner.post("/api/jobs/clean", "{\"olderThan\":\"7d\"}");
        assertThat(all.json().get("message").asText()).isEqualTo("jobs_deleted");
        assertThat(all.json().get("deleted").asLong()).isEqualTo(2);
        assertThat(status(db, oldDone)).isNull();
        assertThat(status(db, oldCancelled)).isNull();
        assertThat(status(db, recent)).isEqualTo("completed");
        assertThat(status(db, oldPending)).isEqualTo("pending");
    }

    @Test
    void staticAssetsAreServedWithoutSignInAndUnknownOnes404() {
        Browser anonymous = new Browser(runner.base());
        HttpResponse<String> css = anonymous.get("/admin/queues/static/dashboard.css");
        assertStatus(css).isEqualTo(200);
        assertThat(css.headers().firstValue("Content-Type").orElse("")).startsWith("text/css");
        assertThat(anonymous.get("/admin/queues/static/dashboard.js").body()).contains("EventSource");
        assertStatus(anonymous.get("/admin/queues/static/..%2Fdashboard.css")).isEqualTo(404);
        assertStatus(anonymous.get("/admin/queues/static/logback.xml")).isEqualTo(404);
    }
}
