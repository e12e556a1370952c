package io.roomote.agents.roocode;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The framing of node-ipc (the library behind Roo Code's IPC server): each frame is the UTF-8 JSON text
 * {@code {"type":"message","data":<IpcMessage>}} followed by one form feed (0x0C). JSON encoders escape
 * control characters, so a raw 0x0C only ever ends a frame and the byte stream can be cut on it before
 * decoding — a frame (or a multi-byte character) split across reads is simply kept until its end arrives.
 *
 * <p>A decoder instance is not thread-safe: one reader feeds it.
 */
final class IpcFraming {

    static final byte DELIMITER = 0x0C;
    /** node-ipc's event name for application messages; frames with another outer type are ignored. */
    static final String MESSAGE_TYPE = "message";
    /** A frame larger than this is dropped (up to its end) instead of growing the buffer without bound. */
    static final int DEFAULT_MAX_FRAME_BYTES = 64 * 1024 * 1024;

    private final int maxFrameBytes;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private boolean discarding;
    private long droppedFrames;

    IpcFraming() {
        this(DEFAULT_MAX_FRAME_BYTES);
    }

    IpcFraming(int maxFrameBytes) {
        this.maxFrameBytes = maxFrameBytes;
    }

    /** Adds bytes read from the socket; returns the frames they completed (without the delimiter), in order. */
    List<String> feed(byte[] bytes, int offset, int length) {
        List<String> frames = new ArrayList<>();
        int start = offset;
        int end = offset + length;
        for (int i = offset; i < end; i++) {
            if (bytes[i] != DELIMITER) {
                continue;
            }
            if (discarding) {
                discarding = false;
            } else {
                pending.write(bytes, start, i - start);
                frames.add(pending.toString(StandardCharsets.UTF_8));
            }
            pending.reset();
            start = i + 1;
        }
        if (!discarding && start < end) {
            pending.write(bytes, start, end - start);
            if (pending.size() > maxFrameBytes) {
                pending.reset();
                discarding = true;
                droppedFrames++;
            }
        }
        return frames;
    }

    /** Bytes of an unfinished frame waiting for their delimiter. */
    int pendingBytes() {
        return pending.size();
    }

    /** How many frames were dropped for being larger than the limit. */
    long droppedFrames() {
        return droppedFrames;
    }

    /** One whole frame for {@code message}: the envelope, the JSON text, the delimiter. */
    static byte[] encode(ObjectMapper mapper, JsonNode message) {
        ObjectNode envelope = mapper.createObjectNode();
        envelope.put("type", MESSAGE_TYPE);
        envelope.set("data", message);
        byte[] json;
        try {
            json = mapper.writeValueAsBytes(envelope);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot encode an IPC message", e);
        }
        for (byte b : json) {
            if (b == DELIMITER) {
                // Cannot happen with Jackson (control characters are escaped); a frame must never be cut in two.
                throw new IllegalStateException("encoded IPC message contains a raw form feed");
            }
        }
        byte[] frame = new byte[json.length + 1];
        System.arraycopy(json, 0, frame, 0, json.length);
        frame[json.length] = DELIMITER;
        return frame;
    }

    /**
     * The IpcMessage inside a frame, or empty for what both sides ignore: text that is not a JSON object,
     * an outer type other than {@code "message"}, or no object in {@code data}.
     */
    static Optional<JsonNode> decode(ObjectMapper mapper, String frame) {
        JsonNode envelope;
        try {
            envelope = mapper.readTree(frame);
        } catch (JsonProcessingException e) {
            return Optional.empty();
        }
        if (envelope == null || !envelope.isObject() || !MESSAGE_TYPE.equals(envelope.path("type").asText(null))) {
            return Optional.empty();
        }
        JsonNode data = envelope.get("data");
        return data != null && data.isObject() ? Optional.of(data) : Optional.empty();
    }
}
