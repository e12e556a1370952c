package io.roomote.core.slack;

import io.roomote.spi.Configuration;

import java.util.Optional;

/**
 * Slack, from {@code SLACK_API_TOKEN} (a bot token, {@code xoxb-…}, with {@code chat:write}), {@code SLACK_CHANNEL}
 * (default {@code #roomote-control}) and {@code SLACK_API_URL} (default {@code https://slack.com/api/}; tests
 * point it at a stand-in). No token: Slack is off. A blank channel or API URL means the default; the API URL
 * always ends with {@code /}.
 */
public record SlackSettings(Optional<String> token, String channel, String apiUrl) {

    public static final String DEFAULT_CHANNEL = "#roomote-control";
    public static final String DEFAULT_API_URL = "https://slack.com/api/";

    public SlackSettings {
        channel = channel == null || channel.isBlank() ? DEFAULT_CHANNEL : channel;
        apiUrl = apiUrl == null || apiUrl.isBlank() ? DEFAULT_API_URL : apiUrl.endsWith("/") ? apiUrl : apiUrl + "/";
    }

    public static SlackSettings from(Configuration c) {
        return new SlackSettings(c.get("SLACK_API_TOKEN"), c.get("SLACK_CHANNEL", DEFAULT_CHANNEL),
                c.get("SLACK_API_URL", DEFAULT_API_URL));
    }

    public boolean enabled() {
        return token.isPresent();
    }

    /** Without the token: for messages and logs. */
    @Override
    public String toString() {
        return "SlackSettings[token=" + (token.isPresent() ? "(set)" : "(none)") + ", channel=" + channel + ", apiUrl=" + apiUrl + "]";
    }
}
