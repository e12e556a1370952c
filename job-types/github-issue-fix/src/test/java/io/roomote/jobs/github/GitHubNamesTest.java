package io.roomote.jobs.github;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** GitHub's rules for owner and repository names. */
class GitHubNamesTest {

    @Test
    void validNames() {
        for (String repo : List.of("a/b", "acme/.github", "octo-org/web_site", "A1/x-y.z", "a/_x", "a/x.", "a/1",
                "a".repeat(39) + "/" + "b".repeat(100))) {
            assertThat(GitHubNames.repoProblem(repo)).as(repo).isEmpty();
        }
    }

    @Test
    void invalidNames() {
        for (String repo : List.of("a/.", "a/..", "a/-", "a/-x", "a/___", "a/.-_", "-a/b", "a-/b", "a--b/c", "a_b/c",
                "a/b/c", "a", "/b", "a/", "a/b c", "a/x..y", "a/ü", "a\u0000/b", "a".repeat(40) + "/b",
                "a/" + "b".repeat(101))) {
            assertThat(GitHubNames.repoProblem(repo)).as(repo).isPresent();
        }
    }
}
