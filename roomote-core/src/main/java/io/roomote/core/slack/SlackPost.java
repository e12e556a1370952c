package io.roomote.core.slack;

import java.io.IOException;
import java.util.Optional;

/**
 * Posts one Slack message: the one interface every Roomote Slack text goes through (the runner's
 * {@link SlackNotifier}, the Jenkins step's {@code StepSlack}). {@link SlackSender} implements it over Slack's Web
 * API; the Jenkins plugin also implements it with the Slack plugin.
 */
@FunctionalInterface
public interface SlackPost {

    /**
     * Posts {@code text}, as a reply in {@code threadTs} when it is not null.
     *
     * @return the message's {@code ts} (to reply in its thread), empty when unknown (e.g. not in bot-token mode)
     * @throws IOException when Slack could not be reached or refused the message ({@link SlackException} says which)
     */
    Optional<String> post(String text, String threadTs) throws IOException;
}
