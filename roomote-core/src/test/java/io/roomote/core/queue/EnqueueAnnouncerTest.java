package io.roomote.core.queue;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The enqueue wake-up's coalescing, with a recording stand-in for {@code pg_notify} (no database here). */
class EnqueueAnnouncerTest {

    @Test
    void enqueuesDuringAnAnnouncementDoNotWaitForItAndShareTheNextOneEachTypeNamedOnce() throws Exception {
        List<List<String>> sent = new CopyOnWriteArrayList<>();
        CountDownLatch inFirst = new CountDownLatch(1);
        CountDownLatch releaseFirst = new CountDownLatch(1);
        EnqueueAnnouncer announcer = new EnqueueAnnouncer(types -> {
            sent.add(List.copyOf(types));
            if (sent.size() == 1) {
                inFirst.countDown();
                try {
                    releaseFirst.await(30, TimeUnit.SECONDS); // a slow NOTIFY, say behind other commits
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            Future<?> first = pool.submit(() -> announcer.announce("a"));
            assertThat(inFirst.await(30, TimeUnit.SECONDS)).isTrue();

            List<Future<?>> others = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                String type = i % 2 == 0 ? "a" : "b";
                others.add(pool.submit(() -> announcer.announce(type)));
            }
            // None of them waits for the announcement under way.
            for (Future<?> f : others) {
                f.get(30, TimeUnit.SECONDS);
            }
            assertThat(first).isNotDone();

            releaseFirst.countDown();
            first.get(30, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(30)).until(() -> sent.size() == 2);
            assertThat(sent.get(0)).containsExactly("a");
            assertThat(sent.get(1)).containsExactlyInAnyOrder("a", "b");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aCallerSendsOnlyItsOwnRoundWhatCameMeanwhileGoesOutFromTheDrainer() throws Exception {
        List<String> senders = new CopyOnWriteArrayList<>();
        List<List<String>> sent = new CopyOnWriteArrayList<>();
        ExecutorService others = Executors.newSingleThreadExecutor();
        EnqueueAnnouncer[] announcer = new EnqueueAnnouncer[1];
        announcer[0] = new EnqueueAnnouncer(types -> {
            senders.add(Thread.currentThread().getName());
            sent.add(List.copyOf(types));
            if (sent.size() == 1) {
                // Another enqueue commits while this round is under way (a steady flood would keep doing so).
                try {
                    others.submit(() -> announcer[0].announce("b")).get(30, TimeUnit.SECONDS);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        });
        try {
            announcer[0].announce("a");

            await().atMost(Duration.ofSeconds(30)).until(() -> sent.size() == 2);
            assertThat(sent).containsExactly(List.of("a"), List.of("b"));
            assertThat(senders.get(0)).isEqualTo(Thread.currentThread().getName());
            assertThat(senders.get(1)).as("not the caller: it returned after its own round")
                    .isEqualTo("roomote-enqueue-announcer");
        } finally {
            others.shutdownNow();
        }
    }

    @Test
    void aFailedAnnouncementIsDroppedAndTheNextOneStillGoesOut() {
        List<List<String>> sent = new ArrayList<>();
        EnqueueAnnouncer announcer = new EnqueueAnnouncer(types -> {
            sent.add(List.copyOf(types));
            if (sent.size() == 1) {
                throw new IllegalStateException("database unreachable");
            }
        });

        announcer.announce("a"); // the poll covers it; nothing thrown at the enqueue
        announcer.announce("b");

        assertThat(sent).containsExactly(List.of("a"), List.of("b"));
    }
}
