package io.roomote.sandbox.bwrap;

import io.roomote.core.host.Executables;

import io.roomote.sandbox.Bridge;
import io.roomote.sandbox.SandboxSpec;
import io.roomote.sandbox.bridge.BridgeScript;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The command line BwrapSandbox builds, with the real bwrap and socat found on PATH (it runs nothing). */
class BwrapSandboxArgumentsTest {

    @TempDir
    Path dir;

    @Test
    void theArgumentsComeInTheDocumentedOrder() throws Exception {
        Path hiddenDir = Files.createDirectories(dir.resolve("roomote-home"));
        Path nested = Files.createDirectories(hiddenDir.resolve("nested"));       // inside a hidden folder: dropped
        Path hiddenFile = Files.writeString(dir.resolve("runner.env"), "K=V");   // a file: covered by /dev/null
        Path missing = dir.resolve("missing");                                     // absent: skipped
        Path tool = Files.createDirectories(hiddenDir.resolve("tools"));
        Path ws = Files.createDirectories(hiddenDir.resolve("ws"));
        Path home = Files.createDirectories(hiddenDir.resolve("home"));
        Path bridge = Files.createDirectories(dir.resolve("bridge"));
        BwrapSandbox sandbox = new BwrapSandbox("bwrap", System.getenv("PATH"), List.of(hiddenDir, missing), List.of(missing));
        SandboxSpec spec = new SandboxSpec(3, ws, home, bridge, List.of(new Bridge("gateway.sock", 8077)),
                List.of(tool), List.of(nested, hiddenFile, hiddenDir));

        List<String> c = sandbox.command(spec, List.of("agent", "--flag"), Set.of("HOME"));

        String bwrap = c.get(0);
        assertThat(Path.of(bwrap)).isAbsolute().endsWith(Path.of("bwrap"));
        List<String> expected = new ArrayList<>(List.of(bwrap, "--unshare-all", "--die-with-parent", "--new-session",
                "--hostname", "roomote-sandbox", "--cap-drop", "ALL", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
                "--tmpfs", hiddenDir.toString(),
                "--ro-bind", "/dev/null", hiddenFile.toString(),
                "--ro-bind", tool.toString(), tool.toString(),
                "--bind", ws.toString(), ws.toString(),
                "--bind", home.toString(), home.toString(),
                "--ro-bind", bridge.toString(), bridge.toString(),
                "--chdir", ws.toString(), "--", "/bin/sh", "-c"));
        assertThat(c.subList(0, expected.size())).isEqualTo(expected);
        String script = c.get(expected.size());
        assertThat(script).contains("TCP-LISTEN:8077,bind=127.0.0.1,fork,reuseaddr UNIX-CONNECT:gateway.sock")
                .endsWith("exec \"$@\"\n");
        assertThat(c.subList(expected.size() + 1, c.size())).containsExactly(BridgeScript.ARGV0, "agent", "--flag");
    }

    @Test
    void withoutBubblewrapItSaysWhatToInstall() {
        BwrapSandbox sandbox = new BwrapSandbox("bwrap", dir.toString(), List.of(), List.of());
        assertThat(sandbox.unavailable()).hasValueSatisfying(m -> assertThat(m)
                .contains("apt-get install bubblewrap").contains("ROOMOTE_BWRAP_PATH").doesNotContain("\n"));
        SandboxSpec spec = new SandboxSpec(1, dir, dir, dir, List.of(), List.of(), List.of());
        assertThatThrownBy(() -> sandbox.command(spec, List.of("agent"), Set.of()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("bubblewrap");
    }

    @Test
    void withoutSocatItSaysWhatToInstall() throws Exception {
        // A PATH holding bwrap but no socat.
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Files.createSymbolicLink(bin.resolve("bwrap"), Path.of(realBwrap()));
        BwrapSandbox sandbox = new BwrapSandbox("bwrap", bin.toString(), List.of(), List.of());
        assertThat(sandbox.unavailable()).hasValueSatisfying(m -> assertThat(m).contains("apt-get install socat"));
    }

    @Test
    void aBubblewrapThatCannotCreateNamespacesIsReportedWithItsOwnWords() throws Exception {
        // A stand-in bwrap that fails the way bwrap does where user namespaces are forbidden.
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path fake = Files.writeString(bin.resolve("bwrap"),
                "#!/bin/sh\necho 'bwrap: No permissions to creating new namespace, likely because the kernel does not allow non-privileged user namespaces.' >&2\nexit 1\n");
        fake.toFile().setExecutable(true);
        BwrapSandbox sandbox = new BwrapSandbox(fake.toString(), System.getenv("PATH"), List.of(), List.of());
        assertThat(sandbox.unavailable()).hasValueSatisfying(m -> assertThat(m)
                .startsWith("bubblewrap (" + fake + ") cannot create a sandbox here: bwrap: No permissions to creating new namespace")
                .contains("kernel.unprivileged_userns_clone=1").doesNotContain("\n"));
    }

    @Test
    void theRealBubblewrapIsAvailableHere() {
        assertThat(new BwrapSandbox("bwrap", System.getenv("PATH"), List.of(), List.of()).unavailable()).isEmpty();
    }

    private static String realBwrap() {
        return io.roomote.core.host.Executables.find("bwrap", System.getenv("PATH")).orElseThrow().toString();
    }
}
