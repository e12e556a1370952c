package io.roomote.runner.dashboard;

import io.roomote.core.testing.TestDatabases;
import io.roomote.runner.RoomoteService;
import io.roomote.runner.RunnerFixture;
import io.roomote.runner.dashboard.DashboardTestSupport.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.roomote.runner.dashboard.DashboardTestSupport.insert;
import static io.roomote.runner.dashboard.DashboardTestSupport.issuePayload;
import static io.roomote.runner.dashboard.DashboardTestSupport.status;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dashboard in a real browser: Debian's headless Chromium driven by Selenium against a real runner (workers,
 * PostgreSQL, the example job type as a plugin), with authentication on. Saves screenshots of the main views to
 * {@code target/dashboard-screenshots}, or to {@code -Droomote.dashboard.screenshots=DIR} (docs/images).
 *
 * <p>Needs {@code /usr/bin/chromium} and {@code /usr/bin/chromedriver} (installed by {@code .ci/run}); without them
 * the class is skipped, unless {@code ROOMOTE_REQUIRE_BROWSER=true} (set by CI), which makes their absence a failure.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DashboardBrowserTest {

    private static final String TOKEN = "browser-test-token-0123456789abcdef";
    private static final Path CHROMIUM = Path.of(System.getenv().getOrDefault("CHROMIUM_BIN", "/usr/bin/chromium"));
    private static final Path CHROMEDRIVER = Path.of(System.getenv().getOrDefault("CHROMEDRIVER_BIN", "/usr/bin/chromedriver"));
    private static final String OTHER_RUNNER = "build-box-2:48213:9f3ac1e2";

    @TempDir
    static Path home;
    @TempDir
    static Path profile;

    private String db;
    private RunnerFixture runner;
    private WebDriver driver;
    private WebDriverWait wait;
    private Path screenshots;
    private long showcaseJob;
    private long failedHello;

    @BeforeAll
    void start() throws IOException {
        boolean present = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        if (!present && "true".equalsIgnoreCase(System.getenv("ROOMOTE_REQUIRE_BROWSER"))) {
            throw new IllegalStateException("Chromium and chromedriver are required (ROOMOTE_REQUIRE_BROWSER=true) but "
                    + CHROMIUM + " / " + CHROMEDRIVER + " are missing; apt-get install chromium chromium-driver");
        }
        Assumptions.assumeTrue(present, "no " + CHROMIUM + " / " + CHROMEDRIVER + ": apt-get install chromium chromium-driver");

        db = TestDatabases.freshJdbcUrl();
        runner = new RunnerFixture(home, Map.of("DATABASE_URL", db, "ROOMOTE_API_TOKEN", TOKEN, "HOST", "127.0.0.1",
                "DASHBOARD_PORT", "0", "MAX_WORKERS", "4", "ROOMOTE_RUNNER_ID", "roomote-1:7311:c0ffee42"),
                RoomoteService.Role.SERVE);
        seed();

        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage", "--window-size=1440,1000",
                "--user-data-dir=" + profile.toAbsolutePath());
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        driver = new ChromeDriver(service, options);
        wait = new WebDriverWait(driver, Duration.ofSeconds(30), Duration.ofMillis(100));
        wait.ignoring(org.openqa.selenium.StaleElementReferenceException.class);
        screenshots = Path.of(System.getProperty("roomote.dashboard.screenshots", "target/dashboard-screenshots"));
        Files.createDirectories(screenshots);
    }

    @AfterAll
    void stop() {
        if (driver != null) {
            driver.quit();
        }
        if (runner != null) {
            runner.close();
        }
    }

    /**
     * A realistic queue: github.issue.fix jobs of several repositories over the last day, two running on another
     * runner (its lease valid for an hour), and pending ones waiting for a retry delay, so no worker here takes them.
     */
    private void seed() {
        String[] repos = {"acme/web", "acme/api", "acme/mobile", "octo-org/billing", "octo-org/docs"};
        String[] titles = {"Login button does nothing on Safari", "Crash when uploading a PNG larger than 10 MB",
                "Typo in the onboarding email", "Pagination skips the last page", "Date picker ignores the locale",
                "500 on /invoices when the customer has no address", "Dark mode: unreadable table headers",
                "Flaky test: OrderServiceTest.refunds", "Search is case-sensitive", "Broken link in README"};
        String[] outcomes = {"pr_opened", "pr_opened", "pr_opened", "no_changes", "pr_opened", "skipped"};
        try (Connection c = DriverManager.getConnection(db)) {
            for (int i = 0; i < 46; i++) {
                String repo = repos[i % repos.length];
                int issue = 100 + i * 7;
                String title = titles[i % titles.length];
                int minutesAgo = 15 + i * 31;
                String created = (minutesAgo + 6) + " minutes";
                String started = (minutesAgo + 5) + " minutes";
                String done = minutesAgo + " minutes";
                Row row;
                if (i % 9 == 4) {
                    row = Row.of("github.issue.fix", "failed", issuePayload(repo, issue, title))
                            .result("{\"outcome\":\"agent_failed\",\"branch\":\"roomote/issue-" + issue + "\",\"costUsd\":0.31,"
                                    + "\"tokensIn\":81234,\"tokensOut\":6120,\"durationMs\":412000}")
                            .error("agent exited with code 1: the tests still fail after 3 fix attempts")
                            .attempts(1, 3).times(created, started, done);
                } else if (i % 13 == 7) {
                    row = Row.of("github.issue.fix", "cancelled", issuePayload(repo, issue, title))
                            .error("cancelled by a user").times(created, started, done);
                } else {
                    String outcome = outcomes[i % outcomes.length];
                    boolean pr = outcome.equals("pr_opened");
                    row = Row.of("github.issue.fix", "completed", issuePayload(repo, issue, title))
                            .result("{\"outcome\":\"" + outcome + "\"" + (pr ? ",\"prUrl\":\"https://github.com/" + repo + "/pull/"
                                    + (issue + 1) + "\",\"prNumber\":" + (issue + 1) + ",\"branch\":\"roomote/issue-" + issue + "\"" : "")
                                    + ",\"costUsd\":" + (0.12 + (i % 7) * 0.09) + ",\"tokensIn\":" + (42000 + i * 1731)
                                    + ",\"tokensOut\":" + (3100 + i * 97) + ",\"durationMs\":" + (180000 + i * 7919) + "}")
                            .times(created, started, done);
                }
                insert(c, row);
            }
            showcaseJob = insert(c, Row.of("github.issue.fix", "completed",
                            issuePayload("acme/web", 1287, "Checkout total ignores the discount code"))
                    .result("{\"outcome\":\"pr_opened\",\"prUrl\":\"https://github.com/acme/web/pull/1291\",\"prNumber\":1291,"
                            + "\"branch\":\"roomote/issue-1287\",\"costUsd\":0.47,\"tokensIn\":96310,\"tokensOut\":7342,"
                            + "\"durationMs\":318400,\"agent\":\"roo-code\",\"filesChanged\":3}")
                    .times("9 minutes", "8 minutes", "3 minutes"));
            String[] log = {
                "cloning https://github.com/acme/web (mirror cache hit)",
                "checked out main at 4e1c9a2; created branch roomote/issue-1287",
                "issue #1287: Checkout total ignores the discount code",
                "starting agent roo-code (model anthropic/claude-sonnet-4)",
                "agent: reading src/checkout/total.ts, src/checkout/discount.ts",
                "agent: the discount is applied after tax rounding; moving it before",
                "agent: editing src/checkout/total.ts (+14 -6)",
                "agent: adding a test for stacked discounts in total.test.ts",
                "running npm test -- checkout",
                "  PASS  src/checkout/total.test.ts (12 tests)",
                "  PASS  src/checkout/discount.test.ts (8 tests)",
                "committing 3 files: fix(checkout): apply discount codes before rounding (#1287)",
                "pushing roomote/issue-1287",
                "opened pull request https://github.com/acme/web/pull/1291",
                "tokens: 96,310 in / 7,342 out; cost $0.47"};
            for (int i = 0; i < log.length; i++) {
                DashboardTestSupport.exec(db, "INSERT INTO cloud_job_logs (job_id, attempt, level, line, logged_at)"
                        + " VALUES (?, 1, ?, ?, now() - interval '8 minutes' + ? * interval '19 seconds')",
                        showcaseJob, i == 9 || i == 10 ? "info" : "info", log[i], i);
            }
            insert(c, Row.of("github.issue.fix", "processing", issuePayload("acme/api", 412, "Rate limiter counts OPTIONS requests"))
                    .times("3 minutes", "2 minutes", null).leasedBy(OTHER_RUNNER));
            insert(c, Row.of("github.issue.fix", "processing", issuePayload("octo-org/billing", 88, "VAT missing on credit notes"))
                    .times("2 minutes", "1 minute", null).leasedBy(OTHER_RUNNER));
            insert(c, Row.of("github.issue.fix", "pending", issuePayload("acme/mobile", 733, "App freezes when offline"))
                    .attempts(1, 3).error("git push failed: connection reset by peer; will retry")
                    .times("6 minutes", "5 minutes", null).runAt("-40 minutes"));
            insert(c, Row.of("github.issue.fix", "pending", issuePayload("octo-org/docs", 59, "Document the webhook secret"))
                    .times("1 minute", null, null).runAt("-25 minutes"));
            failedHello = insert(c, Row.of("example.hello", "failed", "{\"name\":\"Grace\",\"seconds\":2}")
                    .error("could not reach the greeting service: connection reset").attempts(3, 3)
                    .times("20 minutes", "19 minutes", "19 minutes"));
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private String url(String path) {
        return runner.base() + path;
    }

    private WebElement find(String css) {
        return wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector(css)));
    }

    /**
     * Clicks {@code css}, finding it afresh if the live overview re-rendered it between the find and the click
     * (a stale element: the click did not happen, so trying again is safe).
     */
    private void click(String css) {
        wait.until(d -> {
            d.findElement(By.cssSelector(css)).click();
            return true;
        });
    }

    private void waitForText(String css, String text) {
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector(css), text));
    }

    private void confirmAndAccept() {
        wait.until(ExpectedConditions.alertIsPresent()).accept();
    }

    /** The whole page, not just the viewport: the window is stretched to the document for the shot. */
    private void screenshot(String name) throws IOException {
        Dimension before = driver.manage().window().getSize();
        JavascriptExecutor js = (JavascriptExecutor) driver;
        long height = (Long) js.executeScript("return Math.max(document.documentElement.scrollHeight, document.body.scrollHeight);");
        long chrome = (Long) js.executeScript("return window.outerHeight - window.innerHeight;");
        driver.manage().window().setSize(new Dimension(before.getWidth(), (int) Math.min(4000, height + chrome)));
        File shot = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
        Files.copy(shot.toPath(), screenshots.resolve(name), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        driver.manage().window().setSize(before);
    }

    @Test
    @Order(1)
    void signingInLeadsToThePageAskedFor() throws IOException {
        driver.get(url("/admin/queues/jobs?status=failed"));
        find("#login-form");
        assertThat(driver.getCurrentUrl()).contains("/admin/queues/login");
        screenshot("dashboard-sign-in.png");

        driver.findElement(By.id("token")).sendKeys("not-the-right-token-at-all");
        driver.findElement(By.id("sign-in")).click();
        waitForText("#login-error", "That token is not right.");

        driver.findElement(By.id("token")).sendKeys(TOKEN);
        driver.findElement(By.id("sign-in")).click();
        find("#tab-failed.active");
        assertThat(driver.getCurrentUrl()).endsWith("/admin/queues/jobs?status=failed");
        assertThat(driver.manage().getCookieNamed(Dashboard.COOKIE).isHttpOnly()).isTrue();
        assertThat(driver.manage().getCookieNamed(Dashboard.COOKIE).getSameSite()).isEqualTo("Strict");
    }

    @Test
    @Order(2)
    void theOverviewShowsTheDatabasesCountsAndKeepsThemCurrent() throws IOException {
        driver.get(url("/admin/queues"));
        find("#live-counts");
        Map<String, Long> expected = DashboardTestSupport.countsByStatus(db);
        for (String status : List.of("pending", "processing")) {
            assertThat(count(status)).as(status).isEqualTo(expected.get(status));
        }
        assertThat(expected.get("completed")).isGreaterThan(30);
        // Finished jobs by outcome: skipped ones are not failures, and together they are all finished jobs.
        long skipped = (Long) DashboardTestSupport.query(db, "SELECT count(*) AS n FROM cloud_jobs WHERE result ->> 'outcome' = 'skipped'")
                .get(0).get("n");
        assertThat(skipped).isPositive();
        assertThat(finished("skipped")).isEqualTo(skipped);
        assertThat(finished("pr") + finished("completed") + finished("no_changes") + finished("skipped") + finished("failed")
                + finished("timed_out") + finished("cancelled"))
                .isEqualTo(expected.get("completed") + expected.get("failed") + expected.get("cancelled"));
        assertThat(driver.findElement(By.id("metric-workers")).getText()).contains("0 / 4 busy").contains("2 running on 1 runner");
        assertThat(driver.findElement(By.id("live-runners")).getText()).contains(OTHER_RUNNER).contains("this process")
                .contains("roomote-1:7311:c0ffee42");
        assertThat(driver.findElement(By.id("metric-throughput")).getText()).contains("finished / last hour");
        assertThat(driver.findElement(By.id("metric-oldest")).getText()).contains("waiting since");
        screenshot("dashboard-overview.png");

        // New rows show up without a reload (the page refreshes its live regions every 5 s).
        ((JavascriptExecutor) driver).executeScript("window.__sameDocument = true;");
        long failedBefore = finished("failed");
        insert(db, Row.of("github.issue.fix", "failed", issuePayload("acme/web", 9999, "Live refresh check")).error("boom"));
        wait.withTimeout(Duration.ofSeconds(20)).until(d -> finished("failed") == failedBefore + 1);
        assertThat(((JavascriptExecutor) driver).executeScript("return window.__sameDocument === true;")).isEqualTo(true);
    }

    /** The count shown for a status; the live refresh may replace the element between finding and reading it. */
    private long count(String status) {
        return shown("[data-count=" + status + "]");
    }

    /** The count shown for an outcome of finished jobs. */
    private long finished(String outcome) {
        return shown("[data-finished=" + outcome + "]");
    }

    private long shown(String css) {
        for (int attempt = 1; ; attempt++) {
            try {
                return Long.parseLong(driver.findElement(By.cssSelector(css)).getText().replace(",", ""));
            } catch (org.openqa.selenium.StaleElementReferenceException e) {
                if (attempt == 5) {
                    throw e;
                }
            }
        }
    }

    @Test
    @Order(3)
    void findsAJobByRepositoryAndIssueAndOpensIt() throws IOException {
        driver.get(url("/admin/queues/jobs"));
        find("#jobs");
        assertThat(driver.findElements(By.cssSelector("#jobs tr[data-job]"))).hasSize(50);
        driver.get(url("/admin/queues/jobs?limit=25"));
        assertThat(driver.findElements(By.cssSelector("#jobs tr[data-job]"))).hasSize(25);
        screenshot("dashboard-jobs.png");
        driver.get(url("/admin/queues/jobs"));

        driver.findElement(By.id("filter-repo")).sendKeys("ACME/web");
        driver.findElement(By.id("filter-issue")).sendKeys("#1287");
        driver.findElement(By.cssSelector("#filters button[type=submit]")).click();
        wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#jobs tr[data-job]"), 1));
        WebElement row = driver.findElement(By.cssSelector("#jobs tr[data-job]"));
        assertThat(row.getText()).contains("acme/web#1287").contains("Checkout total ignores the discount code")
                .contains("pr_opened").contains("#1291");

        row.findElement(By.cssSelector("a.job-link")).click();
        waitForText("h1", "Job #" + showcaseJob);
        assertThat(driver.findElement(By.id("job-title")).getText()).isEqualTo("Checkout total ignores the discount code");
        assertThat(driver.findElement(By.id("fact-pr")).getText()).contains("#1291");
        assertThat(driver.findElement(By.id("fact-cost")).getText()).isEqualTo("$0.47");
        assertThat(driver.findElement(By.id("fact-tokens")).getText()).isEqualTo("96,310 in · 7,342 out");
        assertThat(driver.findElements(By.cssSelector("#log .line"))).hasSize(15);
        assertThat(driver.findElement(By.id("timeline")).getText()).contains("Created").contains("Finished: completed");
        screenshot("dashboard-job.png");

        driver.get(url("/admin/queues/jobs?q=discount+code"));
        assertThat(driver.findElements(By.cssSelector("#jobs tr[data-job]"))).hasSize(1);
    }

    @Test
    @Order(4)
    void aRunningJobsLogLinesAppearLive() {
        long id = runner.enqueue("example.hello", "{\"name\":\"Live\",\"seconds\":5}");
        driver.get(url("/admin/queues/jobs?type=example.hello"));
        find("#jobs tr[data-job='" + id + "'] a.job-link").click();
        waitForText("h1", "Job #" + id);
        ((JavascriptExecutor) driver).executeScript("window.__sameDocument = true;");
        int before = driver.findElements(By.cssSelector("#log .line")).size();

        waitForText("#log", "thinking about Live (3/5)");
        // On a busy machine the page may be rendered with the first lines already in it: wait for the next ones.
        wait.until(d -> d.findElements(By.cssSelector("#log .line")).size() > before);
        assertThat(driver.findElement(By.cssSelector("h1 .badge")).getText()).isIn("processing", "completed");
        waitForText("#log", "Hello, Live!");
        waitForText("h1 .badge", "completed");
        waitForText("#result", "Hello, Live!");
        assertThat(((JavascriptExecutor) driver).executeScript("return window.__sameDocument === true;"))
                .as("lines and status arrived without reloading the page").isEqualTo(true);
        List<String> lines = driver.findElements(By.cssSelector("#log .line .msg")).stream().map(WebElement::getText).toList();
        assertThat(lines).containsSubsequence("thinking about Live (1/5)", "thinking about Live (5/5)", "Hello, Live!");
        assertThat(lines).doesNotHaveDuplicates();
    }

    @Test
    @Order(5)
    void retryingAFailedJobRunsItAgain() {
        driver.get(url("/admin/queues/jobs/" + failedHello));
        waitForText("h1 .badge", "failed");
        assertThat(driver.findElement(By.id("job-error")).getText()).contains("connection reset");

        find("#action-retry").click();
        confirmAndAccept();
        waitForText(".flash", "Job #" + failedHello + " is queued again.");
        waitForText("h1 .badge", "completed");
        waitForText("#log", "Hello, Grace!");
        waitForText("#result", "Hello, Grace!");
        assertThat(driver.findElement(By.id("fact-attempts")).getText()).isEqualTo("1 of 3");
        assertThat(status(db, failedHello)).isEqualTo("completed");
    }

    @Test
    @Order(6)
    void cancellingARunningJobStopsIt() {
        long id = runner.enqueue("example.hello", "{\"name\":\"Long\",\"seconds\":60}");
        driver.get(url("/admin/queues/jobs/" + id));
        waitForText("#log", "thinking about Long (1/60)");
        waitForText("h1 .badge", "processing");

        find("#action-cancel").click();
        confirmAndAccept();
        waitForText(".flash", "was asked to stop");
        waitForText("h1 .badge", "cancelled");
        assertThat(status(db, id)).isEqualTo("cancelled");
        assertThat(driver.findElements(By.id("action-cancel"))).isEmpty();
        assertThat(driver.findElements(By.id("action-retry"))).hasSize(1);
    }

    @Test
    @Order(7)
    void deletingAsksFirstAndDismissingKeepsTheJob() {
        long id = insert(db, Row.of("example.hello", "completed", "{\"name\":\"Old\"}"));
        driver.get(url("/admin/queues/jobs/" + id));
        find("#action-delete").click();
        wait.until(ExpectedConditions.alertIsPresent()).dismiss();
        assertThat(driver.getCurrentUrl()).endsWith("/admin/queues/jobs/" + id);
        assertThat(status(db, id)).isEqualTo("completed");

        find("#action-delete").click();
        confirmAndAccept();
        waitForText(".flash", "Job #" + id + " and its log are deleted.");
        assertThat(driver.getCurrentUrl()).endsWith("/admin/queues/jobs");
        assertThat(status(db, id)).isNull();
    }

    /** Issue 15: the job list refreshes itself like the overview: a new job appears without a reload. */
    @Test
    @Order(8)
    void theJobListShowsNewJobsWithoutAReload() {
        driver.get(url("/admin/queues/jobs?repo=live/list"));
        find("#jobs");
        ((JavascriptExecutor) driver).executeScript("window.__sameDocument = true;");
        driver.findElement(By.id("filter-q")).sendKeys("typed, not sent");
        long id = insert(db, Row.of("github.issue.fix", "failed", "{\"repo\":\"live/list\",\"issue\":5}")
                .result("{\"outcome\":\"skipped\",\"title\":\"Learnt at pre-flight\"}"));

        find("#jobs tr[data-job='" + id + "']");
        WebElement row = driver.findElement(By.cssSelector("#jobs tr[data-job='" + id + "']"));
        assertThat(row.getText()).contains("Learnt at pre-flight").contains("skipped");
        assertThat(((JavascriptExecutor) driver).executeScript("return window.__sameDocument === true;")).isEqualTo(true);
        assertThat(driver.findElement(By.id("filter-q")).getAttribute("value")).as("the form is left alone").isEqualTo("typed, not sent");
    }

    /** Issue 15: retry all failed jobs of the current filter, after a confirmation; they run and complete. */
    @Test
    @Order(9)
    void retryingAllFailedJobsOfAFilterRunsThemAgain() {
        long a = insert(db, Row.of("example.hello", "failed", "{\"name\":\"Bulky\",\"seconds\":1}").error("boom"));
        long b = insert(db, Row.of("example.hello", "failed", "{\"name\":\"Bulkier\",\"seconds\":1}").error("boom"));
        long other = insert(db, Row.of("example.hello", "failed", "{\"name\":\"Elsewhere\",\"seconds\":1}").error("boom"));
        driver.get(url("/admin/queues/jobs?type=example.hello&q=Bulk&status=failed"));
        find("#bulk-retry").click();
        wait.until(ExpectedConditions.alertIsPresent()).dismiss();
        assertThat(status(db, a)).isEqualTo("failed");

        find("#bulk-retry").click();
        confirmAndAccept();
        waitForText(".flash", "Queued 2 jobs again.");
        wait.withTimeout(Duration.ofSeconds(60)).until(d -> "completed".equals(status(db, a)) && "completed".equals(status(db, b)));
        assertThat(status(db, other)).isEqualTo("failed");
    }

    /** Issue 15: pausing a type on the overview keeps its jobs pending on every runner; resuming runs them. */
    @Test
    @Order(10)
    void pausingATypeKeepsItsJobsPendingUntilItIsResumed() throws IOException {
        driver.get(url("/admin/queues"));
        click("#pause-example\\.hello");
        confirmAndAccept();
        waitForText(".flash", "No runner claims example.hello jobs now");
        find("tr[data-type='example.hello'] .badge.s-paused");
        long id = runner.enqueue("example.hello", "{\"name\":\"Paused\",\"seconds\":1}");
        long other = runner.enqueue("example.hello", "{\"name\":\"Paused too\",\"seconds\":1}");
        // The enqueue woke the idle workers; unpaused, a one-second job would have completed by now. (The claim
        // itself is shown deterministically by JobTypePausesTest; this is the whole runner.)
        sleep(Duration.ofSeconds(4));
        assertThat(status(db, id)).isEqualTo("pending");
        assertThat(status(db, other)).isEqualTo("pending");
        screenshot("dashboard-paused.png");

        click("#resume-example\\.hello");
        confirmAndAccept();
        waitForText(".flash", "Runners claim example.hello jobs again.");
        wait.withTimeout(Duration.ofSeconds(60)).until(d -> "completed".equals(status(db, id)) && "completed".equals(status(db, other)));
    }

    /** Issue 15: a dark theme that follows the system's setting (Chromium's prefers-color-scheme emulation). */
    @Test
    @Order(11)
    void theDarkThemeFollowsTheSystemSetting() throws IOException {
        driver.get(url("/admin/queues"));
        find("#live-counts");
        String light = background();
        ((org.openqa.selenium.chrome.ChromeDriver) driver).executeCdpCommand("Emulation.setEmulatedMedia",
                Map.of("features", List.of(Map.of("name", "prefers-color-scheme", "value", "dark"))));
        try {
            driver.get(url("/admin/queues"));
            find("#live-counts");
            String dark = background();
            assertThat(light).isEqualTo("rgb(245, 246, 248)");
            assertThat(dark).isEqualTo("rgb(15, 19, 26)");
            screenshot("dashboard-overview-dark.png");
            driver.get(url("/admin/queues/jobs/" + showcaseJob));
            find("#log");
            screenshot("dashboard-job-dark.png");
        } finally {
            ((org.openqa.selenium.chrome.ChromeDriver) driver).executeCdpCommand("Emulation.setEmulatedMedia",
                    Map.of("features", List.of(Map.of("name", "prefers-color-scheme", "value", "light"))));
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private String background() {
        return (String) ((JavascriptExecutor) driver).executeScript("return getComputedStyle(document.body).backgroundColor;");
    }

    @Test
    @Order(20)
    void signingOutEndsTheSession() {
        driver.get(url("/admin/queues"));
        find("#logout").click();
        find("#login-form");
        driver.get(url("/admin/queues/jobs"));
        find("#login-form");
        assertThat(driver.getCurrentUrl()).contains("/admin/queues/login");
    }
}
