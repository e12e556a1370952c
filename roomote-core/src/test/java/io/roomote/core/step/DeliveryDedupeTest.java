package io.roomote.core.step;

import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

class DeliveryDedupeTest {

    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-11-24T10:00:00Z"));
    private final Clock clock = new Clock() {
        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    };

    @Test
    void aRedeliveryIsRecognised() {
        DeliveryDedupe d = new DeliveryDedupe(100, Duration.ofHours(1), clock);
        assertThat(d.firstTime("72d3162e-cc78-11e3-81ab-4c9367dc0958")).isTrue();
        assertThat(d.firstTime("72d3162e-cc78-11e3-81ab-4c9367dc0958")).isFalse();
        assertThat(d.firstTime("another")).isTrue();
        assertThat(d.firstTime(null)).isTrue();
        assertThat(d.firstTime("")).isTrue();
    }

    @Test
    void itForgetsOldDeliveriesAndStaysBounded() {
        DeliveryDedupe d = new DeliveryDedupe(3, Duration.ofHours(1), clock);
        d.firstTime("a");
        now.set(now.get().plus(Duration.ofMinutes(61)));
        assertThat(d.firstTime("a")).isTrue();
        for (String g : new String[] {"b", "c", "d", "e"}) {
            d.firstTime(g);
        }
        assertThat(d.size()).isLessThanOrEqualTo(4);
        assertThat(d.firstTime("e")).isFalse();
    }
}
