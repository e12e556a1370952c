package io.roomote.core.config;

import io.roomote.core.store.DatabaseUrl;
import io.roomote.core.jobs.RetryPolicy;
import io.roomote.core.worker.WorkerSettings;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SettingsTest {

    @Test
    void environmentWinsOverTheDotEnvFile() {
        Map<String, String> dotEnv = DotEnvFile.parse(List.of(
                "# comment",
                "export GH_TOKEN=from-file",
                "SLACK_API_TOKEN=\"xoxb-quoted # not a comment\"",
                "MAX_WORKERS=7 # trailing comment",
                "POLL_INTERVAL_MS='250'",
                ""), ".env");
        Settings s = Settings.of(Map.of("GH_TOKEN", "from-env"), dotEnv);

        assertThat(s.get("GH_TOKEN")).contains("from-env");
        assertThat(s.get("SLACK_API_TOKEN")).contains("xoxb-quoted # not a comment");
        assertThat(s.getInt("MAX_WORKERS", 5, 1)).isEqualTo(7);
        assertThat(s.getInt("POLL_INTERVAL_MS", 5000, 10)).isEqualTo(250);
    }

    @Test
    void aMalformedDotEnvLineIsReportedWithItsNumber() {
        assertThatThrownBy(() -> DotEnvFile.parse(List.of("A=1", "oops"), ".env"))
                .hasMessage(".env line 2: expected NAME=value");
    }

    @Test
    void defaultsMatchTheOriginal() {
        WorkerSettings w = WorkerSettings.from(Settings.of(Map.of()));
        assertThat(w.maxWorkers()).isEqualTo(5);
        assertThat(w.pollInterval()).isEqualTo(Duration.ofSeconds(5));
        assertThat(w.jobTimeout()).isEqualTo(Duration.ofMinutes(30));
        assertThat(w.retry()).isEqualTo(new RetryPolicy(3, Duration.ofSeconds(2), Duration.ofHours(1)));
    }

    @Test
    void badNumbersAndDurationsSayWhatIsExpected() {
        assertThatThrownBy(() -> WorkerSettings.from(Settings.of(Map.of("MAX_WORKERS", "five"))))
                .hasMessage("MAX_WORKERS must be a whole number, got 'five'");
        assertThatThrownBy(() -> WorkerSettings.from(Settings.of(Map.of("MAX_WORKERS", "0"))))
                .hasMessage("MAX_WORKERS must be at least 1, got 0");
        assertThatThrownBy(() -> WorkerSettings.from(Settings.of(Map.of("JOB_TIMEOUT", "soon"))))
                .hasMessageContaining("JOB_TIMEOUT").hasMessageContaining("use e.g. 30m");
    }

    @Test
    void durationsReadUnitsAndBareNumbers() {
        assertThat(Durations.parse("45", ChronoUnit.MINUTES)).isEqualTo(Duration.ofMinutes(45));
        assertThat(Durations.parse("90s", ChronoUnit.MINUTES)).isEqualTo(Duration.ofSeconds(90));
        assertThat(Durations.parse("1500ms", ChronoUnit.MINUTES)).isEqualTo(Duration.ofMillis(1500));
        assertThat(Durations.parse("PT2H", ChronoUnit.MINUTES)).isEqualTo(Duration.ofHours(2));
        assertThat(Durations.describe(Duration.ofMinutes(30))).isEqualTo("30 minutes");
    }

    @Test
    void retryDelaysDoubleUpToTheCap() {
        RetryPolicy p = new RetryPolicy(10, Duration.ofSeconds(2), Duration.ofSeconds(10));
        assertThat(p.delayAfter(1)).isEqualTo(Duration.ofSeconds(2));
        assertThat(p.delayAfter(2)).isEqualTo(Duration.ofSeconds(4));
        assertThat(p.delayAfter(3)).isEqualTo(Duration.ofSeconds(8));
        assertThat(p.delayAfter(4)).isEqualTo(Duration.ofSeconds(10));
        assertThat(p.delayAfter(60)).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void databaseUrlsOfTheOriginalFormAreTranslatedForJdbc() {
        DatabaseUrl url = DatabaseUrl.parse("postgresql://postgres:p%40ss@db:5432/cloud_agents?sslmode=disable");
        assertThat(url.jdbcUrl()).isEqualTo("jdbc:postgresql://db:5432/cloud_agents?sslmode=disable");
        assertThat(url.user()).isEqualTo("postgres");
        assertThat(url.password()).isEqualTo("p@ss");
        assertThat(url.toString()).doesNotContain("p@ss");
        assertThat(DatabaseUrl.parse("jdbc:postgresql://h/db").jdbcUrl()).isEqualTo("jdbc:postgresql://h/db");
        assertThatThrownBy(() -> DatabaseUrl.parse("mysql://x/y")).hasMessageContaining("postgresql://user:password@host");
    }

    @Test
    void secretValuesAreThoseOfSecretNames() {
        Settings s = Settings.of(Map.of("GH_TOKEN", "tok-1234", "GH_WEBHOOK_SECRET", "sec-1234",
                "OPENROUTER_API_KEY", "key-1234", "MAX_WORKERS", "5", "DATABASE_URL", "postgresql://u:pw12@h/d"));
        assertThat(s.secretValues()).containsExactlyInAnyOrder("tok-1234", "sec-1234", "key-1234", "postgresql://u:pw12@h/d");
    }

    /** A token budget and a Secret's name are settings, not secrets: masking "1000" would blank every 1000 in a log. */
    @Test
    void aTokenCountAndASecretsNameAreNotSecrets() {
        Settings s = Settings.of(Map.of("ROOMOTE_MAX_TOKENS", "1000", "ROOMOTE_KUBERNETES_SECRET", "roomote",
                "GH_TOKEN", "tok-1234"));
        assertThat(s.secretValues()).containsExactly("tok-1234");
    }

    @Test
    void aPrivateKeyFilesContentAndAMultiLineKeysLinesAreSecretValues(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        String pem = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQDExampleLine2\n"
                + "-----END PRIVATE KEY-----\n";
        java.nio.file.Path file = java.nio.file.Files.writeString(dir.resolve("app.pem"), pem);

        assertThat(Settings.of(Map.of("GITHUB_APP_PRIVATE_KEY_FILE", file.toString())).secretValues())
                .containsExactlyInAnyOrder(pem.strip(), "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC", "BKcwggSjAgEAAoIBAQDExampleLine2");
        assertThat(Settings.of(Map.of("GITHUB_APP_PRIVATE_KEY", pem)).secretValues())
                .containsExactlyInAnyOrder(pem, "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC", "BKcwggSjAgEAAoIBAQDExampleLine2");
        assertThat(Settings.of(Map.of("GITHUB_APP_PRIVATE_KEY_FILE", dir.resolve("missing.pem").toString()))
                .secretValues()).isEmpty();
    }
}
