package io.roomote.bench;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * zonky's embedded PostgreSQL made durable. zonky starts the server with {@code -F} (fsync off) and
 * {@code synchronous_commit=off}, which is fine for tests but would make every commit free and every figure
 * here meaningless; the settings below are passed after {@code -F} and win, and {@link #requireDurable()}
 * checks that they did.
 */
final class DurablePostgres implements AutoCloseable {

    private final EmbeddedPostgres postgres;
    private int databases;

    /** Where auto_explain's plans go, and from which duration on. */
    record ExplainLog(java.nio.file.Path folder, int slowerThanMs) {
    }

    private DurablePostgres(EmbeddedPostgres postgres) {
        this.postgres = postgres;
    }

    /**
     * @param statementStats load pg_stat_statements, to see which statements the time goes to
     * @param explainLog     when not null, auto_explain writes the plan (with buffers and the planner settings in
     *                       force) of every statement slower than {@code explainLog.slowerThanMs()} to a log in
     *                       {@code explainLog.folder()}
     */
    static DurablePostgres start(boolean statementStats, ExplainLog explainLog) throws IOException, SQLException {
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                .setServerConfig("fsync", "on")
                .setServerConfig("synchronous_commit", "on");
        if (statementStats) {
            builder.setServerConfig("shared_preload_libraries", "pg_stat_statements");
            // Statements run by triggers too: the queue's triggers are part of what a job costs.
            builder.setServerConfig("pg_stat_statements.track", "all");
        }
        if (explainLog != null) {
            builder.setServerConfig("shared_preload_libraries",
                    statementStats ? "pg_stat_statements,auto_explain" : "auto_explain");
            builder.setServerConfig("auto_explain.log_min_duration", Integer.toString(explainLog.slowerThanMs()));
            builder.setServerConfig("auto_explain.log_analyze", "on");
            builder.setServerConfig("auto_explain.log_buffers", "on");
            builder.setServerConfig("auto_explain.log_settings", "on");
            builder.setServerConfig("auto_explain.log_nested_statements", "on");
            builder.setServerConfig("logging_collector", "on");
            builder.setServerConfig("log_directory", explainLog.folder().toAbsolutePath().toString());
        }
        DurablePostgres postgres = new DurablePostgres(builder.start());
        if (statementStats) {
            postgres.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
        }
        return postgres;
    }

    /** The server's version and the settings that decide what a commit costs. */
    Map<String, String> facts() throws SQLException {
        Map<String, String> facts = new LinkedHashMap<>();
        try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
            facts.put("version", one(st, "SELECT version()"));
            for (String name : List.of("fsync", "synchronous_commit", "wal_sync_method", "full_page_writes",
                    "shared_buffers", "max_connections", "data_directory")) {
                facts.put(name, one(st, "SHOW " + name));
            }
        }
        return facts;
    }

    /** Refuses to measure anything on a server that does not make commits durable. */
    void requireDurable() throws SQLException {
        Map<String, String> facts = facts();
        if (!"on".equals(facts.get("fsync")) || !"on".equals(facts.get("synchronous_commit"))) {
            throw new IllegalStateException("PostgreSQL is not durable (fsync=" + facts.get("fsync")
                    + ", synchronous_commit=" + facts.get("synchronous_commit") + "); figures would be meaningless");
        }
    }

    /**
     * Creates an empty database and returns its JDBC URL.
     *
     * @param settings {@code name → value} defaults of every session in it ({@code ALTER DATABASE … SET})
     */
    String createDatabase(String prefix, Map<String, String> settings) throws SQLException {
        String name = prefix + "_" + ++databases;
        execute("CREATE DATABASE " + name);
        for (Map.Entry<String, String> e : settings.entrySet()) {
            execute("ALTER DATABASE " + name + " SET " + e.getKey() + " = " + e.getValue());
        }
        return "jdbc:postgresql://localhost:" + postgres.getPort() + "/" + name + "?user=postgres";
    }

    /** The statements that took the most time since the last call, all databases; then forgets them. */
    List<String> topStatements(int limit) throws SQLException {
        List<String> lines = new java.util.ArrayList<>();
        String sql = "SELECT calls, total_exec_time, mean_exec_time, shared_blks_hit + shared_blks_read,"
                + " left(regexp_replace(query, '\\s+', ' ', 'g'), 100) FROM pg_stat_statements"
                + " ORDER BY total_exec_time DESC LIMIT " + limit;
        try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery(sql)) {
                while (rs.next()) {
                    lines.add(String.format(java.util.Locale.ROOT, "%8d calls %9.1f ms total %7.3f ms mean %7.1f blocks/call  %s",
                            rs.getLong(1), rs.getDouble(2), rs.getDouble(3), rs.getDouble(4) / Math.max(1, rs.getLong(1)),
                            rs.getString(5)));
                }
            }
            st.execute("SELECT pg_stat_statements_reset()");
        }
        return lines;
    }

    private void execute(String sql) throws SQLException {
        try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    private static String one(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Override
    public void close() throws IOException {
        postgres.close();
    }
}
