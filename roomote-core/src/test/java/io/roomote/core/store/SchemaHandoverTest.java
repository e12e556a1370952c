package io.roomote.core.store;

import io.roomote.core.testing.OldCoreSchema;
import io.roomote.core.testing.TestDatabases;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Core's migrations V3 and V4 moved to a module's own history (Schema.CORE's retired versions). Real PostgreSQL
 * (zonky's binaries) and real Flyway; nothing stands in.
 */
class SchemaHandoverTest {

    @Test
    void aFreshDatabaseGetsNoModuleTableFromCore() throws SQLException {
        try (Database db = new Database(DatabaseUrl.parse(TestDatabases.freshJdbcUrl()), 2)) {
            assertThat(db.migrate()).isPositive();
            assertThat(tables(db)).contains("cloud_jobs").doesNotContain("github_deliveries");
            assertThat(columns(db, "cloud_jobs")).doesNotContain("github_comment_id");
            assertThat(appliedVersions(db)).doesNotContain("3", "4");
        }
    }

    @Test
    void aDatabaseMigratedBeforeTheHandoverStillValidatesAndKeepsItsTables() throws SQLException {
        try (Database db = new Database(DatabaseUrl.parse(TestDatabases.freshJdbcUrl()), 2)) {
            OldCoreSchema.migrate(db);
            assertThat(appliedVersions(db)).contains("3", "4");

            assertThat(db.migrate()).isZero();
            assertThat(db.migrate()).isZero();
            // Core drops nothing: the module's migrations take the tables over with their rows.
            assertThat(tables(db)).contains("github_deliveries");
        }
    }

    @Test
    void anAppliedMigrationThatIsNeitherKnownNorRetiredIsRefused() {
        try (Database db = new Database(DatabaseUrl.parse(TestDatabases.freshJdbcUrl()), 2)) {
            OldCoreSchema.migrate(db, "classpath:io/roomote/core/store/unknown");

            assertThatThrownBy(db::migrate).isInstanceOf(StoreException.class)
                    .hasMessageContaining("roomote_schema_history")
                    .hasMessageContaining("4.5")
                    .hasMessageNotContaining("V3__");
        }
    }

    @Test
    void aModuleSchemaNeedsAPlainHistoryTableAndAClassPathLocation() {
        ClassLoader loader = getClass().getClassLoader();
        assertThatThrownBy(() -> Schema.of("History; DROP", "classpath:x", loader))
                .hasMessageContaining("schema history table");
        assertThatThrownBy(() -> Schema.of("x_history", "filesystem:/tmp", loader))
                .hasMessageContaining("classpath:");
    }

    static List<String> tables(Database db) throws SQLException {
        return strings(db, "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()");
    }

    static List<String> columns(Database db, String table) throws SQLException {
        return strings(db, "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema()"
                + " AND table_name = '" + table + "'");
    }

    static List<String> appliedVersions(Database db) throws SQLException {
        return strings(db, "SELECT version FROM roomote_schema_history WHERE success AND version IS NOT NULL");
    }

    private static List<String> strings(Database db, String sql) throws SQLException {
        try (Connection c = db.connection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            List<String> out = new ArrayList<>();
            while (rs.next()) {
                out.add(rs.getString(1));
            }
            return out;
        }
    }
}
