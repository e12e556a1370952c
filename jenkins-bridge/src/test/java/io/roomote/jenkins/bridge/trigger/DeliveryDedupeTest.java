package io.roomote.jenkins.bridge.trigger;

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

    @Test
    void aDeliveryWhoseHandlingFailedIsHandledAgainOnRedelivery() {
        DeliveryDedupe d = new DeliveryDedupe(100, Duration.ofHours(1), clock);
        java.util.List<String> runs = new java.util.ArrayList<>();

        // The job could not be scheduled (e.g. it lacks its parameters): not remembered.
        assertThat(d.handleOnce("g-1", () -> runs.add("first") && false)).isTrue();
        // An exception: not remembered either.
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> d.handleOnce("g-1", () -> {
            runs.add("second");
            throw new IllegalStateException("queue refused");
        })).isInstanceOf(IllegalStateException.class);
        // GitHub's "Redeliver" after the fix: scheduled, now remembered.
        assertThat(d.handleOnce("g-1", () -> runs.add("third"))).isTrue();
        assertThat(d.handleOnce("g-1", () -> runs.add("fourth"))).isFalse();

        assertThat(runs).containsExactly("first", "second", "third");
    }

    @Test
    void aDeliveryBeingHandledIsNotHandledTwiceAtOnce() throws Exception {
        DeliveryDedupe d = new DeliveryDedupe(100, Duration.ofHours(1), clock);
        java.util.concurrent.CountDownLatch inside = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        Thread t = new Thread(() -> d.handleOnce("g-2", () -> {
            inside.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return true;
        }));
        t.start();
        inside.await();
        assertThat(d.handleOnce("g-2", () -> true)).isFalse();
        release.countDown();
        t.join();
        assertThat(d.handleOnce("g-2", () -> true)).isFalse();
        assertThat(d.handleOnce(null, () -> false)).isTrue();
    }
}
