package io.roomote.core.slack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

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
import java.util.stream.Collectors;

/**
 * {@link SlackPost} through Slack's Web API method {@code chat.postMessage} with a bot token ({@code xoxb-…}, scope
 * {@code chat:write}) and a {@link HttpClient} the caller builds: the Jenkins plugin passes core's
 * {@code ProxyConfiguration.newHttpClient()}, so Jenkins' proxy applies, and bundles no HTTP library of its own
 * (Slack's client would run against whatever OkHttp another plugin provides). One form-encoded POST per message.
 */
public final class SlackSender implements SlackPost {

    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private final HttpClient client;
    private final String token;
    private final String channel;
    private final URI endpoint;
    private final ObjectMapper mapper = new ObjectMapper();

    /** @param apiUrl Slack's Web API, {@code https://slack.com/api/} (tests point it at a stand-in) */
    public SlackSender(HttpClient client, String token, String channel, String apiUrl) {
        if (token == null || token.isBlank()) {
            throw new IllegalArgumentException("no Slack token");
        }
        this.client = client;
        this.token = token;
        this.channel = channel == null || channel.isBlank() ? "#roomote-control" : channel;
        String base = apiUrl == null || apiUrl.isBlank() ? "https://slack.com/api/" : apiUrl.endsWith("/") ? apiUrl : apiUrl + "/";
        this.endpoint = URI.create(base + "chat.postMessage");
    }

    @Override
    public Optional<String> post(String text, String threadTs) throws Exception {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("channel", channel);
        form.put("text", text);
        form.put("unfurl_links", "false");
        if (threadTs != null) {
            form.put("thread_ts", threadTs);
        }
        String body = form.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        HttpRequest request = HttpRequest.newBuilder(endpoint).timeout(TIMEOUT)
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build();
        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        if (response.statusCode() == 429) {
            throw new IOException("Slack is rate limiting (HTTP 429); retry after " + response.headers().firstValue("Retry-After").orElse("?") + " s");
        }
        JsonNode json;
        try {
            json = mapper.readTree(response.body());
        } catch (IOException e) {
            throw new IOException("Slack answered HTTP " + response.statusCode() + " with no JSON", e);
        }
        if (json == null || !json.path("ok").asBoolean(false)) {
            throw new IOException("Slack refused the message: " + (json == null ? "HTTP " + response.statusCode() : json.path("error").asText("HTTP " + response.statusCode())));
        }
        return json.hasNonNull("ts") ? Optional.of(json.get("ts").asText()) : Optional.empty();
    }
}
