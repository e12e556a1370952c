package io.roomote.core.slack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.roomote.core.util.Backoff;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * Roomote's one Slack sender: {@link SlackPost} through Slack's Web API method {@code chat.postMessage} with a bot
 * token ({@code xoxb-…}, scope {@code chat:write}), one form-encoded POST per try, over a {@link HttpClient} the
 * caller builds — the runner a plain one, the Jenkins plugin core's {@code ProxyConfiguration.newHttpClient()} so
 * Jenkins' proxy applies (which is why this is Java's HTTP client, not Slack's SDK: inside Jenkins the SDK would run
 * against another plugin's OkHttp). No {@code auth.test} ever.
 *
 * <p>A try that Slack rate limits (HTTP 429, or {@code "error":"ratelimited"}), that fails on Slack's side (HTTP 5xx,
 * {@code internal_error}, {@code fatal_error}, {@code service_unavailable}, {@code request_timeout}) or that does
 * not reach Slack is tried again, up to {@code maxTries} in all: after the Retry-After Slack names, else after the {@link Backoff}. A wait
 * longer than the backoff's cap is not waited: the post gives up at once. Any other answer is a refusal, not
 * retried. {@link #close} ends every wait and every later retry (Roomote stopping). The token is only ever in the
 * Authorization header: no exception or problem text holds it.
 */
public final class SlackSender implements SlackPost, AutoCloseable {

    /** Slack errors worth another try (Slack's Web API docs: rate limits and trouble on Slack's side). */
    private static final Set<String> TRANSIENT = Set.of("ratelimited", "internal_error", "fatal_error", "service_unavailable",
            "request_timeout");
    private static final Duration TIMEOUT = Duration.ofSeconds(15);

    /** One failed try, for the caller's DEBUG log: which, what went wrong, the exception if any. */
    public record FailedTry(int attempt, String problem, Throwable cause) {
    }

    /** Waits {@code wait} unless {@code stop} is counted down first; true when it was. Tests record the waits. */
    interface Waiter {
        boolean stoppedWhileWaiting(CountDownLatch stop, Duration wait) throws InterruptedException;

        /** Really waits. */
        Waiter REAL = (stop, wait) -> stop.await(wait.toMillis(), TimeUnit.MILLISECONDS);
    }

    private final HttpClient client;
    private final String token;
    private final String channel;
    private final URI postMessage;
    private final int maxTries;
    private final Backoff backoff;
    private final Consumer<FailedTry> onFailedTry;
    private final Waiter waiter;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final ObjectMapper mapper = new ObjectMapper();

    /**
     * @param settings the token (required), the channel and Slack's Web API base ({@code https://slack.com/api/};
     *                 tests point it at a stand-in)
     * @param maxTries tries per message, at least 1
     * @param backoff  the wait after the n-th failed try when Slack names none; its cap bounds every wait
     */
    public SlackSender(HttpClient client, SlackSettings settings, int maxTries, Backoff backoff) {
        this(client, settings, maxTries, backoff, failed -> { }, Waiter.REAL);
    }

    SlackSender(HttpClient client, SlackSettings settings, int maxTries, Backoff backoff, Consumer<FailedTry> onFailedTry,
                Waiter waiter) {
        if (maxTries < 1) {
            throw new IllegalArgumentException("a Slack message needs at least 1 try, not " + maxTries);
        }
        this.client = client;
        this.token = settings.token().filter(t -> !t.isBlank())
                .orElseThrow(() -> new IllegalArgumentException("no Slack token (a bot token, xoxb-…, with chat:write)"));
        this.channel = settings.channel();
        this.postMessage = URI.create(settings.apiUrl() + "chat.postMessage");
        this.maxTries = maxTries;
        this.backoff = backoff;
        this.onFailedTry = onFailedTry;
        this.waiter = waiter;
    }

    /** A plain client for a sender outside Jenkins: connecting gives up after 10 s (each try after 15 s in all). */
    public static HttpClient newHttpClient() {
        return HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    }

    @Override
    public Optional<String> post(String text, String threadTs) throws SlackException {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("channel", channel);
        form.put("text", text);
        form.put("unfurl_links", "false");
        if (threadTs != null) {
            form.put("thread_ts", threadTs);
        }
        HttpRequest request = HttpRequest.newBuilder(postMessage).timeout(TIMEOUT)
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
                .POST(HttpRequest.BodyPublishers.ofString(encode(form), StandardCharsets.UTF_8)).build();
        for (int attempt = 1; ; attempt++) {
            Duration wait = backoff.after(attempt);
            String problem;
            Throwable cause = null;
            HttpResponse<String> response = null;
            try {
                response = client.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
                problem = null; // said below, from the answer
            } catch (IOException e) {
                problem = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
                cause = e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SlackException(SlackException.Reason.STOPPED, "interrupted", attempt);
            }
            if (response != null) {
                int status = response.statusCode();
                Optional<JsonNode> json = json(response.body());
                String error = json.map(j -> j.path("error").asText("")).orElse("");
                if (status / 100 == 2 && json.isPresent() && json.get().path("ok").asBoolean(false)) {
                    return Optional.ofNullable(json.get().path("ts").textValue());
                }
                String answer = status / 100 != 2 ? "HTTP " + status + (error.isEmpty() ? "" : " (" + error + ")")
                        : "Slack answered " + (error.isEmpty() ? "HTTP " + status + " with no JSON" : error);
                if (status == 429 || TRANSIENT.contains(error)) {
                    problem = status == 429 ? "rate limited (HTTP 429)" : answer;
                    wait = retryAfter(response).orElse(wait);
                } else if (status >= 500 || (status / 100 == 2 && json.isEmpty())) {
                    problem = answer;
                } else {
                    throw new SlackException(SlackException.Reason.REFUSED, error.isEmpty() ? "HTTP " + status : error, attempt);
                }
            }
            onFailedTry.accept(new FailedTry(attempt, problem, cause));
            if (attempt >= maxTries) {
                throw new SlackException(SlackException.Reason.GAVE_UP, problem, attempt);
            }
            if (wait.compareTo(backoff.cap()) > 0) {
                throw new SlackException(SlackException.Reason.GAVE_UP, problem + "; Slack asks to wait " + wait.toSeconds()
                        + " s, more than the " + backoff.cap().toSeconds() + " s this sender waits", attempt);
            }
            if (stopped(wait)) {
                throw new SlackException(SlackException.Reason.STOPPED, problem, attempt);
            }
        }
    }

    /** Ends every wait and every later retry: a message not taken at its current try is not retried. */
    @Override
    public void close() {
        stopped.countDown();
    }

    private boolean stopped(Duration wait) {
        if (stopped.getCount() == 0) {
            return true;
        }
        try {
            return waiter.stoppedWhileWaiting(stopped, wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }

    /** Slack's Retry-After: whole seconds (the HTTP-date form Slack does not send is left to the backoff). */
    private static Optional<Duration> retryAfter(HttpResponse<?> response) {
        return response.headers().firstValue("Retry-After").map(String::trim).filter(v -> v.matches("\\d{1,9}"))
                .map(v -> Duration.ofSeconds(Long.parseLong(v)));
    }

    private Optional<JsonNode> json(String body) {
        try {
            JsonNode node = body == null || body.isBlank() ? null : mapper.readTree(body);
            return Optional.ofNullable(node).filter(JsonNode::isObject);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static String encode(Map<String, String> form) {
        return form.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                        + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
    }
}
