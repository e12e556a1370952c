package io.roomote.runner.dashboard;

import io.javalin.Javalin;
import io.javalin.http.HttpStatus;
import io.roomote.core.config.ConfigurationException;
import io.roomote.runner.http.HttpServers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Optional;

/**
 * The dashboard alone on {@code DASHBOARD_PORT} (default 3002), where the original served Bull Board. It shares
 * the {@link Dashboard} (and so the sessions) of the API port; {@code /} redirects to {@code /admin/queues}.
 */
public final class DashboardServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DashboardServer.class);

    private final Javalin app;

    private DashboardServer(Javalin app) {
        this.app = app;
    }

    /**
     * Starts the second port when {@code DASHBOARD_PORT} is not 0 and differs from the API port. A busy default
     * port is one warning line (the dashboard is on the API port anyway, and a second Roomote on the same machine
     * always finds 3002 taken); a busy port set explicitly fails the start with a {@link ConfigurationException}.
     */
    public static Optional<DashboardServer> start(Dashboard dashboard, int apiPort) {
        DashboardSettings s = dashboard.settings();
        if (s.port() == 0 || s.port() == apiPort) {
            return Optional.empty();
        }
        Javalin app = Javalin.create(config -> {
            config.showJavalinBanner = false;
            HttpServers.configure(config, dashboard.http(), 64 * 1024);
            config.useVirtualThreads = false;
        });
        dashboard.mount(app);
        app.get("/", ctx -> ctx.redirect(Dashboard.BASE, HttpStatus.FOUND));
        try {
            HttpServers.start(app, s.host(), s.port());
        } catch (HttpServers.PortUnavailableException e) {
            // Nothing was started: the port was bound before Jetty, so there is nothing to stop.
            if (s.portExplicit()) {
                throw new ConfigurationException("DASHBOARD_PORT " + s.port() + " is not available on " + s.host()
                        + " (" + e.reason() + "); choose a free port, or 0 to serve the dashboard on the API port only");
            }
            log.warn("dashboard: port {} is taken ({}), so the dashboard is only on the API port at {}. Set"
                    + " DASHBOARD_PORT to a free port, or to 0 to silence this.", s.port(), e.reason(), Dashboard.BASE);
            return Optional.empty();
        }
        log.info("dashboard also on http://{}:{}{}", s.host(), app.port(), Dashboard.BASE);
        return Optional.of(new DashboardServer(app));
    }

    public int port() {
        return app.port();
    }

    @Override
    public void close() {
        app.stop();
    }
}
