package io.roomote.core.step;

import com.slack.api.Slack;
import com.slack.api.SlackConfig;
import com.slack.api.methods.MethodsClient;
import com.slack.api.methods.response.chat.ChatPostMessageResponse;

import java.io.IOException;
import java.util.Optional;

/**
 * {@link SlackPost} with Slack's official client and a bot token ({@code xoxb-…}, scope {@code chat:write}):
 * what the plugin uses when the Slack plugin is not installed.
 */
public final class SlackApiPost implements SlackPost, AutoCloseable {

    private final Slack slack;
    private final MethodsClient methods;
    private final String channel;

    /** @param apiUrl Slack's Web API, {@code https://slack.com/api/} (tests point it at a stand-in) */
    public SlackApiPost(String token, String channel, String apiUrl) {
        if (token == null || token.isBlank()) {
            throw new IllegalArgumentException("no Slack token");
        }
        SlackConfig config = new SlackConfig();
        config.setMethodsEndpointUrlPrefix(apiUrl == null || apiUrl.isBlank() ? "https://slack.com/api/"
                : apiUrl.endsWith("/") ? apiUrl : apiUrl + "/");
        config.setPrettyResponseLoggingEnabled(false);
        this.slack = Slack.getInstance(config);
        this.methods = slack.methods(token);
        this.channel = channel == null || channel.isBlank() ? "#roomote-control" : channel;
    }

    @Override
    public Optional<String> post(String text, String threadTs) throws Exception {
        ChatPostMessageResponse r = methods.chatPostMessage(req -> {
            req.channel(channel).text(text).unfurlLinks(false);
            if (threadTs != null) {
                req.threadTs(threadTs);
            }
            return req;
        });
        if (!r.isOk()) {
            throw new IOException("Slack refused the message: " + r.getError());
        }
        return Optional.ofNullable(r.getTs());
    }

    @Override
    public void close() {
        try {
            slack.close();
        } catch (Exception ignored) {
            // best effort
        }
    }
}
