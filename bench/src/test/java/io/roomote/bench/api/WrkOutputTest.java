package io.roomote.bench.api;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * Reads outputs of Debian's wrk 4.1.0 captured on this machine (src/test/resources/wrk, against a local
 * {@code python3 -m http.server}): a clean run, one where every answer was a 501 (wrk's "Non-2xx or 3xx" line)
 * and one with timeouts (its "Socket errors" line, and a latency in a unit other than ms). Nothing stands in.
 */
class WrkOutputTest {

    @Test
    void cleanRunGivesRateLatencyDistributionAndNoErrors() throws IOException {
        WrkOutput w = WrkOutput.parse(sample("clean-get.txt"));

        assertThat(w.requests()).isEqualTo(367);
        assertThat(w.seconds()).isCloseTo(2.10, within(1e-9));
        assertThat(w.requestsPerSec()).isCloseTo(174.93, within(1e-9));
        assertThat(w.latencyMs()).containsOnlyKeys(50, 75, 90, 99);
        assertThat(w.latencyMs(50)).isCloseTo(15.94, within(1e-9));
        assertThat(w.latencyMs(75)).isCloseTo(45.92, within(1e-9));
        assertThat(w.latencyMs(90)).isCloseTo(112.01, within(1e-9));
        assertThat(w.latencyMs(99)).isCloseTo(212.04, within(1e-9));
        assertThat(w.maxLatencyMs()).isCloseTo(244.86, within(1e-9));
        assertThat(w.socketErrors()).isZero();
        assertThat(w.non2xx3xx()).isZero();
        assertThat(w.below400()).isEqualTo(367);
        assertThat(w.raw()).isEqualTo(sample("clean-get.txt"));
    }

    @Test
    void non2xxAnswersAreNotCountedAsWritten() throws IOException {
        WrkOutput w = WrkOutput.parse(sample("non-2xx.txt"));

        assertThat(w.requests()).isEqualTo(962);
        assertThat(w.non2xx3xx()).isEqualTo(962);
        assertThat(w.below400()).isZero();
        assertThat(w.requestsPerSec()).isCloseTo(461.05, within(1e-9));
        assertThat(w.latencyMs(99)).isCloseTo(77.42, within(1e-9));
    }

    @Test
    void socketErrorsAreRead() throws IOException {
        WrkOutput w = WrkOutput.parse(sample("socket-errors.txt"));

        assertThat(w.connectErrors()).isZero();
        assertThat(w.readErrors()).isZero();
        assertThat(w.writeErrors()).isZero();
        assertThat(w.timeouts()).isEqualTo(12);
        assertThat(w.socketErrors()).isEqualTo(12);
        assertThat(w.requests()).isEqualTo(2071);
        assertThat(w.latencyMs(99)).isCloseTo(235.22, within(1e-9));
        assertThat(w.maxLatencyMs()).isCloseTo(850.36, within(1e-9));
    }

    @Test
    void wrksTimeUnitsBecomeMilliseconds() {
        assertThat(WrkOutput.millis("852.00", "us")).isCloseTo(0.852, within(1e-9));
        assertThat(WrkOutput.millis("1.50", "ms")).isCloseTo(1.5, within(1e-9));
        assertThat(WrkOutput.millis("2.00", "s")).isCloseTo(2_000, within(1e-9));
        assertThat(WrkOutput.millis("1.00", "m")).isCloseTo(60_000, within(1e-9));
    }

    @Test
    void outputWithoutLatencyDistributionIsRefusedWithTheReason() throws IOException {
        String withoutDistribution = sample("clean-get.txt").replaceAll("(?s)  Latency Distribution.*?99%[^\\n]*\\n", "");

        assertThatThrownBy(() -> WrkOutput.parse(withoutDistribution))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--latency");
        assertThatThrownBy(() -> WrkOutput.parse("unable to connect to 127.0.0.1:1 Connection refused\n"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("requests in");
    }

    private static String sample(String name) throws IOException {
        try (InputStream in = WrkOutputTest.class.getResourceAsStream("/wrk/" + name)) {
            assertThat(in).as("test resource wrk/" + name).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
