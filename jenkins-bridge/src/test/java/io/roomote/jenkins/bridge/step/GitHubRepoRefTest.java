package io.roomote.jenkins.bridge.step;

import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class GitHubRepoRefTest {

    @Test
    void parsesTheUsualCloneAndWebUrls() {
        assertThat(GitHubRepoRef.parse("https://github.com/acme/app.git")).contains(ref("github.com", "acme", "app"));
        assertThat(GitHubRepoRef.parse("https://github.com/acme/app")).contains(ref("github.com", "acme", "app"));
        assertThat(GitHubRepoRef.parse("https://github.com/acme/app/")).contains(ref("github.com", "acme", "app"));
        assertThat(GitHubRepoRef.parse("https://github.com/acme/app/issues/7")).contains(ref("github.com", "acme", "app"));
        assertThat(GitHubRepoRef.parse("git@github.com:acme/app.git")).contains(ref("github.com", "acme", "app"));
        assertThat(GitHubRepoRef.parse("github.com:acme/app")).contains(ref("github.com", "acme", "app"));
        assertThat(GitHubRepoRef.parse("ssh://git@github.com/acme/app.git")).contains(ref("github.com", "acme", "app"));
        assertThat(GitHubRepoRef.parse("https://x-access-token@GitHub.com/acme/app.js.git")).contains(ref("github.com", "acme", "app.js"));
    }

    @Test
    void parsesGitHubEnterpriseHostsAndPorts() {
        GitHubRepoRef r = GitHubRepoRef.parse("ssh://git@ghe.example.com:2222/team/service.git").orElseThrow();
        assertThat(r).isEqualTo(ref("ghe.example.com", "team", "service"));
        assertThat(r.onGitHubDotCom()).isFalse();
        assertThat(r.serverUrl()).contains("https://ghe.example.com");
        assertThat(r.apiUrl()).contains("https://ghe.example.com/api/v3");
        assertThat(GitHubRepoRef.parse("git@ghe.example.com:team/service.git")).contains(ref("ghe.example.com", "team", "service"));
        assertThat(GitHubRepoRef.parse("https://github.com/acme/app").orElseThrow().apiUrl()).contains("https://api.github.com");
    }

    @Test
    void parsesOwnerSlashName() {
        GitHubRepoRef r = GitHubRepoRef.parse("acme/app").orElseThrow();
        assertThat(r.host()).isEmpty();
        assertThat(r.fullName()).isEqualTo("acme/app");
        assertThat(r.onGitHubDotCom()).isTrue();
    }

    @Test
    void refusesWhatIsNoRepository() {
        assertThat(GitHubRepoRef.parse(null)).isEmpty();
        assertThat(GitHubRepoRef.parse(" ")).isEmpty();
        assertThat(GitHubRepoRef.parse("app")).isEmpty();
        assertThat(GitHubRepoRef.parse("https://github.com/acme")).isEmpty();
        assertThat(GitHubRepoRef.parse("file:///srv/git/acme/app.git")).isEmpty();
        assertThat(GitHubRepoRef.parse("acme/../etc")).isEmpty();
        assertThat(GitHubRepoRef.parse("-acme/app")).isEmpty();
        assertThat(GitHubRepoRef.parse("acme/app extra")).isEmpty();
    }

    private static GitHubRepoRef ref(String host, String owner, String name) {
        return new GitHubRepoRef(Optional.of(host), owner, name);
    }
}
