package io.roomote.runner.dashboard;

import io.roomote.core.config.Settings;
import io.roomote.runner.RunnerSettings;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;

/**
 * The dashboard's settings (see docs/dashboard.md).
 *
 * @param port          {@code DASHBOARD_PORT}: a second port serving only the dashboard, for compatibility with the
 *                      original (Bull Board on 3002); 0 turns it off. The dashboard is always on the API port too.
 * @param portExplicit  whether {@code DASHBOARD_PORT} was set; the default port is best-effort (a warning when busy),
 *                      an explicit one must be free
 * @param readOnly      {@code DASHBOARD_READ_ONLY}: show everything, change nothing
 * @param token         the API token ({@code ROOMOTE_API_TOKEN}); the login form exchanges it for a session.
 *                      Empty: no authentication, which {@link RunnerSettings} allows only on loopback
 * @param host          interface to bind, the API's {@code HOST}
 * @param localhostOnly no token and a loopback host: requests must name a loopback host in {@code Host}
 *                      (protects the open dashboard against DNS rebinding)
 */
public record DashboardSettings(int port, boolean portExplicit, boolean readOnly, Optional<String> token, String host,
                                boolean localhostOnly) {

    public static final int DEFAULT_PORT = 3002;

    public static DashboardSettings from(Settings s, RunnerSettings runner) {
        boolean explicit = s.get("DASHBOARD_PORT").isPresent();
        int port = s.getInt("DASHBOARD_PORT", DEFAULT_PORT, 0);
        if (port > 65535) {
            throw new io.roomote.core.config.ConfigurationException("DASHBOARD_PORT must be at most 65535, got " + port);
        }
        boolean loopback = isLoopback(runner.host());
        return new DashboardSettings(port, explicit, s.getBoolean("DASHBOARD_READ_ONLY", false), runner.apiToken(),
                runner.host(), runner.apiToken().isEmpty() && loopback);
    }

    public boolean authEnabled() {
        return token.isPresent();
    }

    static boolean isLoopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
