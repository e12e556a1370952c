package io.roomote.runner.db;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EmbeddedDatabaseTest {

    @TempDir
    Path home;

    @Test
    void aDataFolderOfAnOlderRoomoteThatTrustedLocalLoginsIsMovedToPasswords() throws Exception {
        // What older Roomotes made: zonky's cluster, pg_hba "trust" for everyone on this machine.
        try (EmbeddedPostgres old = EmbeddedPostgres.builder().setDataDirectory(home.resolve("postgres"))
                .setCleanDataDirectory(false).start();
             Connection c = old.getPostgresDatabase().getConnection()) {
            c.createStatement().execute("CREATE DATABASE roomote");
            c.createStatement().execute("CREATE TABLE kept (v text)");
            c.createStatement().execute("INSERT INTO kept VALUES ('still here')");
        }

        try (EmbeddedDatabase db = EmbeddedDatabase.start(home, 0)) {
            assertThatThrownBy(() -> DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + db.port() + "/postgres?user=postgres"))
                    .isInstanceOf(SQLException.class).hasMessageContaining("password");
            Properties props = new Properties();
            props.setProperty("user", "postgres");
            props.setProperty("password", Files.readString(home.resolve("postgres-password")).trim());
            try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + db.port() + "/postgres", props);
                 ResultSet rs = c.createStatement().executeQuery("SELECT v FROM kept")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("still here");
            }
            assertThat(db.url().password()).isEqualTo(props.getProperty("password"));
            assertThat(Files.readAllLines(home.resolve("postgres/pg_hba.conf")))
                    .noneMatch(l -> !l.startsWith("#") && l.contains("trust"));
        }
    }

    @Test
    void aSecondRoomoteOnTheSameHomeIsRefusedAtOnceWithOneClearLine() {
        try (EmbeddedDatabase first = EmbeddedDatabase.start(home, 0)) {
            assertThatThrownBy(() -> EmbeddedDatabase.start(home, 0))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("another Roomote (pid " + ProcessHandle.current().pid() + ") is running with ROOMOTE_HOME="
                            + home + "; stop it first, or set ROOMOTE_HOME to another folder");
            assertThat(ProcessHandle.of(first.pid()).filter(ProcessHandle::isAlive)).as("the first one's database is untouched")
                    .isPresent();
        }
    }

    @Test
    void aTakenPortIsOneLineThatSaysSoAndLeavesTheHomeFree() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            assertThatThrownBy(() -> EmbeddedDatabase.start(home, taken.getLocalPort()))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("the embedded PostgreSQL exited at start")
                    .hasMessageContaining("could not")
                    .hasMessageNotContaining("\n");
        }
        try (EmbeddedDatabase db = EmbeddedDatabase.start(home, 0)) {
            assertThat(db.port()).isPositive();
        }
    }

    @Test
    void theDatabaseIsStoppedEvenWhenPgCtlCannotBeRun() throws Exception {
        EmbeddedDatabase db = EmbeddedDatabase.start(home, 0);
        long pid = db.pid();
        List<Path> pgCtl;
        try (Stream<Path> files = Files.walk(home.resolve("pgsql"))) {
            pgCtl = files.filter(p -> p.getFileName().toString().equals("pg_ctl")).toList();
        }
        assertThat(pgCtl).isNotEmpty();
        for (Path p : pgCtl) {
            Files.delete(p);
        }

        db.close();

        assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).isEmpty();
        assertThat(home.resolve("postgres/postmaster.pid")).doesNotExist();
    }
}
