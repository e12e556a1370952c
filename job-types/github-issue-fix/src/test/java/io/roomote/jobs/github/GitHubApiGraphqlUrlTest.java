package io.roomote.jobs.github;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Where the one GraphQL call goes: GitHub's documented endpoints, github.com and GitHub Enterprise Server. */
class GitHubApiGraphqlUrlTest {

    @Test
    void graphqlLivesNextToTheRestApi() throws Exception {
        assertThat(new GitHubApi("https://api.github.com", "t").graphqlUrl()).isEqualTo("https://api.github.com/graphql");
        assertThat(new GitHubApi("https://ghe.example.com/api/v3/", "t").graphqlUrl())
                .isEqualTo("https://ghe.example.com/api/graphql");
    }
}
