package io.roomote.core.slack;

import java.util.Optional;

/** Posts one Slack message; the plugin implements it with the Slack plugin, {@link SlackSender} without it. */
@FunctionalInterface
public interface SlackPost {

    /**
     * Posts {@code text}, as a reply in {@code threadTs} when it is not null.
     *
     * @return the message's {@code ts} (to reply in its thread), empty when unknown (e.g. not in bot-token mode)
     * @throws Exception when Slack could not be reached or refused the message
     */
    Optional<String> post(String text, String threadTs) throws Exception;
}
