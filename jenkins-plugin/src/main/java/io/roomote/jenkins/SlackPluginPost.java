package io.roomote.jenkins;

import hudson.Util;
import hudson.model.Item;
import io.roomote.core.slack.SlackPost;
import io.roomote.jenkins.bridge.slack.SlackRoom;
import jenkins.model.Jenkins;
import jenkins.plugins.slack.SlackNotifier;
import jenkins.plugins.slack.SlackRequest;
import jenkins.plugins.slack.StandardSlackService;

import java.io.IOException;
import java.util.Optional;

/**
 * {@link SlackPost} through the Slack plugin's global configuration (Manage Jenkins » System » Slack): its
 * workspace, credentials and default channel. Replies in a thread need its bot-token mode ("Custom slack app
 * bot user"): only then does Slack answer with the message's {@code ts}. Loaded only when the Slack plugin is
 * installed (see {@link RoomoteSlack}).
 */
final class SlackPluginPost implements SlackPost {

    private final Item item;
    private final String channel;

    private SlackPluginPost(Item item, String channel) {
        this.item = item;
        this.channel = channel;
    }

    /**
     * Empty when the Slack plugin has no workspace or channel configured. A room list ({@code #a,#b}) is cut to its
     * first room: the Slack plugin's {@code StandardSlackService} splits the room id on {@code [,; ]+} and reads
     * {@code room:ts} per room, so a thread suffix on a list would thread only its last room (jenkins-bridge's
     * {@link SlackRoom}).
     */
    static Optional<SlackPost> create(Item item, String channelOverride) {
        SlackNotifier.DescriptorImpl d = Jenkins.get().getDescriptorByType(SlackNotifier.DescriptorImpl.class);
        if (d == null) {
            return Optional.empty();
        }
        String rooms = Util.fixEmptyAndTrim(channelOverride) != null ? channelOverride : d.getRoom();
        return SlackRoom.first(rooms).<SlackPost>map(room -> new SlackPluginPost(item, room));
    }

    @Override
    public Optional<String> post(String text, String threadTs) throws IOException {
        SlackNotifier.DescriptorImpl d = Jenkins.get().getDescriptorByType(SlackNotifier.DescriptorImpl.class);
        String token = RoomoteGlobalConfiguration.secretOf(d.getTokenCredentialId(), item).orElse(Util.fixEmpty(d.getToken()));
        if (token == null) {
            throw new IOException("the Slack plugin has no token (Manage Jenkins » System » Slack » Credential)");
        }
        StandardSlackService service = StandardSlackService.builder()
                .withBaseUrl(d.getBaseUrl())
                .withTeamDomain(d.getTeamDomain())
                .withBotUser(d.isBotUser())
                .withRoomId(threadTs == null ? channel : channel + ":" + threadTs)
                .withIconEmoji(d.getIconEmoji())
                .withUsername(d.getUsername())
                .withPopulatedToken(token)
                .build();
        if (!service.publish(SlackRequest.builder().withMessage(text).build())) {
            throw new IOException("the Slack plugin could not post to " + channel + " (see the Jenkins log)");
        }
        String response = service.getResponseString();
        if (!d.isBotUser() || response == null || response.isBlank()) {
            return Optional.empty();
        }
        org.json.JSONObject json = new org.json.JSONObject(response);
        return json.has("ts") ? Optional.of(json.getString("ts")) : Optional.empty();
    }
}
