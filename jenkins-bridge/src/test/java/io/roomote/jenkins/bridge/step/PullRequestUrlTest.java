package io.roomote.jenkins.bridge.step;

import io.roomote.jenkins.bridge.worker.WorkerProtocol;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/** Only https:// pull request URLs under the configured GitHub server reach the build page; result.json is capped. */
class PullRequestUrlTest {

    @ParameterizedTest
    @ValueSource(strings = {"javascript:alert(document.cookie)", "JavaScript:alert(1)//https://github.com/a/b/pull/1",
            "data:text/html,<script>alert(1)</script>", "http://github.com/acme/app/pull/1",
            "https://github.com.evil.example/acme/app/pull/1", "https://evil.example/https://github.com/acme/app/pull/1",
            "https://user@github.com/acme/app/pull/1", "https://github.com:8443/acme/app/pull/1",
            "https://github.com/acme/app/pull/1?x=\"><script>", "https://github.com/acme/app/pull/1#x",
            "https://github.com/acme/app/pull/1 onmouseover=alert(1)", "https://github.com", "//github.com/acme/app/pull/1",
            "/acme/app/pull/1", "https://github.com/acme/app/pull/1\n", ""})
    void hostileOrForeignUrlsAreRefused(String url) {
        assertThat(PullRequestUrl.accept(url, "https://github.com")).isEmpty();
    }

    @Test
    void pullRequestsOnTheServerAreAccepted() {
        assertThat(PullRequestUrl.accept("https://github.com/acme/app/pull/101", null)).contains("https://github.com/acme/app/pull/101");
        assertThat(PullRequestUrl.accept("https://GitHub.com/acme/app/pull/101", "https://github.com/")).isPresent();
        assertThat(PullRequestUrl.accept("https://ghe.example/code/acme/app/pull/3", "https://ghe.example/code")).isPresent();
        assertThat(PullRequestUrl.accept("https://ghe.example/other/acme/app/pull/3", "https://ghe.example/code")).isEmpty();
        assertThat(PullRequestUrl.accept("https://ghe.example:8443/acme/app/pull/3", "https://ghe.example:8443")).isPresent();
    }

    @Test
    void aResultWithAHostileUrlLosesItAndSaysWhy() throws Exception {
        String json = "{\"jobId\":12,\"repo\":\"acme/app\",\"issue\":7,\"status\":\"completed\",\"outcome\":\"pr_opened\","
                + "\"prUrl\":\"javascript:alert(1)\",\"prNumber\":101,\"branch\":\"fix-7\"}";
        FixStepResult r = WorkerProtocol.readResult(new ObjectMapper(), json.length(), () -> json, 12, "acme/app", 7,
                "https://github.com");

        assertThat(r.prUrl()).isNull();
        assertThat(r.prNumber()).isNull();
        assertThat(r.hasPullRequest()).isFalse();
        assertThat(r.status()).isEqualTo("failed");
        assertThat(r.error()).contains("not an https:// URL under https://github.com").doesNotContain("javascript");
        assertThat(r.failure(true)).isPresent();
        assertThat(r.branch()).isEqualTo("fix-7");
    }

    @Test
    void aGoodResultIsKept() throws Exception {
        String json = "{\"jobId\":12,\"repo\":\"acme/app\",\"issue\":7,\"status\":\"completed\",\"outcome\":\"pr_opened\","
                + "\"prUrl\":\"https://github.com/acme/app/pull/101\",\"prNumber\":101}";
        FixStepResult r = WorkerProtocol.readResult(new ObjectMapper(), json.length(), () -> json, 12, "acme/app", 7, null);

        assertThat(r.prUrl()).isEqualTo("https://github.com/acme/app/pull/101");
        assertThat(r.status()).isEqualTo("completed");
    }

    @Test
    void anOversizedOrBrokenResultIsNotRead() throws Exception {
        FixStepResult big = WorkerProtocol.readResult(new ObjectMapper(), WorkerProtocol.MAX_RESULT_BYTES + 1, () -> {
            throw new AssertionError("an oversized result must not be read");
        }, 12, "acme/app", 7, null);
        assertThat(big.status()).isEqualTo("failed");
        assertThat(big.error()).contains("more than the 65536");

        FixStepResult broken = WorkerProtocol.readResult(new ObjectMapper(), 3, () -> "{x:", 12, "acme/app", 7, null);
        assertThat(broken.status()).isEqualTo("failed");
        assertThat(broken.error()).contains("is not a result");
    }
}
