package io.roomote.core.store;

import io.roomote.core.testing.TestDatabases;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.net.URLClassLoader;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Under Jenkins a pipeline step runs on a thread whose context classloader is not the plugin's, so neither the
 * JDBC driver nor the migrations bundled with Roomote are visible through it. The database must not depend on
 * that classloader (real PostgreSQL, zonky's binaries).
 */
class DatabaseClassLoaderTest {

    @Test
    void migratesListensAndQueriesWhateverTheThreadsContextClassLoader() throws Exception {
        String url = TestDatabases.freshJdbcUrl();
        Thread thread = Thread.currentThread();
        ClassLoader original = thread.getContextClassLoader();
        // Sees the JDK only: no driver, no db/migration resources.
        try (URLClassLoader foreign = new URLClassLoader(new URL[0], ClassLoader.getPlatformClassLoader())) {
            thread.setContextClassLoader(foreign);
            try (Database db = new Database(DatabaseUrl.parse(url), 2)) {
                assertThat(db.migrate()).isPositive();
                try (Connection c = db.connection(); Statement st = c.createStatement();
                     ResultSet rs = st.executeQuery("SELECT count(*) FROM cloud_jobs")) {
                    assertThat(rs.next()).isTrue();
                }
                try (Connection listen = db.dedicatedConnection()) {
                    assertThat(listen.isValid(1)).isTrue();
                }
            }
        } finally {
            thread.setContextClassLoader(original);
        }
    }
}
