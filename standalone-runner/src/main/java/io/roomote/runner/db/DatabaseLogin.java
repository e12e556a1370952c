package io.roomote.runner.db;

import io.roomote.core.config.ConfigurationException;
import io.roomote.core.store.DatabaseUrl;
import org.postgresql.util.PSQLState;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;

/**
 * Logs in once to the PostgreSQL of {@code DATABASE_URL} before anything is started, so that a wrong URL is
 * one line naming the variable, what PostgreSQL said and the fix, not the pool's stack trace. Wrong passwords
 * and missing databases fail at once; an unreachable server is tried again for {@code patience}, as it may
 * still be starting.
 */
public final class DatabaseLogin {

    private DatabaseLogin() {
    }

    /** PostgreSQL did not answer within the patience: an outage, not a wrong setting (a single-job worker exits 1). */
    public static final class Unreachable extends ConfigurationException {
        Unreachable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    public static void check(DatabaseUrl url, Duration patience) {
        long end = System.nanoTime() + patience.toNanos();
        while (true) {
            try (Connection c = DriverManager.getConnection(url.jdbcUrl(), properties(url))) {
                return;
            } catch (SQLException e) {
                boolean unreachable = isUnreachable(e);
                if (!unreachable || System.nanoTime() >= end) {
                    throw unreachable ? new Unreachable(explain(url, e, patience), e)
                            : new ConfigurationException(explain(url, e, patience), e);
                }
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ConfigurationException("DATABASE_URL: interrupted while connecting to PostgreSQL", e);
            }
        }
    }

    private static Properties properties(DatabaseUrl url) {
        Properties p = url.credentials();
        p.setProperty("connectTimeout", "5");
        p.setProperty("loginTimeout", "10");
        return p;
    }

    static boolean isUnreachable(SQLException e) {
        String state = String.valueOf(e.getSQLState());
        return state.equals(PSQLState.CONNECTION_UNABLE_TO_CONNECT.getState())
                || state.equals(PSQLState.CONNECTION_FAILURE.getState())
                || state.equals("57P03"); // cannot_connect_now: the server is starting up or shutting down
    }

    /** One line: the variable, what was wrong, the fix. Never the password (the JDBC URL holds none). */
    static String explain(DatabaseUrl url, SQLException e, Duration patience) {
        Properties where = org.postgresql.Driver.parseURL(url.jdbcUrl(), new Properties());
        String host = where == null ? "the server of DATABASE_URL" : where.getProperty("PGHOST", "localhost") + ":"
                + where.getProperty("PGPORT", "5432");
        String database = where == null ? "?" : where.getProperty("PGDBNAME", "");
        String user = url.user() != null ? url.user() : where == null ? null : where.getProperty("user");
        String state = String.valueOf(e.getSQLState());
        String said = serverMessage(e);
        return switch (state) {
            case "28P01", "28000" -> "DATABASE_URL: PostgreSQL at " + host + " refused the login"
                    + (user == null ? "" : " of user \"" + user + "\"") + " (" + said + "): put the right user name and"
                    + " password in DATABASE_URL (percent-encode special characters in the password)";
            case "3D000" -> "DATABASE_URL: the database \"" + database + "\" does not exist on " + host + ": create it"
                    + " (createdb " + database + ") or name an existing one in DATABASE_URL";
            default -> isUnreachable(e)
                    ? "DATABASE_URL: cannot reach PostgreSQL at " + host + " (" + said + ", still after "
                    + patience.toSeconds() + " s): start PostgreSQL or fix the host and port in DATABASE_URL;"
                    + " or unset DATABASE_URL to use the embedded database"
                    : "DATABASE_URL: cannot connect to PostgreSQL at " + host + " (" + said
                    + (e.getSQLState() == null ? "" : ", SQLState " + state) + "): check DATABASE_URL";
        };
    }

    /** The driver's message without its advice ("Check that the hostname…"), or the cause's for network errors. */
    private static String serverMessage(SQLException e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        int advice = m.indexOf(". Check that");
        if (advice > 0) {
            m = m.substring(0, advice);
        }
        if (m.startsWith("FATAL: ")) {
            m = m.substring("FATAL: ".length());
        }
        return m.replaceAll("\\s*\\R\\s*", " ").strip();
    }
}
