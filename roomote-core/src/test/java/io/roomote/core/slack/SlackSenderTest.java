package io.roomote.core.slack;

import io.roomote.core.metrics.ExternalCalls;
import io.roomote.core.store.JobNotesRepository;
import io.roomote.core.testing.QueueFixture;
import io.roomote.core.testing.SlackStandIn;
import io.roomote.core.types.JobDescriptions;
import io.roomote.core.util.Backoff;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Roomote's one Slack sender against a STAND-IN of Slack's {@code chat.postMessage} (SlackStandIn: Slack's documented
 * answers, HTTP 429 with {@code Retry-After: 1}, {@code ok:false} errors, HTTP 503 — not Slack). Real: the sender,
 * Java's HTTP client, the HTTP exchange on loopback. The waits between tries are recorded instead of slept (except
 * in {@link #closingEndsAWaitAtOnceAndAMessageNotTakenIsStopped}, which waits for real), so no test depends on time.
 */
class SlackSenderTest {

    private static final String TOKEN = "xoxb-sender-token-0123456789";
    private static final Backoff BACKOFF = new Backoff(Duration.ofMillis(10), Duration.ofHours(1));

    private final SlackStandIn standIn;
    private final List<Duration> waits = new CopyOnWriteArrayList<>();
    private final List<SlackSender.FailedTry> failedTries = new CopyOnWriteArrayList<>();
    private Runnable betweenTries = () -> { };

    SlackSenderTest() throws Exception {
        standIn = new SlackStandIn();
    }

    @AfterEach
    void tearDown() {
        standIn.close();
    }

    /** A sender whose waits are recorded, not slept. */
    private SlackSender sender(String apiUrl, int maxTries, Backoff backoff) {
        return new SlackSender(HttpClient.newHttpClient(), new SlackSettings(Optional.of(TOKEN), "#fixes", apiUrl), maxTries,
                backoff, failedTries::add, (stop, wait) -> {
                    waits.add(wait);
                    betweenTries.run();
                    return stop.getCount() == 0;
                });
    }

    @Test
    void aRateLimitIsWaitedOutForTheRetryAfterSlackNamesThenThePostGoesThrough() throws Exception {
        standIn.rateLimitNext(1);

        Optional<String> ts = sender(standIn.apiUrl(), 5, BACKOFF).post("after the rate limit", null);

        assertThat(waits).as("Retry-After: 1, not the 10 ms backoff").containsExactly(Duration.ofSeconds(1));
        assertThat(standIn.postMessageCalls()).isEqualTo(2);
        assertThat(standIn.messages()).singleElement().satisfies(m -> {
            assertThat(m.text()).isEqualTo("after the rate limit");
            assertThat(m.channel()).isEqualTo("#fixes");
            assertThat(m.authorization()).isEqualTo("Bearer " + TOKEN);
            assertThat(ts).contains(m.ts());
        });
    }

    @Test
    void slacksRatelimitedErrorWithoutRetryAfterWaitsTheBackoff() throws Exception {
        standIn.failWith("ratelimited");
        betweenTries = () -> standIn.failWith(null);

        sender(standIn.apiUrl(), 5, BACKOFF).post("after ratelimited", "1700000000.000001");

        assertThat(waits).containsExactly(Duration.ofMillis(10));
        assertThat(failedTries).extracting(SlackSender.FailedTry::problem).containsExactly("Slack answered ratelimited");
        assertThat(standIn.messages()).singleElement().satisfies(m -> assertThat(m.threadTs()).isEqualTo("1700000000.000001"));
    }

    @Test
    void aSlackThatStaysDownIsTriedMaxTriesTimesWithTheBackoffBetween() {
        standIn.down(true);
        SlackSender sender = sender(standIn.apiUrl(), 3, BACKOFF);

        assertThatThrownBy(() -> sender.post("never", null)).isInstanceOfSatisfying(SlackException.class, e -> {
            assertThat(e.reason()).isEqualTo(SlackException.Reason.GAVE_UP);
            assertThat(e.tries()).isEqualTo(3);
            assertThat(e.problem()).isEqualTo("HTTP 503 (service_unavailable)");
        });
        assertThat(waits).containsExactly(Duration.ofMillis(10), Duration.ofMillis(20));
        assertThat(standIn.postMessageCalls()).isEqualTo(3);
    }

    @Test
    void aRetryAfterLongerThanTheCapIsNotWaited() {
        standIn.rateLimitNext(1);
        SlackSender sender = sender(standIn.apiUrl(), 5, new Backoff(Duration.ofMillis(10), Duration.ofMillis(500)));

        assertThatThrownBy(() -> sender.post("too long a wait", null)).isInstanceOfSatisfying(SlackException.class, e -> {
            assertThat(e.reason()).isEqualTo(SlackException.Reason.GAVE_UP);
            assertThat(e.getMessage()).contains("Slack asks to wait 1 s");
        });
        assertThat(waits).isEmpty();
        assertThat(standIn.postMessageCalls()).isEqualTo(1);
    }

    @Test
    void aRefusalIsNotRetried() {
        standIn.failWith("channel_not_found");
        SlackSender sender = sender(standIn.apiUrl(), 5, BACKOFF);

        assertThatThrownBy(() -> sender.post("nowhere", null)).isInstanceOfSatisfying(SlackException.class, e -> {
            assertThat(e.reason()).isEqualTo(SlackException.Reason.REFUSED);
            assertThat(e.getMessage()).isEqualTo("Slack refused the message: channel_not_found");
        });
        assertThat(waits).isEmpty();
        assertThat(standIn.postMessageCalls()).isEqualTo(1);
    }

    @Test
    void closingEndsAWaitAtOnceAndAMessageNotTakenIsStopped() throws Exception {
        standIn.down(true);
        // Real waits: an hour between tries, unless the sender is closed.
        SlackSender sender = new SlackSender(HttpClient.newHttpClient(), new SlackSettings(Optional.of(TOKEN), "#fixes",
                standIn.apiUrl()), 5, new Backoff(Duration.ofHours(1), Duration.ofHours(1)));
        CompletableFuture<Optional<String>> posting = CompletableFuture.supplyAsync(() -> {
            try {
                return sender.post("while stopping", null);
            } catch (SlackException e) {
                throw new IllegalStateException(e);
            }
        });
        await().atMost(Duration.ofSeconds(30)).until(() -> standIn.postMessageCalls() == 1);

        sender.close();

        await().atMost(Duration.ofSeconds(30)).until(posting::isDone);
        assertThatThrownBy(posting::get).isInstanceOf(ExecutionException.class).rootCause()
                .isInstanceOfSatisfying(SlackException.class, e -> assertThat(e.reason()).isEqualTo(SlackException.Reason.STOPPED));
        assertThat(standIn.postMessageCalls()).isEqualTo(1);
    }

    @Test
    void theTokenIsInNoProblemTextNoExceptionAndNoSettingsText() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        List<String> texts = new ArrayList<>();
        for (Runnable trouble : List.<Runnable>of(() -> standIn.down(true), () -> standIn.failWith("invalid_auth"))) {
            trouble.run();
            try {
                sender(standIn.apiUrl(), 2, BACKOFF).post("x", null);
            } catch (SlackException e) {
                texts.add(e.getMessage());
            }
            standIn.down(false);
        }
        try {
            sender("http://127.0.0.1:" + closedPort + "/api/", 2, BACKOFF).post("x", null);
        } catch (SlackException e) {
            texts.add(e.getMessage());
        }
        failedTries.forEach(f -> {
            texts.add(f.problem());
            if (f.cause() != null) {
                texts.add(String.valueOf(f.cause()));
            }
        });
        texts.add(new SlackSettings(Optional.of(TOKEN), null, null).toString());

        assertThat(texts).hasSizeGreaterThanOrEqualTo(7).noneMatch(t -> t.contains(TOKEN) || t.contains("xoxb-"));
    }

    @Test
    void theRunnersNotifierPostsThroughTheSenderItIsGiven() throws Exception {
        standIn.rateLimitNext(1);
        try (QueueFixture fixture = new QueueFixture();
             SlackNotifier notifier = new SlackNotifier(sender(standIn.apiUrl(), 5, BACKOFF),
                     new JobNotesRepository(fixture.database()), job -> null, JobDescriptions.none(), ExternalCalls.none())) {
            notifier.replyInThread(7, "1700000000.000007", "🎉 Pull request created: <https://github.example/acme/app/pull/9|PR #9>");

            await().atMost(Duration.ofSeconds(30)).until(() -> standIn.messages().size() == 1);
        }
        assertThat(waits).as("the sender's Retry-After wait").containsExactly(Duration.ofSeconds(1));
        assertThat(standIn.messages()).singleElement().satisfies(m -> {
            assertThat(m.threadTs()).isEqualTo("1700000000.000007");
            assertThat(m.text()).isEqualTo("🎉 Pull request created: <https://github.example/acme/app/pull/9|PR #9>");
        });
    }
}
