package io.roomote.jenkins.bridge.step;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

public class FixStepArgumentsTest {

    public static final String TOKEN = "ghp_stepToken0123456789abcdefghijklmnop";
    public static final String KEY = "sk-or-v1-stepKey0123456789abcdefghij";

    private static FixStepArguments issue(Integer n) {
        return new FixStepArguments(n, null, null, null, null, null, null, null);
    }

    private static FixStepArguments.Context ctx(Map<String, String> settings, List<String> scm, Map<String, String> env) {
        return new FixStepArguments.Context(settings, Optional.of(TOKEN), Optional.of(KEY), scm, env);
    }

    @Test
    void theMinimalCallTakesTheRepositoryFromTheJobsGitHubScm() throws Exception {
        FixStepPlan plan = issue(123).plan(ctx(Map.of("ROOMOTE_AGENT", "claude"),
                List.of("https://github.com/acme/app.git"), Map.of()));

        assertThat(plan.repo()).isEqualTo("acme/app");
        assertThat(plan.issue()).isEqualTo(123);
        assertThat(plan.payload()).containsExactly(Map.entry("repo", "acme/app"), Map.entry("issue", 123));
        assertThat(plan.timeout()).isEqualTo(Duration.ofMinutes(30));
        assertThat(plan.failOnNoPr()).isTrue();
        assertThat(plan.dedupeKey()).isEqualTo("acme/app#123");
        assertThat(plan.notes()).containsExactly("repository acme/app taken from the job's GitHub SCM");
        assertThat(plan.settings()).containsEntry("GH_TOKEN", TOKEN).containsEntry("OPENROUTER_API_KEY", KEY)
                .containsEntry("ROOMOTE_AGENT", "claude");
    }

    @Test
    void secretsAreKeptApartFromTheSettingsThatMayBeWrittenDown() throws Exception {
        FixStepPlan plan = issue(1).plan(ctx(Map.of("GITHUB_API_URL", "https://api.github.com", "OPENROUTER_MODEL", "m"),
                List.of("acme/app"), Map.of()));

        assertThat(plan.publicSettings()).containsOnlyKeys("GITHUB_API_URL", "OPENROUTER_MODEL");
        assertThat(plan.secretSettings()).containsOnlyKeys("GH_TOKEN", "OPENROUTER_API_KEY");
        assertThat(plan.toString()).doesNotContain(TOKEN).doesNotContain(KEY);
    }

    @Test
    void everyOptionalArgumentReachesThePayload() throws Exception {
        FixStepPlan plan = new FixStepArguments(7, "git@github.com:acme/app.git", "add() subtracts", "2+2 is 0",
                "codex", "openai/gpt-5", 45, false).plan(ctx(Map.of(), List.of("https://github.com/other/repo"), Map.of()));

        assertThat(plan.payload()).containsExactly(Map.entry("repo", "acme/app"), Map.entry("issue", 7),
                Map.entry("title", "add() subtracts"), Map.entry("body", "2+2 is 0"), Map.entry("agent", "codex"),
                Map.entry("model", "openai/gpt-5"));
        assertThat(plan.timeout()).isEqualTo(Duration.ofMinutes(45));
        assertThat(plan.failOnNoPr()).isFalse();
        assertThat(plan.notes()).isEmpty();
    }

    @Test
    void withoutScmTheEnvironmentNamesTheRepository() throws Exception {
        assertThat(issue(5).plan(ctx(Map.of(), List.of(), Map.of("GITHUB_REPOSITORY", "acme/api"))).repo()).isEqualTo("acme/api");
        FixStepPlan fromGitUrl = issue(5).plan(ctx(Map.of(), List.of(), Map.of("GIT_URL", "https://github.com/acme/web.git")));
        assertThat(fromGitUrl.repo()).isEqualTo("acme/web");
        assertThat(fromGitUrl.notes()).containsExactly("repository acme/web taken from GIT_URL");
    }

    @Test
    void aGitHubEnterpriseRepositoryPointsTheJobAtItsHost() throws Exception {
        FixStepPlan plan = issue(9).plan(ctx(Map.of(), List.of("https://ghe.example.com/team/svc.git"), Map.of()));

        assertThat(plan.settings()).containsEntry("GITHUB_SERVER_URL", "https://ghe.example.com")
                .containsEntry("GITHUB_API_URL", "https://ghe.example.com/api/v3");
        assertThat(plan.repo()).isEqualTo("team/svc");
    }

    @Test
    void aRepositoryOnAnotherHostThanTheConfiguredServerIsRefused() {
        InvalidStepArgumentsException e = catchThrowableOfType(InvalidStepArgumentsException.class,
                () -> new FixStepArguments(9, "https://ghe.example.com/team/svc", null, null, null, null, null, null)
                        .plan(ctx(Map.of("GITHUB_SERVER_URL", "https://github.com"), List.of(), Map.of())));

        assertThat(e.problems()).singleElement().asString().contains("is not on the configured GitHub server https://github.com");
    }

    @Test
    void theTokenMayComeFromTheEnvironment() throws Exception {
        FixStepPlan plan = issue(3).plan(new FixStepArguments.Context(Map.of(), Optional.empty(), Optional.empty(),
                List.of("acme/app"), Map.of("GITHUB_TOKEN", "ghp_fromEnvironment0123456789abcdefghij")));

        assertThat(plan.settings()).containsEntry("GH_TOKEN", "ghp_fromEnvironment0123456789abcdefghij")
                .doesNotContainKey("OPENROUTER_API_KEY");
    }

    @Test
    void everyProblemIsReportedAtOnce() {
        InvalidStepArgumentsException e = catchThrowableOfType(InvalidStepArgumentsException.class,
                () -> new FixStepArguments(0, null, null, null, " ", "", 0, null).plan(new FixStepArguments.Context(
                        Map.of(), Optional.empty(), Optional.empty(), List.of(), Map.of())));

        assertThat(e.problems()).hasSize(6);
        assertThat(e.getMessage()).startsWith("roomoteFix: issue must be a positive issue number, got 0;")
                .contains("timeoutMinutes must be between 1 and 1440, got 0")
                .contains("agent must not be empty").contains("model must not be empty")
                .contains("no repository: pass repo: 'owner/name'").contains("no GitHub token: set credentialsId");
    }

    @Test
    void aMissingIssueOrABadRepositoryIsNamed() {
        assertThatThrownBy(() -> issue(null).plan(ctx(Map.of(), List.of("acme/app"), Map.of())))
                .hasMessageContaining("issue is required");
        assertThatThrownBy(() -> new FixStepArguments(1, "not a repo", null, null, null, null, null, null)
                .plan(ctx(Map.of(), List.of(), Map.of()))).hasMessageContaining("repo must be a GitHub repository");
        assertThatThrownBy(() -> issue(1).plan(ctx(Map.of(), List.of("https://github.com/a/b", "https://github.com/c/d"), Map.of())))
                .hasMessageContaining("several GitHub repositories (github.com/a/b, github.com/c/d)");
    }

    @Test
    void theSameRepositoryListedTwiceIsOneRepository() throws Exception {
        FixStepPlan plan = issue(2).plan(ctx(Map.of(), List.of("https://github.com/acme/app.git", "git@github.com:acme/app.git"), Map.of()));
        assertThat(plan.repo()).isEqualTo("acme/app");
    }
}
