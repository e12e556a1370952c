package io.roomote.jenkins.bridge.slack;

import java.util.Arrays;
import java.util.Optional;

/**
 * The Slack room Roomote's messages go to. The Slack plugin's room setting may list several rooms
 * ({@code #a,#b}); its {@code StandardSlackService} splits the room id on commas, semicolons and spaces and treats a
 * {@code room:ts} suffix as a thread — so appending {@code :ts} to a list threads only in the last room, while a
 * {@code ts} belongs to one channel anyway. A Roomote thread therefore lives in one room: the first one listed.
 */
public final class SlackRoom {

    private SlackRoom() {
    }

    /** The first room of a comma-, semicolon- or space-separated list, or empty. */
    public static Optional<String> first(String rooms) {
        if (rooms == null) {
            return Optional.empty();
        }
        return Arrays.stream(rooms.split("[,;\\s]+")).map(String::trim).filter(r -> !r.isEmpty()).findFirst();
    }
}
