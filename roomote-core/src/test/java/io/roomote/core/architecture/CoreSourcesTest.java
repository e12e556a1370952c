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

    /**
     * Where core still names the fix job type today, and what removes it (issue 10, next stage): the enqueue
     * error's example body, and the search over payload fields, which JobType.describe replaces.
     */
    private static final Set<String> NOT_YET = Set.of(
            "io/roomote/core/queue/EnqueueRequest.java",
            "io/roomote/core/store/JobSearchRepository.java");

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

    private static boolean namesTheFixJobType(Path file) {
        try {
            return Files.readString(file).contains("github.issue.fix");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
