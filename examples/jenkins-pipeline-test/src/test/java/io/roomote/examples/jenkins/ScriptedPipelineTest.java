package io.roomote.examples.jenkins;

import com.lesfurets.jenkins.unit.BasePipelineTest;
import com.lesfurets.jenkins.unit.MethodCall;
import groovy.lang.Closure;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * examples/jenkins/Jenkinsfile.scripted under JenkinsPipelineUnit: the Pipeline runs for real (Groovy), the
 * Jenkins steps are stand-ins that record how they were called — roomoteFix answers as the plugin's step does.
 */
class ScriptedPipelineTest extends BasePipelineTest {

    static final String PR = "https://github.com/acme/app/pull/101";

    private final List<Map<?, ?>> roomoteFixCalls = new ArrayList<>();
    private final List<String> dockerImages = new ArrayList<>();
    private Map<String, Object> roomoteResult;

    /** {@code docker.image(name).inside { … }} of docker-workflow: records the image, runs the body. */
    public final class Docker {
        public Image image(String name) {
            dockerImages.add(name);
            return new Image();
        }
    }

    public static final class Image {
        public Object inside(Closure<?> body) {
            return body.call();
        }
    }

    @BeforeEach
    void setUpPipeline() throws Exception {
        setScriptRoots(new String[] {"../jenkins"});
        setScriptExtension("");
        super.setUp();
        getBinding().setVariable("docker", new Docker());
        getHelper().registerAllowedMethod("properties", List.of(List.class), null);
        getHelper().registerAllowedMethod("parameters", List.of(List.class), null);
        getHelper().registerAllowedMethod("string", List.of(Map.class), null);
        getHelper().registerAllowedMethod("node", List.of(String.class, Closure.class), new Closure<Object>(this) {
            public Object doCall(String label, Closure<?> body) {
                return body.call();
            }
        });
        getHelper().registerAllowedMethod("roomoteFix", List.of(Map.class), new Closure<Object>(this) {
            public Object doCall(Map<?, ?> args) {
                roomoteFixCalls.add(new LinkedHashMap<>(args));
                return roomoteResult;
            }
        });
        getHelper().registerAllowedMethod("error", List.of(String.class), new Closure<Object>(this) {
            public Object doCall(String message) {
                updateBuildStatus("FAILURE");
                throw new IllegalStateException(message);
            }
        });
    }

    private void params(String issue, String repo) {
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("ISSUE", issue);
        params.put("REPO", repo);
        getBinding().setVariable("params", params);
    }

    private List<String> calls(String method) {
        List<String> out = new ArrayList<>();
        for (MethodCall c : getHelper().getCallStack()) {
            if (c.getMethodName().equals(method)) {
                out.add(c.argsToString());
            }
        }
        return out;
    }

    @Test
    void aPullRequestIsReported() {
        params("123", "");
        roomoteResult = Map.of("success", true, "prUrl", PR, "prNumber", 101, "outcome", "pr_opened");

        runScript("Jenkinsfile.scripted");

        assertThat(roomoteFixCalls).containsExactly(Map.of("issue", 123, "failOnNoPr", false));
        assertThat(roomoteFixCalls.get(0).get("issue")).isInstanceOf(Integer.class);
        assertThat(calls("echo")).containsExactly("Pull request: " + PR);
        assertThat(calls("node")).singleElement().asString().startsWith("roomote");
        assertThat(dockerImages).containsExactly("roomote/worker:0.1.0");
        assertThat(calls("error")).isEmpty();
        assertJobStatusSuccess();
    }

    @Test
    void theRepoParameterIsPassedWhenGiven() {
        params("7", " acme/app ");
        roomoteResult = Map.of("success", true, "prUrl", PR);

        runScript("Jenkinsfile.scripted");

        assertThat(roomoteFixCalls).containsExactly(Map.of("issue", 7, "failOnNoPr", false, "repo", "acme/app"));
    }

    @Test
    void noPullRequestFailsTheBuildWithTheReason() {
        params("8", "");
        roomoteResult = Map.of("success", false, "outcome", "agent_failed",
                "error", "agent exited with code 3", "wipBranch", "roomote/wip/8-12");

        Throwable thrown = catchThrowable(() -> runScript("Jenkinsfile.scripted"));

        assertThat(thrown).hasMessageContaining("Roomote opened no pull request for issue #8 (agent_failed): "
                + "agent exited with code 3; unfinished work is on branch roomote/wip/8-12");
        assertThat(calls("error")).singleElement().asString().contains("agent_failed");
        assertThat(calls("echo")).isEmpty();
        assertJobStatusFailure();
    }
}
