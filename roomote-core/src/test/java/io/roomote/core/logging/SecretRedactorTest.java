package io.roomote.core.logging;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SecretRedactorTest {

    @Test
    void masksConfiguredSecretsAndWellKnownTokenShapes() {
        SecretRedactor r = new SecretRedactor(List.of("hunter2-long", "hunter2"));

        assertThat(r.redact("pw hunter2-long and hunter2")).isEqualTo("pw **** and ****");
        assertThat(r.redact("token ghp_0123456789abcdefghijABCDEFGHIJ")).isEqualTo("token ****");
        assertThat(r.redact("slack xoxb-1234-5678-abcdefghij")).isEqualTo("slack ****");
        assertThat(r.redact("key sk-or-v1-0123456789abcdef0123456789")).isEqualTo("key ****");
        assertThat(r.redact("https://user:pa55word@github.com/a/b.git")).isEqualTo("https://user:****@github.com/a/b.git");
        assertThat(r.redact("Authorization: Bearer abc.def-ghi_jkl")).isEqualTo("Authorization: Bearer ****");
        assertThat(r.redact("nothing secret here")).isEqualTo("nothing secret here");
    }
}
