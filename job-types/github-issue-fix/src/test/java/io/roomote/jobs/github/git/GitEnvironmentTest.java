package io.roomote.jobs.github.git;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** What every git command Roomote runs ignores, whatever its caller's environment says: real git. */
class GitEnvironmentTest {

    @Test
    void noGlobalConfigAndNoReplaceRefs(@TempDir Path temp) throws Exception {
        Path home = Files.createDirectories(temp.resolve("home"));
        // A global config Roomote's git must not read (HOME's, and one named by the caller's GIT_CONFIG_GLOBAL).
        Files.writeString(home.resolve(".gitconfig"), "[user]\n\tname = From Home\n");
        Path global = Files.writeString(temp.resolve("global"), "[user]\n\tname = From Global\n");
        Git git = new Git(Map.of("PATH", System.getenv("PATH"), "HOME", home.toString(),
                "GIT_CONFIG_GLOBAL", global.toString(), "GIT_AUTHOR_NAME", "A", "GIT_AUTHOR_EMAIL", "a@example.com",
                "GIT_COMMITTER_NAME", "A", "GIT_COMMITTER_EMAIL", "a@example.com"), Duration.ofMinutes(1));
        Path repo = temp.resolve("repo");
        git.check(null, "init", "--quiet", repo.toString());

        assertThat(git.run(repo, "config", "--get", "user.name").output()).isEmpty();

        // A replace ref that would make one commit read as another (and fool ancestry checks).
        git.check(repo, "commit", "--quiet", "--allow-empty", "-m", "first");
        String first = git.check(repo, "rev-parse", "HEAD");
        git.check(repo, "commit", "--quiet", "--allow-empty", "-m", "second");
        String second = git.check(repo, "rev-parse", "HEAD");
        git.check(repo, "update-ref", "refs/replace/" + first, second);

        assertThat(git.check(repo, "log", "-1", "--format=%s", first)).isEqualTo("first");
    }
}
