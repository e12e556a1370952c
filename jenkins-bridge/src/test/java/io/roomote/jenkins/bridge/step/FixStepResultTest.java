package io.roomote.jenkins.bridge.step;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.roomote.core.execution.JobOutcome;
import io.roomote.spi.Cancellation;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class FixStepResultTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static JsonNode json(String s) throws Exception {
        return MAPPER.readTree(s);
    }

    @Test
    void aPullRequestIsSuccessAndTheMapCarriesTheResult() throws Exception {
        FixStepResult r = FixStepResult.from(41, "acme/app", 7, new JobOutcome.Succeeded(json(
                "{\"repo\":\"acme/app\",\"issue\":7,\"outcome\":\"pr_opened\",\"prUrl\":\"https://github.com/acme/app/pull/101\","
                        + "\"prNumber\":101,\"branch\":\"fix-7\",\"commits\":1,\"agent\":\"claude\",\"costUsd\":0.4213,"
                        + "\"tokensIn\":1200,\"tokensOut\":300,\"durationMs\":65000}")));

        assertThat(r.status()).isEqualTo("completed");
        assertThat(r.failure(true)).isEmpty();
        assertThat(r.toMap()).containsEntry("success", true).containsEntry("outcome", "pr_opened")
                .containsEntry("prUrl", "https://github.com/acme/app/pull/101").containsEntry("prNumber", 101)
                .containsEntry("branch", "fix-7").containsEntry("costUsd", 0.4213).containsEntry("jobId", 41L)
                .doesNotContainKey("error").doesNotContainKey("wipBranch");
        assertThat(r.summary()).isEqualTo("Roomote acme/app#7: pull request https://github.com/acme/app/pull/101 — pr_opened, cost $0.42");
    }

    @Test
    void noPullRequestFailsTheStepUnlessFailOnNoPrIsOff() throws Exception {
        FixStepResult r = FixStepResult.from(42, "acme/app", 7, new JobOutcome.Failed(
                "no_changes: the agent finished without committing any change", false,
                json("{\"outcome\":\"no_changes\",\"branch\":\"fix-7\"}")));

        assertThat(r.status()).isEqualTo("failed");
        assertThat(r.failure(true)).contains("roomoteFix: no pull request for acme/app#7 (no_changes): "
                + "the agent finished without committing any change (set failOnNoPr: false to go on without a pull request)");
        assertThat(r.summary()).isEqualTo("Roomote acme/app#7: no pull request — no_changes (the agent finished without committing any change)");
        assertThat(r.failure(false)).isEmpty();
        assertThat(r.toMap()).containsEntry("success", false).containsEntry("status", "failed");
    }

    @Test
    void aSkippedIssueWithAnOpenRoomotePrIsNotAFailure() throws Exception {
        FixStepResult r = FixStepResult.from(43, "acme/app", 7, new JobOutcome.Failed("skipped: pull request #5 from Roomote is already open",
                false, json("{\"outcome\":\"skipped\",\"prUrl\":\"https://github.com/acme/app/pull/5\",\"reason\":\"already open\"}")));

        assertThat(r.failure(true)).isEmpty();
        assertThat(r.hasPullRequest()).isTrue();
    }

    @Test
    void aCancelledRunKeepsItsWipBranch() throws Exception {
        FixStepResult r = FixStepResult.from(44, "acme/app", 7, new JobOutcome.Stopped(Cancellation.Reason.CANCELLED,
                "cancelled by request", json("{\"outcome\":\"cancelled\",\"wipBranch\":\"roomote/wip/7-44\"}"), false));

        assertThat(r.status()).isEqualTo("cancelled");
        assertThat(r.wipBranch()).isEqualTo("roomote/wip/7-44");
        assertThat(r.failure(true)).get().asString().contains("unfinished work was pushed to branch roomote/wip/7-44");
    }

    @Test
    void aTimeoutWithoutResultStillSaysTimedOut() {
        FixStepResult r = FixStepResult.from(45, "acme/app", 7, new JobOutcome.Stopped(Cancellation.Reason.TIMED_OUT,
                "timed out after 30 minutes", null, true));

        assertThat(r.status()).isEqualTo("failed");
        assertThat(r.outcome()).isEqualTo("timed_out");
        assertThat(r.error()).isEqualTo("timed out after 30 minutes");
    }

    @Test
    void itRoundTripsThroughTheResultFile() throws Exception {
        FixStepResult r = FixStepResult.failedWithoutResult(46, "acme/app", 8, "worker died");
        String text = MAPPER.writeValueAsString(r);
        assertThat(text).doesNotContain("null");
        assertThat(MAPPER.readValue(text, FixStepResult.class)).isEqualTo(r);
    }
}
