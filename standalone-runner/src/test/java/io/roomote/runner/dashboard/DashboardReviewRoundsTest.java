package io.roomote.runner.dashboard;

import io.roomote.core.testing.TestDatabases;
import io.roomote.runner.RoomoteService;
import io.roomote.runner.RunnerFixture;
import io.roomote.runner.dashboard.DashboardTestSupport.Browser;
import io.roomote.runner.dashboard.DashboardTestSupport.Row;
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
import java.util.Map;

import static io.roomote.runner.dashboard.DashboardTestSupport.assertStatus;
import static io.roomote.runner.dashboard.DashboardTestSupport.insert;
import static io.roomote.runner.dashboard.DashboardTestSupport.issuePayload;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A pull request's review rounds on the dashboard, over HTTP with authentication on, against a real runner and
 * PostgreSQL: a {@code github.pr.revise} job's page names its round, its pull request and the fix job that opened
 * it; the fix job's page lists the rounds. Jobs are rows as the job types store them (fix result {@code prNumber},
 * round payload {@code {repo, pr, trigger, ...}}); text that came from GitHub shows as text.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DashboardReviewRoundsTest {

    static final String TOKEN = "dashboard-rounds-token-0123456789abcdef";
    private static final String EVIL_LOGIN = "<img src=x onerror=alert(3)>";

    @TempDir
    static Path home;

    private String db;
    private RunnerFixture runner;

    @BeforeAll
    void start() {
        db = TestDatabases.freshJdbcUrl();
        runner = new RunnerFixture(home, Map.of("DATABASE_URL", db, "ROOMOTE_API_TOKEN", TOKEN, "HOST", "127.0.0.1"),
                RoomoteService.Role.API);
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

    private static String round(String repo, int pr, String trigger, String by) {
        return "{\"repo\":\"" + repo + "\",\"pr\":" + pr + ",\"trigger\":\"" + trigger + "\",\"triggerId\":1"
                + (by == null ? "" : ",\"requestedBy\":" + RunnerFixture.MAPPER.valueToTree(by)) + "}";
    }

    @Test
    void aFixJobListsItsPullRequestsRoundsAndEachRoundLinksBackToIt() {
        long fix = insert(db, Row.of("github.issue.fix", "completed", issuePayload("acme/web", 7, "Fix it"))
                .result("{\"repo\":\"acme/web\",\"issue\":7,\"prUrl\":\"https://github.com/acme/web/pull/31\",\"prNumber\":31}"));
        // Another pull request's fix job and round, and a round on the same number in another repository: not listed.
        insert(db, Row.of("github.issue.fix", "completed", issuePayload("acme/web", 8, "Other"))
                .result("{\"repo\":\"acme/web\",\"issue\":8,\"prNumber\":32}"));
        insert(db, Row.of("github.pr.revise", "completed", round("acme/web", 32, "review", "bob")));
        insert(db, Row.of("github.pr.revise", "completed", round("acme/other", 31, "review", "bob")));
        long first = insert(db, Row.of("github.pr.revise", "completed", round("Acme/Web", 31, "review_comment", "alice"))
                .result("{\"round\":1,\"outcome\":\"pushed\",\"commits\":[\"abc1234\",\"def5678\"]}"));
        long second = insert(db, Row.of("github.pr.revise", "pending", round("acme/web", 31, "check_run", null)));

        Document fixPage = signedIn().page("/admin/queues/jobs/" + fix);
        Element rounds = fixPage.getElementById("review-rounds");
        assertThat(rounds).isNotNull();
        assertThat(rounds.select("h2").text()).isEqualTo("Review rounds");
        assertThat(rounds.select(".card-head .muted").text()).isEqualTo("2 rounds on acme/web#31");
        assertThat(rounds.select("thead th").eachText())
                .containsExactly("Job", "Round", "Status", "Outcome", "Commits", "Asked by", "Created");
        Elements rows = rounds.select("tbody tr");
        assertThat(rows.eachAttr("data-job")).containsExactly(String.valueOf(first), String.valueOf(second));
        assertThat(rows.get(0).select("td").eachText().subList(0, 6))
                .containsExactly("#" + first, "1", "completed", "pushed", "2", "review_comment · alice");
        assertThat(rows.get(1).select("td").eachText().subList(0, 6))
                .containsExactly("#" + second, "–", "pending", "–", "–", "check_run");
        assertThat(rows.get(0).select("a").attr("href")).isEqualTo("/admin/queues/jobs/" + first);

        Element roundFacts = signedIn().page("/admin/queues/jobs/" + first).getElementById("review-round");
        assertThat(roundFacts).isNotNull();
        assertThat(roundFacts.getElementById("fact-round").text()).isEqualTo("1");
        assertThat(roundFacts.select("#fact-round-pr a").attr("href")).isEqualTo("https://github.com/Acme/Web/pull/31");
        assertThat(roundFacts.select("#fact-fix-job a").attr("href")).isEqualTo("/admin/queues/jobs/" + fix);
        assertThat(roundFacts.getElementById("fact-round-trigger").text()).isEqualTo("review_comment · alice");
    }

    @Test
    void aRoundFindsItsFixJobByTheResultsFixJobIdFirst() {
        long opener = insert(db, Row.of("github.issue.fix", "completed", issuePayload("acme/api", 3, "Fix")));
        long round = insert(db, Row.of("github.pr.revise", "completed", round("acme/api", 40, "comment", "carol"))
                .result("{\"round\":2,\"fixJobId\":" + opener + "}"));

        Element facts = signedIn().page("/admin/queues/jobs/" + round).getElementById("review-round");

        assertThat(facts.select("#fact-fix-job a").attr("href")).isEqualTo("/admin/queues/jobs/" + opener);
        assertThat(facts.getElementById("fact-round").text()).isEqualTo("2");
    }

    @Test
    void aRoundWhoseFixJobIsGoneSaysSoAndHostileLoginsShowAsText() {
        long round = insert(db, Row.of("github.pr.revise", "completed", round("acme/gone", 5, "review", EVIL_LOGIN)));

        HttpResponse<String> raw = signedIn().get("/admin/queues/jobs/" + round);
        Document page = org.jsoup.Jsoup.parse(raw.body());

        Element facts = page.getElementById("review-round");
        assertThat(facts.getElementById("fact-fix-job").text()).startsWith("no job here opened this pull request");
        assertThat(facts.getElementById("fact-round-trigger").text()).isEqualTo("review · " + EVIL_LOGIN);
        assertThat(facts.select("img, [onerror]")).isEmpty();
        assertThat(raw.body()).doesNotContain(EVIL_LOGIN);
    }
}
