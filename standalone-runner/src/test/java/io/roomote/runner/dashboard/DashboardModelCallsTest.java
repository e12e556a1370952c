package io.roomote.runner.dashboard;

import io.roomote.core.store.Database;
import io.roomote.core.store.DatabaseUrl;
import io.roomote.core.store.ModelCallRepository;
import io.roomote.core.testing.TestDatabases;
import io.roomote.runner.RoomoteService;
import io.roomote.runner.RunnerFixture;
import io.roomote.runner.dashboard.DashboardTestSupport.Browser;
import io.roomote.runner.dashboard.DashboardTestSupport.Row;
import io.roomote.spi.ModelCall;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.jsoup.select.Elements;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

import static io.roomote.runner.dashboard.DashboardTestSupport.assertStatus;
import static io.roomote.runner.dashboard.DashboardTestSupport.insert;
import static io.roomote.runner.dashboard.DashboardTestSupport.issuePayload;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The job page's "Model calls" section, over HTTP with authentication on, against a real runner and PostgreSQL.
 * The calls are written with the core's {@link ModelCallRepository}, as the runner's job context does. Model
 * names and errors come from model providers' answers: hostile text must show as text.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DashboardModelCallsTest {

    static final String TOKEN = "dashboard-calls-token-0123456789abcdef";
    private static final Instant AT = Instant.parse("2026-11-30T12:34:56Z");
    private static final String EVIL_MODEL = "<script>alert(1)</script>";
    private static final String EVIL_ERROR = "<img src=x onerror=alert(2)> refused";

    @TempDir
    static Path home;

    private String db;
    private RunnerFixture runner;
    private Database database;
    private ModelCallRepository calls;

    @BeforeAll
    void start() {
        db = TestDatabases.freshJdbcUrl();
        runner = new RunnerFixture(home, Map.of("DATABASE_URL", db, "ROOMOTE_API_TOKEN", TOKEN, "HOST", "127.0.0.1"),
                RoomoteService.Role.API);
        database = new Database(DatabaseUrl.parse(db), 2);
        calls = new ModelCallRepository(database);
    }

    @AfterAll
    void stop() {
        runner.close();
        database.close();
    }

    private Browser signedIn() {
        Browser b = new Browser(runner.base());
        assertStatus(b.signIn(TOKEN)).isEqualTo(303);
        return b;
    }

    private long job() {
        return insert(db, Row.of("github.issue.fix", "completed", issuePayload("acme/web", 7, "Fix it")));
    }

    @Test
    void theSectionListsEveryCallWithItsTotals() {
        long id = job();
        calls.record(id, 1, new ModelCall(AT, "openrouter", "anthropic/claude-sonnet-4", 1200L, 340L, 0.0012, 200, 850, null));
        calls.record(id, 1, new ModelCall(AT.plusSeconds(3), "anthropic", "claude-opus-4", 30_000L, 1_000L, 1.5, 200, 61_000, null));
        calls.record(id, 1, new ModelCall(AT.plusSeconds(9), "openrouter", null, null, null, null, 402, 4, "budget spent"));

        Document page = signedIn().page("/admin/queues/jobs/" + id);

        Element section = page.getElementById("live-model-calls");
        assertThat(section).isNotNull();
        assertThat(section.hasAttr("data-live")).as("refreshed while the job runs, like the page's other sections").isTrue();
        assertThat(section.select("h2").text()).isEqualTo("Model calls");
        assertThat(section.select("thead th").eachText()).containsExactly("Time", "Provider", "Model", "Tokens in",
                "Tokens out", "Cost", "Status", "Duration", "Error");
        Elements rows = section.select("tbody tr");
        assertThat(rows).hasSize(3);
        assertThat(cells(rows.get(0))).containsExactly("12:34:56", "openrouter", "anthropic/claude-sonnet-4",
                "1,200", "340", "$0.0012", "200", "850 ms", "");
        assertThat(cells(rows.get(1))).containsExactly("12:34:59", "anthropic", "claude-opus-4",
                "30,000", "1,000", "$1.50", "200", "1 min 01 s", "");
        assertThat(cells(rows.get(2))).containsExactly("12:35:05", "openrouter", "–", "–", "–", "–",
                "402", "4 ms", "budget spent");
        assertThat(rows.get(2).select("td.err").text()).as("a refused call's status stands out").isEqualTo("402");
        assertThat(section.getElementById("model-call-totals").text())
                .isEqualTo("3 calls · 31,200 tokens in · 1,340 out · $1.50");
    }

    @Test
    void hostileModelNamesAndErrorsAreShownAsText() {
        long id = job();
        calls.record(id, 1, new ModelCall(AT, "<b>prov</b>", EVIL_MODEL, 1L, 1L, null, 500, 10, EVIL_ERROR));

        HttpResponse<String> raw = signedIn().get("/admin/queues/jobs/" + id);
        Document page = org.jsoup.Jsoup.parse(raw.body());

        assertThat(raw.body()).contains("&lt;script&gt;alert(1)&lt;/script&gt;").doesNotContain(EVIL_MODEL);
        Element section = page.getElementById("live-model-calls");
        assertThat(section.select("script, img, b, [onerror]")).isEmpty();
        assertThat(section.select("td.model").text()).isEqualTo(EVIL_MODEL);
        assertThat(section.select("td.call-error").text()).isEqualTo(EVIL_ERROR);
        assertThat(section.select("td.call-error span").attr("title")).isEqualTo(EVIL_ERROR);
        assertThat(section.select("tbody td").get(1).text()).isEqualTo("<b>prov</b>");
        assertThat(section.getElementById("model-call-totals").text()).isEqualTo("1 call · 1 tokens in · 1 out · cost unknown");
    }

    @Test
    void aJobWithoutCallsSaysSo() {
        long id = job();

        Element section = signedIn().page("/admin/queues/jobs/" + id).getElementById("live-model-calls");

        assertThat(section.select("tbody tr")).hasSize(1);
        assertThat(section.select("tbody td.empty").text()).isEqualTo("This job made no model call through Roomote's gateway.");
        assertThat(section.getElementById("model-call-totals").text()).isEqualTo("0 calls");
    }

    @Test
    void aJobWithManyCallsShowsTheLastOnesAndSaysWhereTheRestAre() {
        long id = job();
        for (int i = 0; i < Pages.MODEL_CALLS_TAIL + 5; i++) {
            calls.record(id, 1, new ModelCall(AT.plusSeconds(i), "openrouter", "m-" + i, 1L, 1L, 0.01, 200, 5, null));
        }

        Element section = signedIn().page("/admin/queues/jobs/" + id).getElementById("live-model-calls");

        assertThat(section.select("tbody tr")).hasSize(Pages.MODEL_CALLS_TAIL);
        assertThat(section.select("tbody tr").last().select("td.model").text()).isEqualTo("m-" + (Pages.MODEL_CALLS_TAIL + 4));
        assertThat(section.select("p.note").text()).isEqualTo("Showing the last 200 of 205 calls; all of them: GET /api/jobs/"
                + id + "/model-calls.");
        assertThat(section.getElementById("model-call-totals").text()).startsWith("205 calls · 205 tokens in");
    }

    /** Every cell's text, empty ones included (Jsoup's eachText leaves them out). */
    private static java.util.List<String> cells(Element row) {
        return row.select("td").stream().map(Element::text).toList();
    }
}
