package io.roomote.jobs.github;

import io.roomote.agents.AgentUsage;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** The limits of the PR body Roomote writes (pure text; the end-to-end body is in DraftPullRequestTest). */
class PullRequestBodyTest {

    @Test
    void aLongMessageAndManyFilesAreCappedAndUnknownUsageIsSaidSo() {
        String message = IntStream.rangeClosed(1, 20).mapToObj(i -> "line " + i).reduce((a, b) -> a + "\n\n" + b).orElseThrow();
        List<String> files = IntStream.rangeClosed(1, 45).mapToObj(i -> "src/f" + i + ".py").toList();

        String body = PullRequestBody.render(7, "https://github.com/acme/app/issues/7", 42, "codex", message, files,
                AgentUsage.UNKNOWN, Optional.empty());

        assertThat(body).contains("> line 6\n> …\n").doesNotContain("line 7")
                .contains("### Files changed (45)").contains("- `src/f30.py`\n- … and 15 more\n").doesNotContain("f31.py")
                .contains("Tokens and cost: not reported.")
                .contains("Opened by Roomote, job 42 (agent codex).\n<!-- roomote:job=42 -->\n");
    }

    @Test
    void tagsAndAnUnclosedCommentInTheMessageAreShownAsTextOrDropped() {
        assertThat(PullRequestBody.neutralise("see <img src=x onerror=alert(1)> and <!-- unclosed"))
                .isEqualTo("see &lt;img src=x onerror=alert(1)> and ");
        assertThat(PullRequestBody.neutralise("`weird`@name.py")).isEqualTo("`weird`@\u200Bname.py");
    }
}
