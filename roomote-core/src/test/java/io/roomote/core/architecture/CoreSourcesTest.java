package io.roomote.core.architecture;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** roomote-core's main sources name no job type: the platform learns about a job only through the SPI. */
class CoreSourcesTest {

    private static final Path MAIN = Path.of("src/main/java");

    /** Where core may still name the fix job type: nowhere (the list reads labels and made_url, issue 10). */
    private static final Set<String> NOT_YET = Set.of();

    @Test
    void noMainSourceNamesTheFixJobType() throws IOException {
        assertThat(MAIN).as("run from roomote-core's folder").isDirectory();
        List<String> naming;
        try (Stream<Path> files = Files.walk(MAIN)) {
            naming = files.filter(f -> f.toString().endsWith(".java"))
                    .filter(CoreSourcesTest::namesTheFixJobType)
                    .map(f -> MAIN.relativize(f).toString().replace('\\', '/'))
                    .filter(f -> !NOT_YET.contains(f))
                    .toList();
        }
        assertThat(naming).as("core main sources naming \"github.issue.fix\"").isEmpty();
    }

    /**
     * Core's SQL (migrations and the statements in its classes) names no table or column of a module: GitHub's
     * deliveries and issue comments are the fix module's own schema (io.roomote.jobs.github.GitHubSchema).
     */
    @Test
    void noMainSourceOrMigrationNamesAGithubTableOrColumn() throws IOException {
        Path resources = Path.of("src/main/resources");
        assertThat(resources).as("run from roomote-core's folder").isDirectory();
        List<String> naming;
        try (Stream<Path> java = Files.walk(MAIN); Stream<Path> sql = Files.walk(resources)) {
            naming = Stream.concat(java, sql)
                    .filter(f -> f.toString().endsWith(".java") || f.toString().endsWith(".sql"))
                    .filter(f -> GITHUB_NAME.matcher(read(f)).find())
                    .map(f -> f.toString().replace('\\', '/'))
                    .toList();
        }
        assertThat(naming).as("core main sources naming a github_ table or column").isEmpty();
    }

    /** One place reads job logs (issue 10): every {@code SELECT … FROM cloud_job_logs} is in JobLogRepository. */
    @Test
    void onlyJobLogRepositoryReadsJobLogs() throws IOException {
        List<String> reading;
        try (Stream<Path> files = Files.walk(MAIN)) {
            reading = files.filter(f -> f.toString().endsWith(".java"))
                    .filter(f -> LOG_READ.matcher(read(f)).find())
                    .map(f -> MAIN.relativize(f).toString().replace('\\', '/'))
                    .toList();
        }
        assertThat(reading).as("core classes reading cloud_job_logs")
                .containsExactly("io/roomote/core/store/JobLogRepository.java");
    }

    private static final java.util.regex.Pattern LOG_READ =
            java.util.regex.Pattern.compile("(?i)\\bFROM\\s+cloud_job_logs\\b");

    /**
     * {@code github_deliveries}, {@code github_comment_id}, {@code github_issue_comments}, ...: any lower-case SQL
     * name; not the {@code github_pat_} prefix of GitHub's tokens that the log redactor knows, nor settings
     * ({@code GITHUB_APP_ID}), which are upper case.
     */
    private static final java.util.regex.Pattern GITHUB_NAME =
            java.util.regex.Pattern.compile("\\bgithub_(?!pat_)[a-z_]+");

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static boolean namesTheFixJobType(Path file) {
        try {
            return Files.readString(file).contains("github.issue.fix");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
