package io.roomote.core.store;

import io.roomote.core.testing.TestDatabases;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A module's schema (RunnerExtension.schema()) is found through the module's own class loader, as a plugin jar's
 * is, and kept in its own history table beside core's. Real PostgreSQL (zonky's binaries) and real Flyway; the
 * "plugin" is a folder on a URLClassLoader of its own.
 */
class ModuleSchemaTest {

    @TempDir
    Path plugin;

    @Test
    void aPluginsMigrationsRunThroughItsClassLoaderWithTheirOwnHistory() throws Exception {
        Path folder = Files.createDirectories(plugin.resolve("com/example/plugin/db"));
        Files.writeString(folder.resolve("V1__widgets.sql"),
                "CREATE TABLE widgets (job_id bigint REFERENCES cloud_jobs (id) ON DELETE CASCADE, name text);");
        try (URLClassLoader loader = new URLClassLoader(new URL[] {plugin.toUri().toURL()}, Database.class.getClassLoader());
             Database db = new Database(DatabaseUrl.parse(TestDatabases.freshJdbcUrl()), 2)) {
            Schema schema = Schema.of("roomote_widgets_schema_history", "classpath:com/example/plugin/db", loader);
            Schema unseen = Schema.of("roomote_widgets_schema_history", "classpath:com/example/plugin/db",
                    Database.class.getClassLoader());

            db.migrate();
            assertThat(db.migrate(unseen)).as("core's class loader does not see the plugin's files").isZero();
            assertThat(db.migrate(schema)).isEqualTo(1);
            assertThat(db.migrate(schema)).isZero();
            assertThat(db.migrate()).isZero();

            try (Connection c = db.connection(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT (SELECT count(*) FROM widgets),"
                         + " (SELECT count(*) FROM roomote_widgets_schema_history WHERE script = 'V1__widgets.sql'),"
                         + " (SELECT count(*) FROM roomote_schema_history WHERE script = 'V1__widgets.sql')")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getLong(1)).isZero();
                assertThat(rs.getLong(2)).isEqualTo(1);
                assertThat(rs.getLong(3)).isZero();
            }
        }
    }
}
