package io.roomote.jenkins.bridge.admission;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ConcurrencyGateTest {

    @Test
    void aBuildWaitsOnlyWhenTheCapIsReached() {
        assertThat(ConcurrencyGate.blockReason(0, 5)).isEmpty();
        assertThat(ConcurrencyGate.blockReason(4, 5)).isEmpty();
        assertThat(ConcurrencyGate.blockReason(5, 5)).contains("Waiting for a Roomote slot: 5 of 5 Roomote builds are running"
                + " (Max concurrent Roomote builds, Manage Jenkins » System » Roomote)");
        assertThat(ConcurrencyGate.blockReason(7, 5)).get().asString().startsWith("Waiting for a Roomote slot: 7 of 5");
        assertThat(ConcurrencyGate.blockReason(1, 1)).get().asString().contains("1 of 1 Roomote build is running");
    }

    @Test
    void noCapMeansNoWait() {
        assertThat(ConcurrencyGate.blockReason(100, 0)).isEmpty();
        assertThat(ConcurrencyGate.blockReason(100, -1)).isEmpty();
    }

    @Test
    void cappedJobsAreNamedByFullNameOrFolder() {
        List<String> patterns = ConcurrencyGate.patterns("roomote-fix, team/Fixers/*\n  other");
        assertThat(patterns).containsExactly("roomote-fix", "team/Fixers/*", "other");
        assertThat(ConcurrencyGate.isCapped("roomote-fix", patterns)).isTrue();
        assertThat(ConcurrencyGate.isCapped("Roomote-Fix", patterns)).isTrue();
        assertThat(ConcurrencyGate.isCapped("team/fixers/a", patterns)).isTrue();
        assertThat(ConcurrencyGate.isCapped("team/fixers/deep/b", patterns)).isTrue();
        assertThat(ConcurrencyGate.isCapped("team/fixers", patterns)).isFalse();
        assertThat(ConcurrencyGate.isCapped("roomote-fix-2", patterns)).isFalse();
        assertThat(ConcurrencyGate.isCapped("anything", List.of("*"))).isTrue();
        assertThat(ConcurrencyGate.isCapped(null, patterns)).isFalse();
        assertThat(ConcurrencyGate.patterns("  ")).isEmpty();
    }
}
