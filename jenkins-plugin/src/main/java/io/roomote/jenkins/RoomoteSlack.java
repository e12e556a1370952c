package io.roomote.jenkins;

import hudson.ProxyConfiguration;
import hudson.Util;
import hudson.model.Item;
import io.roomote.core.slack.SlackSender;
import io.roomote.core.slack.SlackPost;
import io.roomote.jenkins.bridge.slack.StepSlack;
import jenkins.model.Jenkins;

import java.util.Optional;
import java.util.function.Consumer;

/**
 * Chooses how the step's Slack messages go out: through the Slack plugin when it is installed and chosen in
 * the Roomote configuration, else with the bot token of the Roomote configuration's Slack credentials through
 * Roomote's one sender, roomote-core's {@link SlackSender} (retries and Retry-After included; built by
 * {@link StepSlack#sender}), over the {@code java.net.http} client that core's {@code ProxyConfiguration.newHttpClient()}
 * builds — Jenkins' proxy applies, and no OkHttp of another plugin is involved. No Slack when neither is
 * configured. The texts are the standalone runner's ({@code SlackMessages}).
 */
final class RoomoteSlack {

    private RoomoteSlack() {
    }

    static Optional<StepSlack> forItem(RoomoteGlobalConfiguration cfg, Item item, Consumer<String> warn) {
        Optional<SlackPost> post = Optional.empty();
        if (cfg.isUseSlackPlugin() && Jenkins.get().getPlugin("slack") != null) {
            post = SlackPluginPost.create(item, cfg.getSlackChannel());
        }
        if (post.isEmpty() && Util.fixEmptyAndTrim(cfg.getSlackCredentialsId()) != null) {
            Optional<String> token = RoomoteGlobalConfiguration.secretOf(cfg.getSlackCredentialsId(), item);
            if (token.isEmpty()) {
                warn.accept("Slack: credentials " + cfg.getSlackCredentialsId() + " not found (a Secret text with a bot token)");
            } else {
                post = Optional.of(StepSlack.sender(ProxyConfiguration.newHttpClient(), token.get(), cfg.getSlackChannel(),
                        "https://slack.com/api/"));
            }
        }
        String server = cfg.getGithubServerUrl() == null ? "https://github.com" : cfg.getGithubServerUrl();
        return post.map(p -> new StepSlack(p, server, warn));
    }
}
