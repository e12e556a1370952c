package io.roomote.jobs.github.git;

import io.roomote.jobs.github.testing.GitRemotes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Roomote's git in the workspace ends when the workspace is handed to sandboxed processes: real git. */
class FreshWorkspaceTest {

    @Test
    void afterTheHandOverNoGitRunsInTheWorkspace(@TempDir Path temp) throws Exception {
        Git git = new Git(Map.of("PATH", System.getenv("PATH")), Duration.ofMinutes(1));
        Path remote = new GitRemotes(Files.createDirectories(temp.resolve("remotes"))).create("acme/app", "a.txt", "a\n");
        Path workspace = temp.resolve("workspace");
        git.check(null, "clone", "--quiet", remote.toString(), workspace.toString());
        FreshWorkspace fresh = new FreshWorkspace(git, workspace);
        String head = fresh.head();
        assertThat(fresh.currentBranch()).contains("main");
        assertThat(fresh.remoteBranch("main")).contains(head);

        assertThat(fresh.handOver()).isEqualTo(workspace);
        // The agent may now write .git/config: a command git would run at the next status.
        Files.writeString(workspace.resolve(".git/config"), "[core]\n\tfsmonitor = touch " + temp.resolve("ran") + "; false #\n",
                java.nio.file.StandardOpenOption.APPEND);

        assertThatThrownBy(fresh::head).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Roomote runs no git in it any more");
        assertThatThrownBy(fresh::currentBranch).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> fresh.remoteBranch("main")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> fresh.checkout("x", head)).isInstanceOf(IllegalStateException.class);
        assertThat(temp.resolve("ran")).doesNotExist();
    }
}
