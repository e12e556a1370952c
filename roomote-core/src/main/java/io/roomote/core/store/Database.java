package io.roomote.core.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationState;
import org.flywaydb.core.api.configuration.FluentConfiguration;
import org.flywaydb.core.api.output.MigrateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;

/** The connection pool and schema migrations of one PostgreSQL database. */
public final class Database implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Database.class);

    private static final org.postgresql.Driver DRIVER = new org.postgresql.Driver();

    private final DatabaseUrl url;
    private final HikariDataSource dataSource;

    public Database(DatabaseUrl url, int poolSize) {
        this(url, poolSize, java.time.Duration.ofSeconds(10));
    }

    /** As {@link #Database(DatabaseUrl, int)}, waiting at most {@code connectionTimeout} for a connection. */
    public Database(DatabaseUrl url, int poolSize, java.time.Duration connectionTimeout) {
        this.url = url;
        HikariConfig config = new HikariConfig();
        config.setPoolName("roomote-db");
        // Named, not looked up through DriverManager: under Jenkins the thread's context classloader is not the
        // plugin's, and DriverManager would not see the driver bundled with it.
        config.setDriverClassName(org.postgresql.Driver.class.getName());
        config.setJdbcUrl(url.jdbcUrl());
        config.setUsername(url.user());
        config.setPassword(url.password());
        config.setMaximumPoolSize(poolSize);
        config.setMinimumIdle(Math.min(2, poolSize));
        config.setConnectionTimeout(connectionTimeout.toMillis());
        // Fail at start with the real reason (wrong host, password, database) instead of on first use.
        config.setInitializationFailTimeout(10_000);
        this.dataSource = new HikariDataSource(config);
    }

    public DataSource dataSource() {
        return dataSource;
    }

    public Connection connection() throws SQLException {
        return dataSource.getConnection();
    }

    /**
     * A connection outside the pool, for {@code LISTEN}: it is held for the life of a listener and must not
     * starve the pool.
     */
    public Connection dedicatedConnection() throws SQLException {
        Properties props = credentials();
        props.setProperty("tcpKeepAlive", "true");
        return connectOutsideThePool(props);
    }

    /**
     * A connection outside the pool that gives up after {@code timeout} at every step (connect, log in, each
     * read): the health check's, so that an unreachable database is reported within the timeout rather than
     * the pool's 10 s connection timeout.
     */
    public Connection boundedConnection(java.time.Duration timeout) throws SQLException {
        Properties props = credentials();
        String seconds = String.valueOf(Math.max(1, timeout.toSeconds()));
        props.setProperty("connectTimeout", seconds);
        props.setProperty("loginTimeout", seconds);
        props.setProperty("socketTimeout", seconds);
        props.setProperty("ApplicationName", "roomote-health");
        return connectOutsideThePool(props);
    }

    private Properties credentials() {
        return url.credentials();
    }

    /** Through the driver itself rather than DriverManager, for the same class loader reason as the pool's. */
    private Connection connectOutsideThePool(Properties props) throws SQLException {
        Connection connection = DRIVER.connect(url.jdbcUrl(), props);
        if (connection == null) {
            throw new SQLException("not a PostgreSQL JDBC URL: " + url.jdbcUrl());
        }
        return connection;
    }

    /** Reports the pool's figures (connections active, idle, pending, timeouts) to {@code registry}. */
    public void bindMetrics(io.micrometer.core.instrument.MeterRegistry registry) {
        dataSource.setMetricsTrackerFactory(new com.zaxxer.hikari.metrics.micrometer.MicrometerMetricsTrackerFactory(registry));
    }

    /** Applies core's pending migrations ({@link Schema#CORE}); returns how many ran. */
    public int migrate() {
        return migrate(Schema.CORE);
    }

    /**
     * Applies the pending migrations of {@code schema} (core's, or a module's with its own history table; a module's
     * after core's); returns how many ran. A database with tables but no history of this schema yet is baselined at
     * version 0, so a module's first migration runs there too.
     */
    public int migrate(Schema schema) {
        // The schema's own class loader finds the migrations, whatever the calling thread's context class loader is.
        FluentConfiguration config = Flyway.configure(schema.classLoader())
                .dataSource(dataSource)
                .locations(schema.location())
                .table(schema.historyTable())
                .baselineOnMigrate(true)
                .baselineVersion("0");
        if (!schema.retiredVersions().isEmpty()) {
            // "*:future" is Flyway's default (a database migrated by newer code still starts); kept.
            config.ignoreMigrationPatterns("*:future", "versioned:missing");
        }
        Flyway flyway = config.load();
        if (!schema.retiredVersions().isEmpty()) {
            refuseUnexpectedMissing(flyway, schema);
        }
        MigrateResult result = flyway.migrate();
        if (result.migrationsExecuted > 0) {
            log.info("Database migrated to version {} of {} ({} migration(s) applied)", result.targetSchemaVersion,
                    schema.historyTable(), result.migrationsExecuted);
        }
        return result.migrationsExecuted;
    }

    /**
     * Flyway ignores every applied migration it cannot find once told to ignore missing ones; only the retired
     * versions may be, anything else means older code than the database's or a deleted file.
     */
    private static void refuseUnexpectedMissing(Flyway flyway, Schema schema) {
        List<String> unexpected = Arrays.stream(flyway.info().all())
                .filter(i -> i.getState() == MigrationState.MISSING_SUCCESS || i.getState() == MigrationState.MISSING_FAILED)
                .filter(i -> i.getVersion() == null || !schema.retiredVersions().contains(i.getVersion().getVersion()))
                .map(i -> i.getVersion() + " (" + i.getScript() + ")")
                .toList();
        if (!unexpected.isEmpty()) {
            throw new StoreException("the database's " + schema.historyTable() + " has applied migrations that this"
                    + " Roomote does not know: " + String.join(", ", unexpected) + "; run the Roomote version that"
                    + " migrated it, or newer", null);
        }
    }

    /** True when a trivial query answers within a second. */
    public boolean isHealthy() {
        try (Connection c = dataSource.getConnection()) {
            return c.isValid(1);
        } catch (SQLException e) {
            return false;
        }
    }

    @Override
    public void close() {
        dataSource.close();
    }
}
