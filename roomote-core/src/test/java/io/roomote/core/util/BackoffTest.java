package io.roomote.core.util;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BackoffTest {

    private final Backoff backoff = new Backoff(Duration.ofMillis(250), Duration.ofSeconds(30));

    @Test
    void doublesFromTheBaseUpToTheCap() {
        assertThat(backoff.after(0)).isEqualTo(Duration.ofMillis(250));
        assertThat(backoff.after(1)).isEqualTo(Duration.ofMillis(250));
        assertThat(backoff.after(2)).isEqualTo(Duration.ofMillis(500));
        assertThat(backoff.after(7)).isEqualTo(Duration.ofMillis(16_000));
        assertThat(backoff.after(8)).isEqualTo(Duration.ofSeconds(30));
        assertThat(backoff.after(Integer.MAX_VALUE)).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void aHugeBaseIsTheCapNotAnOverflow() {
        Backoff huge = new Backoff(Duration.ofDays(365), Duration.ofHours(1));
        assertThat(huge.after(31)).isEqualTo(Duration.ofHours(1));
    }

    @Test
    void theTableForSqlIsTheSameWaits() {
        Long[] table = backoff.millisByFailures();
        for (int i = 0; i < table.length; i++) {
            assertThat(table[i]).as("after %d failures", i + 1).isEqualTo(backoff.after(i + 1).toMillis());
        }
    }

    @Test
    void aNegativeWaitIsRefused() {
        assertThatThrownBy(() -> new Backoff(Duration.ofMillis(-1), Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    }
}
