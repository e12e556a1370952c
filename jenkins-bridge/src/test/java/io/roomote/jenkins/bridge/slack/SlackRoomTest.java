package io.roomote.jenkins.bridge.slack;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SlackRoomTest {

    @Test
    void aThreadLivesInTheFirstRoomOfAList() {
        assertThat(SlackRoom.first("#fixes, #general")).contains("#fixes");
        assertThat(SlackRoom.first(" #fixes;#b")).contains("#fixes");
        assertThat(SlackRoom.first("#fixes")).contains("#fixes");
        assertThat(SlackRoom.first(" , ")).isEmpty();
        assertThat(SlackRoom.first(null)).isEmpty();
    }
}
