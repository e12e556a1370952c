package io.roomote.jenkins.bridge.worker;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class SensitiveEnvironmentTest {

    @Test
    void sensitiveVariablesLeaveTheLaunchEnvironmentForTheSecretsFile() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", "/usr/bin");
        env.put("ANTHROPIC_API_KEY", "sk-ant-secret");
        env.put("BUILD_NUMBER", "12");

        SensitiveEnvironment s = SensitiveEnvironment.split(env, Set.of("ANTHROPIC_API_KEY", "NOT_SET"));

        assertThat(s.launch()).containsOnlyKeys("PATH", "BUILD_NUMBER").doesNotContainValue("sk-ant-secret");
        assertThat(s.secrets()).containsExactly(Map.entry("ANTHROPIC_API_KEY", "sk-ant-secret"));
    }
}
