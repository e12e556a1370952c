package io.roomote.jobs.github;

import io.roomote.core.config.ConfigurationException;
import io.roomote.core.config.Settings;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code ROOMOTE_AGENT_BUNDLE_MAX}: the largest bundle of agent work Roomote takes. */
class AgentBundleMaxTest {

    private static long max(String value) {
        return AgentExport.bundleMax(Settings.of(value == null ? Map.of() : Map.of(AgentExport.BUNDLE_MAX_SETTING, value)));
    }

    @Test
    void defaultsTo512MiB() {
        assertThat(max(null)).isEqualTo(512L * 1024 * 1024);
        assertThat(max(" ")).isEqualTo(512L * 1024 * 1024);
    }

    @Test
    void takesBytesOrBinaryUnits() {
        assertThat(max("1048576")).isEqualTo(1048576L);
        assertThat(max("64K")).isEqualTo(64L * 1024);
        assertThat(max("256m")).isEqualTo(256L * 1024 * 1024);
        assertThat(max("2G")).isEqualTo(2L * 1024 * 1024 * 1024);
        assertThat(max("1GiB")).isEqualTo(1024L * 1024 * 1024);
    }

    @Test
    void refusesWhatIsNoPositiveSizeWithOneLine() {
        assertThatThrownBy(() -> max("0")).isInstanceOf(ConfigurationException.class)
                .hasMessage("ROOMOTE_AGENT_BUNDLE_MAX must be a positive size such as 512M, 2G or 1048576 (bytes), got '0'");
        assertThatThrownBy(() -> max("lots")).isInstanceOf(ConfigurationException.class);
        assertThatThrownBy(() -> max("-5M")).isInstanceOf(ConfigurationException.class);
    }
}
