package io.roomote.jobs.github.git;

import io.roomote.jobs.github.testing.GitRemotes;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Roomote's own repository and the bundles fetched into it: real git, real bare repositories. */
class TrustedRepositoryTest {

    @TempDir
    Path temp;

    private final Git git = new Git(Map.of("PATH", System.getenv("PATH"), "GIT_AUTHOR_NAME", "Roomote",
            "GIT_AUTHOR_EMAIL", "roomote@example.com", "GIT_COMMITTER_NAME", "Roomote",
            "GIT_COMMITTER_EMAIL", "roomote@example.com"), Duration.ofMinutes(1));
    private GitRemotes remotes;
    private Path remote;
    private TrustedRepository trusted;
    private String base;

    @BeforeEach
    void setUp() throws Exception {
        remotes = new GitRemotes(Files.createDirectories(temp.resolve("remotes")));
        remote = remotes.create("acme/app", "calc.py", "v1\n");
        trusted = TrustedRepository.create(git, remote, remote.toUri().toString(), temp.resolve("job/trusted.git"));
        base = git.check(remote, "rev-parse", "main");
    }

    /** A working copy with one commit on {@code branch} over main, and a bundle of it {@code --not base}. */
    private Path bundleOf(String... refs) throws Exception {
        Path work = temp.resolve("work");
        git.check(null, "clone", "--quiet", remote.toString(), work.toString());
        git.check(work, "checkout", "--quiet", "-b", "fix-7");
        Files.writeString(work.resolve("calc.py"), "v2\n");
        git.check(work, "commit", "--quiet", "-am", "Fixes #7");
        git.check(work, "update-ref", "refs/tags/stray", "HEAD");
        git.check(work, "update-ref", "refs/roomote/export/head", "HEAD");
        Path bundle = temp.resolve("agent.bundle");
        List<String> args = new ArrayList<>(List.of("bundle", "create", "--quiet", bundle.toString()));
        args.addAll(List.of(refs));
        args.addAll(List.of("--not", base));
        git.check(work, args.toArray(String[]::new));
        return bundle;
    }

    @Test
    void itsConfigIsRoomotesOwn() throws Exception {
        assertThat(git.check(trusted.dir(), "config", "--get", "remote.origin.url")).isEqualTo(remote.toUri().toString());
        assertThat(git.check(trusted.dir(), "config", "--get", "fetch.fsckObjects")).isEqualTo("true");
        assertThat(git.check(trusted.dir(), "config", "--get", "core.hooksPath")).isEqualTo("/dev/null");
        assertThat(git.check(trusted.dir(), "config", "--get", "gc.auto")).isEqualTo("0");
        assertThat(trusted.dir().resolve("hooks")).doesNotExist();
    }

    @Test
    void aBundleLandsUnderRefsAgentAndOtherRefsItNamesAreIgnored() throws Exception {
        trusted.fetchBundle(bundleOf("fix-7", "refs/tags/stray", "refs/roomote/export/head"));

        String tip = trusted.resolve("refs/agent/heads/fix-7").orElseThrow();
        assertThat(trusted.resolve("refs/agent/export/head")).contains(tip);
        assertThat(trusted.commitsBetween(base, tip)).isEqualTo(1);
        assertThat(trusted.changedFiles(base, tip)).containsExactly("calc.py");
        assertThat(git.check(trusted.dir(), "for-each-ref", "--format=%(refname)"))
                .doesNotContain("stray").doesNotContain("refs/heads/fix-7");
    }

    @Test
    void somethingThatIsNoBundleIsAnError() throws Exception {
        Path junk = Files.writeString(temp.resolve("junk.bundle"), "not a bundle at all\n");

        assertThatThrownBy(() -> trusted.fetchBundle(junk)).isInstanceOf(GitException.class);
        assertThat(git.check(trusted.dir(), "for-each-ref", "refs/agent")).isEmpty();
    }

    @Test
    void aBundleWhosePrerequisiteThisRepositoryLacksIsAnError() throws Exception {
        Path bundle = bundleOf("fix-7");
        Path other = new GitRemotes(Files.createDirectories(temp.resolve("others"))).create("x/y", "a", "b\n");
        TrustedRepository unrelated = TrustedRepository.create(git, other, other.toUri().toString(),
                temp.resolve("job2/trusted.git"));

        assertThatThrownBy(() -> unrelated.fetchBundle(bundle)).isInstanceOf(GitException.class)
                .hasMessageContaining("prerequisite");
    }
}
