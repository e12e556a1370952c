package io.roomote.agents.roocode;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** node-ipc's 0x0C framing, byte by byte. */
class RooCodeIpcFramingTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aFrameSplitAcrossReadsIsReturnedOnceWhole() {
        IpcFraming framing = new IpcFraming();
        byte[] frame = bytes("{\"type\":\"message\",\"data\":{\"type\":\"Ack\"}}\f");

        assertThat(framing.feed(frame, 0, 10)).isEmpty();
        assertThat(framing.pendingBytes()).isEqualTo(10);
        assertThat(framing.feed(frame, 10, frame.length - 11)).isEmpty();
        assertThat(framing.feed(frame, frame.length - 1, 1)).containsExactly("{\"type\":\"message\",\"data\":{\"type\":\"Ack\"}}");
        assertThat(framing.pendingBytes()).isZero();
    }

    @Test
    void aMultiByteCharacterCutBetweenReadsIsDecodedIntact() {
        IpcFraming framing = new IpcFraming();
        byte[] frame = bytes("\"naïve → ✓\"\f");
        int cut = indexOf(frame, bytes("→")) + 1; // inside the 3-byte arrow

        List<String> frames = new ArrayList<>(framing.feed(frame, 0, cut));
        frames.addAll(framing.feed(frame, cut, frame.length - cut));

        assertThat(frames).containsExactly("\"naïve → ✓\"");
    }

    @Test
    void severalFramesInOneReadAreReturnedInOrder() {
        IpcFraming framing = new IpcFraming();
        byte[] read = bytes("{\"a\":1}\f{\"b\":2}\f{\"c\":");

        assertThat(framing.feed(read, 0, read.length)).containsExactly("{\"a\":1}", "{\"b\":2}");
        byte[] rest = bytes("3}\f");
        assertThat(framing.feed(rest, 0, rest.length)).containsExactly("{\"c\":3}");
    }

    @Test
    void garbageAndForeignFramesAreIgnoredAndTheNextFrameStillDecodes() {
        IpcFraming framing = new IpcFraming();
        byte[] read = bytes("this is not json\f{\"type\":\"ping\",\"data\":{}}\f[1,2]\f{\"type\":\"message\",\"data\":\"text\"}\f"
                + "{\"type\":\"message\",\"data\":{\"type\":\"TaskEvent\",\"origin\":\"server\"}}\f");

        List<JsonNode> messages = framing.feed(read, 0, read.length).stream()
                .flatMap(f -> IpcFraming.decode(MAPPER, f).stream()).toList();

        assertThat(messages).singleElement().satisfies(m -> assertThat(m.path("type").asText()).isEqualTo("TaskEvent"));
    }

    @Test
    void anOversizedFrameIsDroppedUpToItsEnd() {
        IpcFraming framing = new IpcFraming(16);
        byte[] big = bytes("{\"x\":\"" + "a".repeat(40));
        byte[] rest = bytes("\"}\f{\"ok\":true}\f");

        assertThat(framing.feed(big, 0, big.length)).isEmpty();
        assertThat(framing.pendingBytes()).isZero();
        assertThat(framing.feed(rest, 0, rest.length)).containsExactly("{\"ok\":true}");
        assertThat(framing.droppedFrames()).isEqualTo(1);
    }

    @Test
    void encodeWrapsTheMessageAndEscapesControlCharacters() throws Exception {
        JsonNode message = MAPPER.readTree("{\"type\":\"TaskCommand\",\"data\":\"form\\ffeed and ✓\"}");

        byte[] frame = IpcFraming.encode(MAPPER, message);

        assertThat(frame[frame.length - 1]).isEqualTo(IpcFraming.DELIMITER);
        byte[] body = Arrays.copyOf(frame, frame.length - 1);
        assertThat(body).doesNotContain(IpcFraming.DELIMITER);
        JsonNode envelope = MAPPER.readTree(body);
        assertThat(envelope.path("type").asText()).isEqualTo("message");
        assertThat(envelope.get("data")).isEqualTo(message);
        // What we encode, we decode.
        assertThat(new IpcFraming().feed(frame, 0, frame.length)).singleElement()
                .satisfies(f -> assertThat(IpcFraming.decode(MAPPER, f)).contains(message));
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
