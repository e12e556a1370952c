package io.roomote.jenkins.bridge.trigger;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The parameters of a webhook-started build: checked against the job's definitions and merged with its defaults. */
class TriggerParametersTest {

    private static final Map<String, String> OURS = Map.of("ISSUE", "ISSUE=7", "REPO", "REPO=acme/app");

    @Test
    void aJobThatNeverRanDefinesNothingAndNothingIsScheduled() {
        TriggerParameters.Plan<String> plan = TriggerParameters.plan("roomote-fix", List.of(), OURS);

        assertThat(plan).isInstanceOfSatisfying(TriggerParameters.Plan.Missing.class, m -> {
            assertThat(m.names()).containsExactly("ISSUE", "REPO");
            assertThat(m.message()).contains("roomote-fix").contains("run the job once")
                    .contains("add String parameters ISSUE and REPO");
        });
    }

    @Test
    void oneMissingNameIsReported() {
        TriggerParameters.Plan<String> plan = TriggerParameters.plan("f/roomote-fix",
                List.of(new TriggerParameters.Definition<>("ISSUE", Optional.of("ISSUE=0"))), OURS);

        assertThat(plan).isInstanceOfSatisfying(TriggerParameters.Plan.Missing.class,
                m -> assertThat(m.names()).containsExactly("REPO"));
    }

    @Test
    void ourValuesReplaceTheirDefaultsAndTheOtherDefaultsAreKept() {
        TriggerParameters.Plan<String> plan = TriggerParameters.plan("roomote-fix", List.of(
                new TriggerParameters.Definition<>("AGENT", Optional.of("AGENT=opencode")),
                new TriggerParameters.Definition<>("ISSUE", Optional.of("ISSUE=")),
                new TriggerParameters.Definition<>("NOTES", Optional.empty()),
                new TriggerParameters.Definition<>("REPO", Optional.of("REPO="))), OURS);

        assertThat(plan).isInstanceOfSatisfying(TriggerParameters.Plan.Schedule.class, s -> assertThat(s.values())
                .containsExactly("AGENT=opencode", "ISSUE=7", "REPO=acme/app"));
    }
}
