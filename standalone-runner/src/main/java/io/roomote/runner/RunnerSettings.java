package io.roomote.runner;

import io.roomote.core.config.ConfigurationException;
import io.roomote.core.config.Settings;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The runner's own settings (see README, "Configuration").
 *
 * @param host     interface the API binds to ({@code HOST}); loopback unless an API token is set
 * @param port     API port ({@code PORT}, 3001)
 * @param home     Roomote's folder ({@code ROOMOTE_HOME}, {@code ~/.roomote}): embedded database, plugins, work dirs
 * @param databaseUrl  external PostgreSQL ({@code DATABASE_URL}); empty means the embedded one
 * @param apiToken bearer token every endpoint but health requires ({@code ROOMOTE_API_TOKEN})
 */
public record RunnerSettings(String host, int port, Path home, Optional<String> databaseUrl, Optional<String> apiToken,
                             int databasePoolSize, int embeddedDatabasePort) {

    public static RunnerSettings from(Settings s) {
        Optional<String> token = s.get("ROOMOTE_API_TOKEN");
        if (token.isPresent() && token.get().length() < 16) {
            throw new ConfigurationException("ROOMOTE_API_TOKEN is too short to be safe; use at least 16 random"
                    + " characters, e.g. `openssl rand -hex 32`");
        }
        String host = s.get("HOST").orElse(token.isPresent() ? "0.0.0.0" : "127.0.0.1");
        if (token.isEmpty() && !isLoopback(host) && !s.getBoolean("ROOMOTE_ALLOW_UNAUTHENTICATED", false)) {
            throw new ConfigurationException("HOST=" + host + " would expose the API to the network without"
                    + " authentication. Set ROOMOTE_API_TOKEN, or bind to 127.0.0.1, or set"
                    + " ROOMOTE_ALLOW_UNAUTHENTICATED=true if a proxy in front of Roomote authenticates callers.");
        }
        Path home = home(s);
        int workers = s.getInt("MAX_WORKERS", 5, 1);
        return new RunnerSettings(host, port(s, "PORT", 3001), home, s.get("DATABASE_URL"), token,
                s.getInt("DATABASE_POOL_SIZE", Math.max(10, workers * 2 + 6), 2),
                port(s, "EMBEDDED_DATABASE_PORT", 0));
    }

    /** A TCP port number: 0 (any free port) to 65535. */
    private static int port(Settings s, String name, int defaultValue) {
        int port = s.getInt(name, defaultValue, 0);
        if (port > 65535) {
            throw new ConfigurationException(name + " must be a port number from 0 to 65535 (0: any free port), got "
                    + port);
        }
        return port;
    }

    static boolean isLoopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    public Path pluginsDir() {
        return home.resolve("plugins");
    }

    /** {@code $ROOMOTE_HOME/plugins}, without the server's checks: for commands that start no server. */
    static Path pluginsDir(Settings s) {
        return home(s).resolve("plugins");
    }

    private static Path home(Settings s) {
        return s.get("ROOMOTE_HOME").map(Path::of).orElse(Path.of(System.getProperty("user.home"), ".roomote"))
                .toAbsolutePath();
    }
}
