package io.roomote.core.queue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.roomote.spi.ValidationProblem;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** What PostgreSQL cannot store (or would store as something else), found with its path. */
class StorableTextTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Test
    void nulAndLoneSurrogatesAreNamedPairsAreText() {
        assertThat(StorableText.problem("a\u0000b")).hasValueSatisfying(p -> assertThat(p).contains("NUL"));
        assertThat(StorableText.problem("\uD800")).hasValueSatisfying(p -> assertThat(p).contains("\\ud800"));
        assertThat(StorableText.problem("x\uDC00")).isPresent();
        assertThat(StorableText.problem("\uDBFF\uDBFF")).isPresent();
        assertThat(StorableText.problem("\uD83D\uDE00 ünïcödé")).isEmpty();
        assertThat(StorableText.replaceUnstorable("a\u0000\uD800\uD83D\uDE00")).isEqualTo("a\uFFFD\uFFFD\uD83D\uDE00");
    }

    @Test
    void everyProblemInATreeHasItsPath() throws Exception {
        JsonNode tree = MAPPER.readTree("{\"title\":\"a\\u0000\",\"labels\":[\"ok\",\"\\ud800\"],\"k\\u0000\":1,"
                + "\"deep\":{\"x\":[\"\\u0000\"]},\"big\":1e999,\"fine\":\"\\ud83d\\ude00\"}");

        assertThat(StorableText.problems(tree, "payload")).extracting(ValidationProblem::path)
                .containsExactly("payload.title", "payload.labels[1]", "payload", "payload.deep.x[0]", "payload.big");
    }

    @Test
    void nestingIsBounded() throws Exception {
        JsonNode ok = MAPPER.readTree("[".repeat(StorableText.MAX_DEPTH) + "]".repeat(StorableText.MAX_DEPTH));
        JsonNode deep = MAPPER.readTree("[".repeat(StorableText.MAX_DEPTH + 2) + "]".repeat(StorableText.MAX_DEPTH + 2));

        assertThat(StorableText.problems(ok, "p")).isEmpty();
        assertThat(StorableText.problems(deep, "p")).singleElement()
                .satisfies(p -> assertThat(p.message()).contains("nested deeper"));
    }
}
