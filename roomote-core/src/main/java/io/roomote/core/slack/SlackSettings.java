package io.roomote.core.slack;

import io.roomote.spi.Configuration;

import java.util.Optional;

/**
 * Slack, from {@code SLACK_API_TOKEN} (a bot token, {@code xoxb-…}, with {@code chat:write}), {@code SLACK_CHANNEL}
 * (default {@code #roomote-control}) and {@code SLACK_API_URL} (default {@code https://slack.com/api/}; tests
 * point it at a stand-in). No token: Slack is off.
 */
public record SlackSettings(Optional<String> token, String channel, String apiUrl) {

    public static SlackSettings from(Configuration c) {
        String api = c.get("SLACK_API_URL", "https://slack.com/api/");
        return new SlackSettings(c.get("SLACK_API_TOKEN"), c.get("SLACK_CHANNEL", "#roomote-control"),
                api.endsWith("/") ? api : api + "/");
    }

    public boolean enabled() {
        return token.isPresent();
    }
}
