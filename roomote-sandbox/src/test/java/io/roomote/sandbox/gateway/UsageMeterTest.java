package io.roomote.sandbox.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Reading usage from answers fed in pieces, as the gateway's tee does. The answers are written after the
 * providers' documented shapes (no network here).
 */
class UsageMeterTest {

    private static UsageMeter.Reading read(String contentType, String answer, int piece) {
        UsageMeter meter = new UsageMeter(new ObjectMapper(), contentType);
        byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i += piece) {
            meter.accept(bytes, i, Math.min(piece, bytes.length - i));
        }
        return meter.finish();
    }

    @Test
    void anthropicMessageDeltaWithCumulativeInputReplacesTheStartsCounts() {
        String stream = """
                event: message_start
                data: {"type":"message_start","message":{"model":"claude-opus-4-1","usage":{"input_tokens":5,"output_tokens":1}}}

                event: message_delta
                data: {"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"input_tokens":5,"cache_read_input_tokens":2000,"output_tokens":77}}

                """;

        assertThat(read("text/event-stream", stream, 3))
                .isEqualTo(new UsageMeter.Reading("claude-opus-4-1", 2005L, 77L, null, null));
    }

    @Test
    void anErrorEventInAStreamIsReadAsTheCallsError() {
        String stream = """
                event: message_start
                data: {"type":"message_start","message":{"model":"claude-opus-4-1","usage":{"input_tokens":5,"output_tokens":1}}}

                event: error
                data: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}

                """;

        assertThat(read("text/event-stream", stream, 1000).error()).isEqualTo("Overloaded");
    }

    @Test
    void aStreamWithoutUsageHasNoCountsAndALastLineWithoutNewlineIsStillRead() {
        String stream = "data: {\"model\":\"gpt-4o\",\"choices\":[{\"delta\":{\"content\":\"x\"}}]}\n\n"
                + "data: {\"model\":\"gpt-4o\",\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":4,\"cost\":0}}";

        assertThat(read("text/event-stream", stream, 5)).isEqualTo(new UsageMeter.Reading("gpt-4o", 3L, 4L, 0.0, null));
        assertThat(read("text/event-stream", "data: {\"model\":\"gpt-4o\",\"choices\":[]}\n\ndata: [DONE]\n\n", 5))
                .isEqualTo(new UsageMeter.Reading("gpt-4o", null, null, null, null));
    }

    @Test
    void notJsonAndNotEventsIsNotRead() {
        assertThat(read("text/html", "<html>\"usage\":{\"prompt_tokens\":3}</html>", 4))
                .isEqualTo(new UsageMeter.Reading(null, null, null, null, null));
        assertThat(read("application/json", "{\"truncated\":", 4))
                .isEqualTo(new UsageMeter.Reading(null, null, null, null, null));
    }
}
