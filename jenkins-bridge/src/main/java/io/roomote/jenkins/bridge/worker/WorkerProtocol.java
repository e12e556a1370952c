package io.roomote.jenkins.bridge.worker;

import io.roomote.jenkins.bridge.step.FixStepPlan;
import io.roomote.jenkins.bridge.step.FixStepResult;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How the Jenkins step talks to the Roomote worker process it starts on the build's node (through the
 * step's Launcher, so inside {@code docker.image().inside} or {@code agent { docker }} it runs in the
 * container). Everything goes through files in a control folder under the workspace's {@code @tmp} folder,
 * which the container sees at the same path:
 * <ul>
 *   <li>{@value #REQUEST}: the job (id, payload, non-secret settings, deadline, work root), written by the step;</li>
 *   <li>{@value #SECRETS}: the secret settings (GH_TOKEN, OPENROUTER_API_KEY), mode 0600, deleted by the worker as
 *       soon as it has read them — secrets never travel on a command line or in {@code docker exec --env};</li>
 *   <li>{@value #CANCEL}: created by the step on abort; the worker polls for it and stops the agent, keeping a WIP branch;</li>
 *   <li>{@value #STATE}: what the worker is doing (for a controller that restarted);</li>
 *   <li>{@value #RESULT}: the {@link FixStepResult}, written last, atomically.</li>
 * </ul>
 * The log streams on the worker's standard output, which the Launcher copies to the build console.
 */
public final class WorkerProtocol {

    public static final String REQUEST = "request.json";
    public static final String SECRETS = "secrets.json";
    public static final String CANCEL = "cancel";
    public static final String STATE = "state.json";
    public static final String RESULT = "result.json";
    /** Set in the worker's environment to a unique id, so the step can find and kill it as a last resort. */
    public static final String RUN_MARKER = "ROOMOTE_STEP_RUN";
    public static final String MAIN_CLASS = "io.roomote.jenkins.bridge.worker.FixStepMain";
    /**
     * The largest {@value #RESULT} the step reads. The control folder is writable by the agent, so the file is
     * untrusted input: a real result is a few hundred bytes.
     */
    public static final long MAX_RESULT_BYTES = 64 * 1024;

    /**
     * One class from each jar the worker process needs; the plugin copies the jars that hold them to the node.
     * Kept complete by a test that starts the worker with exactly this class path.
     */
    public static final List<String> CLASSPATH_ANCHORS = List.of(
            "io.roomote.spi.JobType",
            "io.roomote.core.execution.JobRunner",
            "io.roomote.sandbox.JobSandbox",
            "io.roomote.agents.AgentDriver",
            "io.roomote.jobs.github.GitHubIssueFixJobType",
            MAIN_CLASS,
            "com.fasterxml.jackson.databind.ObjectMapper",
            "com.fasterxml.jackson.core.JsonFactory",
            "com.fasterxml.jackson.annotation.JsonInclude",
            "org.kohsuke.github.GitHub",
            // github-api signs a GitHub App's JWTs with jjwt: API, implementation and its Jackson binding.
            "io.jsonwebtoken.Jwts",
            "io.jsonwebtoken.impl.DefaultJwtBuilder",
            "io.jsonwebtoken.jackson.io.JacksonSerializer",
            "org.apache.commons.lang3.StringUtils",
            "org.apache.commons.io.IOUtils",
            "org.slf4j.LoggerFactory");

    private WorkerProtocol() {
    }

    /**
     * The request file's content.
     *
     * @param cancelGraceSeconds how long the job may take to stop (and save its work) once cancelled
     */
    public record Request(long jobId, String repo, int issue, JsonNode payload, Map<String, String> settings,
                          long timeoutSeconds, long cancelGraceSeconds, String workRoot) {

        public String toJson(ObjectMapper mapper) throws IOException {
            return mapper.writerWithDefaultPrettyPrinter().writeValueAsString(this);
        }

        public static Request fromJson(ObjectMapper mapper, String json) throws IOException {
            return mapper.readValue(json, Request.class);
        }
    }

    /** The request for {@code plan}, refusing to put a secret into it. */
    public static Request request(long jobId, FixStepPlan plan, ObjectMapper mapper, long cancelGraceSeconds, String workRoot) {
        ObjectNode payload = mapper.valueToTree(plan.payload());
        return new Request(jobId, plan.repo(), plan.issue(), payload, plan.publicSettings(), plan.timeout().toSeconds(),
                cancelGraceSeconds, workRoot);
    }

    /** {@code java -cp <classpath> <main> <controlDir>}. */
    public static List<String> command(String java, List<String> classpath, String pathSeparator, String controlDir) {
        List<String> cmd = new ArrayList<>();
        cmd.add(java == null || java.isBlank() ? "java" : java);
        cmd.add("-Xmx512m");
        cmd.add("-Djava.awt.headless=true");
        // No SLF4J provider on the worker's class path (its log is the job log): keep SLF4J's notice out of the console.
        cmd.add("-Dslf4j.internal.verbosity=ERROR");
        cmd.add("-cp");
        cmd.add(String.join(pathSeparator, classpath));
        cmd.add(MAIN_CLASS);
        cmd.add(controlDir);
        return cmd;
    }

    /**
     * The result read from {@value #RESULT} of {@code size} bytes, with its pull request URL accepted only under
     * {@code githubServerUrl} ({@link FixStepResult#acceptPrUrl}); a file over {@link #MAX_RESULT_BYTES} or not
     * a result gives a failed result saying so. {@code content} is only read when the size is acceptable.
     */
    public static FixStepResult readResult(ObjectMapper mapper, long size, ContentReader content, long jobId, String repo,
                                           int issue, String githubServerUrl) throws IOException, InterruptedException {
        if (size > MAX_RESULT_BYTES) {
            return FixStepResult.failedWithoutResult(jobId, repo, issue, "the worker's " + RESULT + " is " + size
                    + " bytes, more than the " + MAX_RESULT_BYTES + " a result may have; it was not read");
        }
        FixStepResult r;
        try {
            r = mapper.readValue(content.read(), FixStepResult.class);
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            return FixStepResult.failedWithoutResult(jobId, repo, issue, "the worker's " + RESULT + " is not a result: "
                    + e.getOriginalMessage());
        }
        return r.acceptPrUrl(githubServerUrl);
    }

    /** Reads a file's text (on the node, for the plugin). */
    @FunctionalInterface
    public interface ContentReader {
        String read() throws IOException, InterruptedException;
    }

    /** A short text for an exit code of the worker that left no result. */
    public static String explainExit(int exitCode, String java) {
        String base = "the Roomote worker process exited with code " + exitCode + " without a result";
        if (exitCode == 127) {
            return base + ": \"" + java + "\" was not found on the node (or in its container); the worker needs Java 17"
                    + " or newer on the PATH (see the worker image) or the Java command of the Roomote configuration";
        }
        if (exitCode == 1) {
            return base + "; if the log above shows UnsupportedClassVersionError, the node's Java is older than 17";
        }
        if (exitCode == 137 || exitCode == 143) {
            return base + ": it was killed (signal " + (exitCode - 128) + ")";
        }
        return base + "; see the log above";
    }
}
