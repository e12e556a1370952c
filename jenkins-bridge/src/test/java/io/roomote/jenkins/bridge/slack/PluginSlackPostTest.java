package io.roomote.jenkins.bridge.slack;

import io.roomote.core.slack.SlackSender;
import io.roomote.core.testing.SlackStandIn;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The plugin's Slack post without the Slack plugin — core's SlackSender as StepSlack.sender builds it (real, java.net.http,
 * with the HttpClient Jenkins' ProxyConfiguration builds) — against the Slack STAND-IN (SlackStandIn, the documented
 * chat.postMessage shape — not Slack), directly and through a proxy (the stand-in acting as one).
 */
class PluginSlackPostTest {

    private final SlackStandIn standIn;

    PluginSlackPostTest() throws Exception {
        standIn = new SlackStandIn();
    }

    @AfterEach
    void tearDown() {
        standIn.close();
    }

    @Test
    void postsAndThreadsLikeSlacksClient() throws Exception {
        SlackSender post = StepSlack.sender(HttpClient.newHttpClient(), "xoxb-http-token-0123456789", "#fixes", standIn.apiUrl());
        StepSlack slack = new StepSlack(post, "https://github.com", w -> {
            throw new AssertionError(w);
        });
        Optional<String> thread = slack.started(12, "acme/app", 7, "opencode");
        post.post("reply with & and = and ünicode", thread.orElseThrow());

        List<SlackStandIn.Message> m = standIn.messages();
        assertThat(m).hasSize(2);
        assertThat(m.get(0).channel()).isEqualTo("#fixes");
        assertThat(m.get(0).authorization()).isEqualTo("Bearer xoxb-http-token-0123456789");
        assertThat(m.get(1).text()).isEqualTo("reply with & and = and ünicode");
        assertThat(m.get(1).threadTs()).isEqualTo(m.get(0).ts());
    }

    @Test
    void goesThroughTheProxyTheHttpClientIsGiven() throws Exception {
        URI standIn = URI.create(this.standIn.apiUrl());
        HttpClient proxied = HttpClient.newBuilder()
                .proxy(ProxySelector.of(new InetSocketAddress(standIn.getHost(), standIn.getPort()))).build();
        // slack.invalid does not resolve: only the proxy (the stand-in, acting as one) can answer.
        StepSlack.sender(proxied, "xoxb-http-token-0123456789", "#fixes", "http://slack.invalid/api/").post("via proxy", null);

        assertThat(this.standIn.messages()).extracting(SlackStandIn.Message::text).containsExactly("via proxy");
    }

    @Test
    void aRefusalSaysWhy() {
        standIn.failWith("channel_not_found");
        SlackSender post = StepSlack.sender(HttpClient.newHttpClient(), "xoxb-http-token-0123456789", "#nope", standIn.apiUrl());
        assertThatThrownBy(() -> post.post("x", null)).hasMessageContaining("channel_not_found");
    }
}
