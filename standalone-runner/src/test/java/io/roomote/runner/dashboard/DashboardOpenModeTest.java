package io.roomote.runner.dashboard;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.roomote.core.config.ConfigurationException;
import io.roomote.core.config.Settings;
import io.roomote.core.testing.TestDatabases;
import io.roomote.runner.RoomoteService;
import io.roomote.runner.RunnerFixture;
import io.roomote.runner.RunnerSettings;
import io.roomote.runner.dashboard.DashboardTestSupport.Browser;
import io.roomote.runner.dashboard.DashboardTestSupport.Row;
import org.jsoup.nodes.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static io.roomote.runner.dashboard.DashboardTestSupport.assertStatus;
import static io.roomote.runner.dashboard.DashboardTestSupport.insert;
import static io.roomote.runner.dashboard.DashboardTestSupport.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** No token (open on loopback, like the API), read-only mode, and the extra DASHBOARD_PORT. */
class DashboardOpenModeTest {

    @TempDir
    Path home;

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** A raw request, to send a Host header java.net.http refuses to set. */
    private static int statusWithHost(int port, String path, String host) throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            OutputStream out = s.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String line = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine();
            return Integer.parseInt(line.split(" ")[1]);
        }
    }

    @Test
    void withoutATokenTheDashboardIsOpenOnLoopbackOnItsOwnPortTooButStillNeedsCsrf() throws Exception {
        String db = TestDatabases.freshJdbcUrl();
        int dashboardPort = freePort();
        try (RunnerFixture runner = new RunnerFixture(home, Map.of("DATABASE_URL", db,
                "DASHBOARD_PORT", String.valueOf(dashboardPort)), RoomoteService.Role.API)) {
            assertThat(runner.service().dashboardPort()).hasValue(dashboardPort);
            long failed = insert(db, Row.of("example.hello", "failed", "{\"name\":\"open\"}").error("boom"));

            for (String base : new String[] {runner.base(), "http://127.0.0.1:" + dashboardPort, "http://localhost:" + dashboardPort}) {
                Browser b = new Browser(base);
                Document overview = b.page("/admin/queues");
                assertThat(overview.select("[data-finished=failed]").text()).isEqualTo("1");
                assertThat(overview.select(".pill.warn").text()).contains("no sign-in");
                assertThat(overview.select("#logout")).isEmpty();
                assertThat(b.cookie(Dashboard.COOKIE)).as("a session for the CSRF token").isNotNull();
                assertStatus(b.post("/admin/queues/jobs/" + failed + "/retry", Map.of(), Map.of())).isEqualTo(403);
                assertStatus(new Browser(base).post("/admin/queues/jobs/" + failed + "/retry", Map.of("_csrf", "x"), Map.of()),
                        "no session: no CSRF token can match").isEqualTo(403);
                assertThat(status(db, failed)).isEqualTo("failed");
                HttpResponse<String> login = b.get("/admin/queues/login");
                assertStatus(login, "nothing to sign in to").isEqualTo(303);
                assertThat(login.headers().firstValue("Location")).hasValue("/admin/queues");
            }
            HttpResponse<String> root = new Browser("http://127.0.0.1:" + dashboardPort).get("/");
            assertStatus(root).isEqualTo(302);
            assertThat(root.headers().firstValue("Location")).hasValue("/admin/queues");

            // DNS rebinding: an open dashboard answers only to loopback names.
            assertThat(statusWithHost(dashboardPort, "/admin/queues", "127.0.0.1:" + dashboardPort)).isEqualTo(200);
            assertThat(statusWithHost(dashboardPort, "/admin/queues", "localhost")).isEqualTo(200);
            assertThat(statusWithHost(dashboardPort, "/admin/queues", "attacker.example:" + dashboardPort)).isEqualTo(403);
            assertThat(statusWithHost(runner.service().apiPort().orElseThrow(), "/admin/queues", "attacker.example")).isEqualTo(403);

            Browser b = new Browser(runner.base());
            String csrf = b.csrf("/admin/queues/jobs/" + failed);
            assertStatus(b.post("/admin/queues/jobs/" + failed + "/retry", Map.of("_csrf", csrf), Map.of())).isEqualTo(303);
            assertThat(status(db, failed)).isEqualTo("pending");
        }
    }

    @Test
    void readOnlyShowsEverythingAndChangesNothing() {
        String db = TestDatabases.freshJdbcUrl();
        try (RunnerFixture runner = new RunnerFixture(home, Map.of("DATABASE_URL", db, "DASHBOARD_PORT", "0",
                "DASHBOARD_READ_ONLY", "true", "ROOMOTE_API_TOKEN", DashboardHttpTest.TOKEN, "HOST", "127.0.0.1"),
                RoomoteService.Role.API)) {
            long failed = insert(db, Row.of("example.hello", "failed", "{\"name\":\"ro\"}").error("boom"));
            Browser b = new Browser(runner.base());
            assertStatus(b.signIn(DashboardHttpTest.TOKEN)).isEqualTo(303);
            Document detail = b.page("/admin/queues/jobs/" + failed);
            Document overview = b.page("/admin/queues");
            String csrf = overview.select("input[name=_csrf]").attr("value");

            assertThat(detail.select("#action-retry, #action-cancel, #action-delete")).isEmpty();
            assertThat(detail.select(".pill").text()).contains("read-only");
            assertThat(overview.select("#maintenance")).isEmpty();
            assertThat(csrf).isNotBlank();
            assertStatus(b.post("/admin/queues/jobs/" + failed + "/retry", Map.of("_csrf", csrf), Map.of())).isEqualTo(403);
            assertStatus(b.post("/admin/queues/jobs/" + failed + "/delete", Map.of("_csrf", csrf), Map.of())).isEqualTo(403);
            assertStatus(b.post("/admin/queues/clean", Map.of("_csrf", csrf, "olderThanDays", "0", "status", "failed"),
                    Map.of())).isEqualTo(403);
            assertThat(status(db, failed)).isEqualTo("failed");
        }
    }

    @Test
    void tenWrongTokensInAMinuteLockTheAddressOutEvenForTheRightOne() {
        try (RunnerFixture runner = new RunnerFixture(home, Map.of("DATABASE_URL", TestDatabases.freshJdbcUrl(),
                "DASHBOARD_PORT", "0", "ROOMOTE_API_TOKEN", DashboardHttpTest.TOKEN, "HOST", "127.0.0.1"),
                RoomoteService.Role.API)) {
            Browser b = new Browser(runner.base());
            String csrf = b.csrf("/admin/queues/login");
            for (int i = 0; i < 10; i++) {
                assertStatus(b.post("/admin/queues/login", Map.of("_csrf", csrf, "token", "wrong-" + i), Map.of()))
                        .isEqualTo(401);
            }
            HttpResponse<String> locked = b.post("/admin/queues/login", Map.of("_csrf", csrf, "token", DashboardHttpTest.TOKEN), Map.of());
            assertStatus(locked).isEqualTo(429);
            assertThat(locked.body()).contains("Too many wrong tokens");
            assertStatus(b.get("/admin/queues")).isEqualTo(303);
        }
    }

    /** Everything logged while it is attached, from any logger. */
    private static final class CapturedLogs implements AutoCloseable {
        private final ch.qos.logback.classic.Logger root =
                (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

        CapturedLogs() {
            appender.start();
            root.addAppender(appender);
        }

        List<ILoggingEvent> at(Level level) {
            return List.copyOf(appender.list).stream().filter(e -> e.getLevel() == level).toList();
        }

        @Override
        public void close() {
            root.detachAppender(appender);
        }
    }

    @Test
    void anExplicitBusyDashboardPortFailsTheStartAndTheDefaultOneOnlyWarns() throws Exception {
        try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = busy.getLocalPort();
            try (CapturedLogs logs = new CapturedLogs()) {
                assertThatThrownBy(() -> new RunnerFixture(home, Map.of("DATABASE_URL", TestDatabases.freshJdbcUrl(),
                        "DASHBOARD_PORT", String.valueOf(port)), RoomoteService.Role.API))
                        .isInstanceOf(ConfigurationException.class)
                        .hasMessageContaining("DASHBOARD_PORT " + port + " is not available")
                        .hasMessageContaining("Address already in use")
                        .hasMessageNotContaining("\n");
                assertThat(logs.at(Level.ERROR)).as("the exception is the one report").isEmpty();
            }

            try (RunnerFixture runner = new RunnerFixture(home, Map.of("DATABASE_URL", TestDatabases.freshJdbcUrl(),
                    "DASHBOARD_PORT", "0"), RoomoteService.Role.API);
                 CapturedLogs logs = new CapturedLogs()) {
                RunnerSettings rs = RunnerSettings.from(Settings.of(Map.of()));
                DashboardSettings implicit = new DashboardSettings(port, false, false, Optional.empty(), rs.host(), true);
                Dashboard dashboard = new Dashboard(runner.service().roomote(), implicit);
                assertThat(DashboardServer.start(dashboard, runner.service().apiPort().orElseThrow())).isEmpty();
                assertThat(runner.service().dashboardPort()).isEmpty();
                assertThat(logs.at(Level.ERROR)).isEmpty();
                assertThat(logs.at(Level.WARN)).singleElement().satisfies(e -> {
                    assertThat(e.getLoggerName()).isEqualTo(DashboardServer.class.getName());
                    assertThat(e.getFormattedMessage()).contains("port " + port + " is taken",
                            "Set DASHBOARD_PORT to a free port").doesNotContain("\n");
                });
                // The dashboard is still served on the API port.
                assertStatus(new Browser(runner.base()).get("/admin/queues")).isEqualTo(200);
            }
        }
        assertThat(DashboardSettings.from(Settings.of(Map.of()), RunnerSettings.from(Settings.of(Map.of()))).port())
                .isEqualTo(3002);
        assertThatThrownBy(() -> DashboardSettings.from(Settings.of(Map.of("DASHBOARD_PORT", "70000")),
                RunnerSettings.from(Settings.of(Map.of())))).hasMessageContaining("65535");
    }
}
