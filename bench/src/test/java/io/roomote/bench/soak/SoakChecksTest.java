package io.roomote.bench.soak;

import io.roomote.core.store.Database;
import io.roomote.core.store.DatabaseUrl;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The soak's checks find what they are meant to find: each case writes the rows a broken queue would leave
 * (a lost job, overlapping effects, a stale outcome, a job nobody took back) into the real schema (Roomote's
 * migrations on a real PostgreSQL, zonky's embedded one) and the checks must count it. Nothing stands in.
 */
class SoakChecksTest {

    private static EmbeddedPostgres postgres;
    private static String url;
    private static final SoakSettings SETTINGS = new SoakSettings(1, 0, 0, 0, Duration.ZERO, Duration.ZERO,
            Duration.ofSeconds(10), 5, Duration.ofSeconds(1), 1, Path.of("roomote.jar"), Path.of("bin"), false);
    private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");

    @BeforeAll
    static void start() throws Exception {
        postgres = EmbeddedPostgres.builder().start();
        url = postgres.getJdbcUrl("postgres", "postgres");
        try (Database db = new Database(DatabaseUrl.parse(url), 2)) {
            db.migrate();
        }
        sql("CREATE TABLE soak_effects (id bigserial PRIMARY KEY, job_id bigint NOT NULL, attempt int NOT NULL,"
                + " token bigint NOT NULL, runner_pid bigint NOT NULL, started_at timestamptz NOT NULL,"
                + " ended_at timestamptz, refused_at timestamptz)");
    }

    @AfterAll
    static void stop() throws Exception {
        postgres.close();
    }

    @BeforeEach
    void empty() throws SQLException {
        sql("TRUNCATE cloud_jobs CASCADE; TRUNCATE soak_effects");
    }

    @Test
    void aJobCompletedByItsNewestTokenAfterAKillPassesEveryCheck() throws SQLException {
        completedJob(1, 6, false);
        effect(1, 5, 0, null, null);   // cut off by kill -9
        effect(1, 6, 12, 14.0, null);
        run(1, 1, 0, 11, "requeued");
        run(1, 2, 12, 14, "completed");

        SoakFigures f = check(List.of(death(0, held(1, 1, 9))));

        assertThat(f.passed()).isTrue();
        assertThat(f.longestRecovery()).isEqualTo(Duration.ofSeconds(12));
        assertThat(f.longestPastExpiry()).isEqualTo(Duration.ofSeconds(3));
        assertThat(f.cutOff()).isEqualTo(1);
    }

    @Test
    void aJobThatNeverCompletedIsLost() throws SQLException {
        sql("INSERT INTO cloud_jobs (id, type, status, payload) VALUES (1, 'bench.soak', 'pending', '{}')");

        SoakFigures f = check(List.of());

        assertThat(f.lost()).isEqualTo(1);
        assertThat(f.passed()).isFalse();
    }

    @Test
    void committedEffectsOfOneJobThatOverlapInTimeAreCounted() throws SQLException {
        completedJob(1, 6, false);
        effect(1, 5, 0, 5.0, null);
        effect(1, 6, 4, 8.0, null);

        SoakFigures f = check(List.of());

        assertThat(f.overlaps()).isEqualTo(1);
        assertThat(f.passed()).isFalse();
    }

    @Test
    void anOutcomeFromAnOlderTokenOrFromARefusedEndIsStale() throws SQLException {
        completedJob(1, 5, false);       // token 5 wrote the outcome although token 6 had started since
        effect(1, 5, 0, 3.0, null);
        effect(1, 6, 4, null, null);
        completedJob(2, 7, true);        // its end was refused, yet its outcome was recorded
        effect(2, 7, 0, null, 3.0);

        SoakFigures f = check(List.of());

        assertThat(f.staleOutcomes()).isEqualTo(2);
        assertThat(f.refusedEnds()).isEqualTo(1);
        assertThat(f.passed()).isFalse();
    }

    @Test
    void aJobOfADeadRunnerNotRunningAgainWithinOneLeaseAfterItsExpiryIsStuck() throws SQLException {
        completedJob(1, 6, false);
        effect(1, 6, 25, 26.0, null);
        run(1, 1, 0, 21, "requeued");
        run(1, 2, 25, 26, "completed");  // lease expired at 10 s, ran again at 25 s: 15 s > one lease
        completedJob(2, 8, false);
        effect(2, 8, 1, 2.0, null);
        run(2, 1, 1, 2, "completed");    // never taken back, never finished by its runner: stuck as well

        SoakFigures f = check(List.of(death(0, held(1, 1, 10), held(2, 2, 10))));

        assertThat(f.stuck()).isEqualTo(2);
        assertThat(f.passed()).isFalse();
    }

    private static SoakFigures check(List<SoakRun.Death> deaths) throws SQLException {
        int jobs;
        try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement();
             var rs = st.executeQuery("SELECT count(*) FROM cloud_jobs")) {
            rs.next();
            jobs = rs.getInt(1);
        }
        SoakSettings settings = new SoakSettings(Math.max(jobs, 1), 0, 0, 0, Duration.ZERO, Duration.ZERO,
                SETTINGS.lease(), 5, Duration.ofSeconds(1), 1, Path.of("roomote.jar"), Path.of("bin"), false);
        return new SoakChecks(url, settings).check(deaths, Duration.ZERO, Duration.ZERO);
    }

    private static SoakRun.Death death(int atSecond, SoakRun.Held... held) {
        return new SoakRun.Death(T.plusSeconds(atSecond), "soak-a-1", SoakRun.Fault.KILL, List.of(held));
    }

    private static SoakRun.Held held(long job, int run, int expiresAtSecond) {
        return new SoakRun.Held(job, run, T.plusSeconds(expiresAtSecond));
    }

    private static void completedJob(long id, long token, boolean refused) throws SQLException {
        sql("INSERT INTO cloud_jobs (id, type, status, payload, result) VALUES (" + id + ", 'bench.soak', 'completed', '{}',"
                + " '{\"token\": " + token + ", \"refused\": " + refused + "}')");
    }

    private static void effect(long job, long token, int startSecond, Double endSecond, Double refusedSecond) throws SQLException {
        sql("INSERT INTO soak_effects (job_id, attempt, token, runner_pid, started_at, ended_at, refused_at) VALUES ("
                + job + ", 1, " + token + ", 1, " + at(startSecond) + ", " + at(endSecond) + ", " + at(refusedSecond) + ")");
    }

    private static void run(long job, int run, int startSecond, int endSecond, String status) throws SQLException {
        sql("INSERT INTO cloud_job_runs (job_id, run, attempt, started_at, finished_at, status) VALUES (" + job + ", "
                + run + ", " + run + ", " + at(startSecond) + ", " + at(endSecond) + ", '" + status + "')");
    }

    private static String at(Number second) {
        return second == null ? "NULL" : "'" + T.plusMillis((long) (second.doubleValue() * 1000)) + "'::timestamptz";
    }

    private static void sql(String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }
}
