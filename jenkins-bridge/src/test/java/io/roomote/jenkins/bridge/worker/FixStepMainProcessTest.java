package io.roomote.jenkins.bridge.worker;

import io.roomote.jenkins.bridge.step.FixStepPlan;
import io.roomote.jenkins.bridge.step.FixStepResult;
import io.roomote.jenkins.bridge.worker.FixStepMain;
import io.roomote.jenkins.bridge.worker.WorkerProtocol;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.roomote.jobs.github.testing.GitHubStandIn;
import io.roomote.jobs.github.testing.GitRemotes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The worker process exactly as the plugin starts it on a node: {@code java -cp <the jars of
 * WorkerProtocol.CLASSPATH_ANCHORS> FixStepMain <controlDir>}, driven only through the control files — which
 * proves the anchor list names every jar the worker needs, and that the cancel file reaches the agent.
 */
public class FixStepMainProcessTest {

    @TempDir
    Path temp;

    private final FixStepRunTest fixture = new FixStepRunTest();
    private final ObjectMapper mapper = new ObjectMapper();

    @BeforeEach
    void setUp() throws Exception {
        fixture.temp = temp;
        fixture.setUp();
    }

    @AfterEach
    void tearDown() {
        fixture.tearDown();
    }

    public static List<String> anchorClasspath() throws Exception {
        Set<String> cp = new LinkedHashSet<>();
        for (String anchor : WorkerProtocol.CLASSPATH_ANCHORS) {
            Class<?> c = Class.forName(anchor, false, FixStepMainProcessTest.class.getClassLoader());
            cp.add(Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
        }
        return new ArrayList<>(cp);
    }

    /** Writes the control folder as the plugin does: the request, then the secrets file with mode 0600. */
    Path control(FixStepPlan plan, long jobId) throws IOException {
        Path control = Files.createDirectories(temp.resolve("ws@tmp/roomote/run-" + jobId));
        WorkerProtocol.Request request = WorkerProtocol.request(jobId, plan, mapper, 20, temp.resolve("ws@tmp/roomote/work").toString());
        Files.writeString(control.resolve(WorkerProtocol.REQUEST), request.toJson(mapper));
        Path secrets = Files.createFile(control.resolve(WorkerProtocol.SECRETS),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(secrets, mapper.writeValueAsString(plan.secretSettings()));
        return control;
    }

    Process start(Path control) throws Exception {
        List<String> cmd = WorkerProtocol.command(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                anchorClasspath(), File.pathSeparator, control.toString());
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    public static CompletableFuture<String> output(Process p) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return e.toString();
            }
        });
    }

    @Test
    void theWorkerProcessRunsTheJobAndWritesTheResult() throws Exception {
        FixStepPlan plan = fixture.plan("fix-push-pr", null, null);
        Path control = control(plan, 21);

        Process p = start(control);
        CompletableFuture<String> out = output(p);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();

        String console = out.get();
        assertThat(p.exitValue()).as(console).isZero();
        assertThat(console).contains("scripted agent: mode=fix-push-pr").contains("Roomote acme/app#7: pull request ")
                .doesNotContain(FixStepRunTest.TOKEN).doesNotContain(FixStepRunTest.KEY).doesNotContain("SLF4J(W)");
        assertThat(control.resolve(WorkerProtocol.SECRETS)).doesNotExist();
        FixStepResult r = mapper.readValue(Files.readString(control.resolve(WorkerProtocol.RESULT)), FixStepResult.class);
        assertThat(r.outcome()).isEqualTo("pr_opened");
        assertThat(r.jobId()).isEqualTo(21);
        assertThat(mapper.readTree(Files.readString(control.resolve(WorkerProtocol.STATE))).get("state").asText()).isEqualTo("finished");
        assertThat(Files.readString(control.resolve(WorkerProtocol.REQUEST))).doesNotContain(FixStepRunTest.TOKEN);
    }

    @Test
    void theCancelFileStopsTheAgentAndTheWorkIsKept() throws Exception {
        FixStepPlan plan = fixture.plan("hang-after-edit", null, null);
        Path control = control(plan, 22);

        Process p = start(control);
        StringBuffer console = new StringBuffer();
        Thread reader = new Thread(() -> {
            try (var in = p.getInputStream()) {
                byte[] buf = new byte[4096];
                int n;
                while ((n = in.read(buf)) > 0) {
                    console.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                }
            } catch (IOException ignored) {
                // process ended
            }
        });
        reader.start();
        await().atMost(Duration.ofSeconds(90)).until(() -> console.toString().contains("thinking forever"));

        Files.createFile(control.resolve(WorkerProtocol.CANCEL));
        assertThat(p.waitFor(90, TimeUnit.SECONDS)).isTrue();
        reader.join(5_000);

        assertThat(p.exitValue()).as(console.toString()).isZero();
        assertThat(console.toString()).contains("roomote: cancel requested by the build");
        FixStepResult r = mapper.readValue(Files.readString(control.resolve(WorkerProtocol.RESULT)), FixStepResult.class);
        assertThat(r.status()).isEqualTo("cancelled");
        assertThat(r.wipBranch()).isEqualTo("roomote/wip/7-22");
        assertThat(fixture.remotesForTest().inRemote("acme/app", "show", "roomote/wip/7-22:calc.py")).contains("return a + b");
    }
}
