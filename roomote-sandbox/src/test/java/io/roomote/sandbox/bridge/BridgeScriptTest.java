package io.roomote.sandbox.bridge;

import io.roomote.core.host.Executables;

import io.roomote.sandbox.Bridge;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Runs the script with the real /bin/sh and socat on the host (no sandbox): quoting, and the failures that
 * must stop the agent from starting. That the bridges carry traffic is shown inside bwrap by BwrapSandboxTest.
 */
class BridgeScriptTest {

    @TempDir
    Path dir;

    private static final String SOCAT = Executables.find("socat", System.getenv("PATH")).orElseThrow().toString();

    @Test
    void quotedWordsReachTheShellUnchanged() throws Exception {
        Path marker = dir.resolve("pwned");
        List<String> nasty = List.of("plain", "with space", "it's", "'", "''", "$(touch " + marker + ")", "`touch " + marker + "`",
                "a;touch " + marker, "back\\slash", "new\nline", "$HOME", "\"dq\"", "*", "-n", "");
        for (String word : nasty) {
            Result r = run(List.of("/bin/sh", "-c", "printf '%s' " + ShellQuote.quote(word)));
            assertThat(r.out).as("word %s", word).isEqualTo(word);
        }
        assertThat(marker).doesNotExist();
    }

    @Test
    void withoutBridgesTheScriptOnlyExecsTheCommand() throws Exception {
        Result r = run(BridgeScript.wrap(List.of(), dir, SOCAT, List.of("printf", "%s|", "a b", "$HOME", "it's")));
        assertThat(r.exit).isZero();
        assertThat(r.out).isEqualTo("a b|$HOME|it's|");
    }

    @Test
    void aMissingSocketStopsTheStartWithExitCode125() throws Exception {
        Result r = run(BridgeScript.wrap(List.of(new Bridge("gateway.sock", 1)), dir, SOCAT, List.of("echo", "agent ran")));
        assertThat(r.exit).isEqualTo(BridgeScript.EXIT_BRIDGE_FAILED);
        assertThat(r.out).doesNotContain("agent ran");
        assertThat(r.err.strip()).isEqualTo("roomote-sandbox: no socket gateway.sock in the bridge folder: nothing on the host serves port 1");
    }

    @Test
    void aPortThatCannotListenStopsTheStartWithExitCode125() throws Exception {
        // The port is taken on the host, so socat cannot listen there and exits.
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
             UnixSocketForwarder socket = UnixSocketForwarder.start(dir.resolve("gateway.sock"),
                     new java.net.InetSocketAddress("127.0.0.1", taken.getLocalPort()))) {
            Result r = run(BridgeScript.wrap(List.of(new Bridge("gateway.sock", taken.getLocalPort())), dir, SOCAT,
                    List.of("echo", "agent ran")));
            assertThat(r.exit).isEqualTo(BridgeScript.EXIT_BRIDGE_FAILED);
            assertThat(r.out).doesNotContain("agent ran");
            assertThat(r.err).contains("roomote-sandbox: socat for port " + taken.getLocalPort() + " exited before listening");
        }
    }

    @Test
    void socketNamesThatSocatWouldParseAreRefused() {
        assertThatThrownBy(() -> BridgeScript.script(List.of(new Bridge("a,fork", 80)), dir, SOCAT))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[A-Za-z0-9._-]+");
        assertThatThrownBy(() -> BridgeScript.wrap(List.of(), dir, SOCAT, List.of()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private record Result(int exit, String out, String err) {
    }

    private Result run(List<String> argv) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(argv)).directory(dir.toFile());
        pb.environment().clear();
        pb.environment().put("PATH", "/usr/bin:/bin");
        pb.environment().put("HOME", dir.toString());
        Process p = pb.start();
        p.getOutputStream().close();
        var out = java.util.concurrent.CompletableFuture.supplyAsync(() -> drain(p.getInputStream()));
        var err = java.util.concurrent.CompletableFuture.supplyAsync(() -> drain(p.getErrorStream()));
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new AssertionError("script did not finish: " + argv);
        }
        try {
            return new Result(p.exitValue(), out.get(), err.get());
        } catch (java.util.concurrent.ExecutionException e) {
            throw new AssertionError(e);
        }
    }

    private static String drain(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
