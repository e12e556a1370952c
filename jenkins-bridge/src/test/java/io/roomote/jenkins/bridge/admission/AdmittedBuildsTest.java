package io.roomote.jenkins.bridge.admission;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The cap's bookkeeping under a burst: ten items are checked in one queue maintenance while no executor shows a
 * Roomote build yet and the queue's pending snapshot is stale (zero) — only the cap's number may be admitted.
 */
class AdmittedBuildsTest {

    @Test
    void aBurstOfTenAdmitsOnlyTheCap() {
        AdmittedBuilds admitted = new AdmittedBuilds();
        List<Long> through = new ArrayList<>();
        for (long id = 1; id <= 10; id++) {
            if (admitted.admit(id, 0, 5).isEmpty()) {
                through.add(id);
            }
        }
        assertThat(through).containsExactly(1L, 2L, 3L, 4L, 5L);
        Optional<String> sixth = admitted.admit(6, 0, 5);
        assertThat(sixth).hasValueSatisfying(r -> assertThat(r).startsWith("Waiting for a Roomote slot: 5 of 5"));
    }

    @Test
    void anAdmittedItemCheckedAgainStaysAdmittedAndIsNotCountedTwice() {
        AdmittedBuilds admitted = new AdmittedBuilds();
        assertThat(admitted.admit(1, 1, 2)).isEmpty();
        // Queue.maintain checks a buildable item again before giving it an executor.
        assertThat(admitted.admit(1, 1, 2)).isEmpty();
        assertThat(admitted.size()).isEqualTo(1);
        assertThat(admitted.admit(2, 1, 2)).isPresent();
    }

    @Test
    void aStartedItemMovesFromTheSetToTheExecutors() {
        AdmittedBuilds admitted = new AdmittedBuilds();
        assertThat(admitted.admit(1, 0, 1)).isEmpty();
        assertThat(admitted.admit(2, 0, 1)).isPresent();
        // onLeft: item 1 started; the executors now count it.
        admitted.release(1);
        assertThat(admitted.admit(2, 1, 1)).isPresent();
        // Its build ended.
        assertThat(admitted.admit(2, 0, 1)).isEmpty();
    }

    @Test
    void aCancelledOrBlockedItemFreesItsSlotAndNoCapAdmitsAll() {
        AdmittedBuilds admitted = new AdmittedBuilds();
        assertThat(admitted.admit(1, 0, 1)).isEmpty();
        admitted.release(1);
        assertThat(admitted.admit(2, 0, 1)).isEmpty();
        for (long id = 3; id < 20; id++) {
            assertThat(admitted.admit(id, 100, 0)).isEmpty();
        }
    }
}
