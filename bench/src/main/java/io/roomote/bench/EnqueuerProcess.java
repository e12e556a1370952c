package io.roomote.bench;

import io.roomote.core.Roomote;
import io.roomote.core.config.Settings;
import io.roomote.core.store.Database;
import io.roomote.core.store.DatabaseUrl;
import io.roomote.core.types.JobTypeRegistry;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The "API process" of the separate-JVM pickup variant: a Roomote without workers in its own JVM that enqueues
 * when the bench tells it to. Line protocol on stdin/stdout: {@code clock} → {@code nanoTime}; a sequence
 * number → {@code jobId calledAt returnedAt}. Both JVMs read CLOCK_MONOTONIC, so the times compare; the
 * parent checks that before using them.
 */
public final class EnqueuerProcess {

    private EnqueuerProcess() {
    }

    public static void main(String[] args) throws Exception {
        Path home = Files.createTempDirectory("roomote-bench-api-");
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        try (Database database = new Database(DatabaseUrl.parse(args[0]), 4);
             Roomote api = Roomote.start(Settings.of(Map.of()), database,
                     JobTypeRegistry.of(new NoopJobType(new StartProbe())), home, false)) {
            Enqueuer enqueuer = Enqueuer.inProcess(api.queue(), api.mapper());
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            out.println("ready");
            out.flush();
            for (String line; (line = in.readLine()) != null; ) {
                if (line.equals("clock")) {
                    out.println(System.nanoTime());
                } else {
                    Enqueuer.Sent sent = enqueuer.enqueue(Long.parseLong(line.trim()));
                    out.println(sent.jobId() + " " + sent.calledAt() + " " + sent.returnedAt());
                }
                out.flush();
            }
        } finally {
            Files.deleteIfExists(home); // without workers nothing is created in it
        }
    }

    /** The parent's end: starts the child JVM on this class path and talks to it. */
    static final class Client implements Enqueuer {

        private final Process process;
        private final BufferedWriter toChild;
        private final BufferedReader fromChild;

        Client(String jdbcUrl) throws IOException {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            process = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
                    EnqueuerProcess.class.getName(), jdbcUrl))
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            toChild = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
            fromChild = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            String ready = fromChild.readLine();
            if (!"ready".equals(ready)) {
                throw new IOException("the enqueuer JVM did not start (said: " + ready + ")");
            }
        }

        /** Checks that the child's nanoTime lies between ours before and after asking: same clock. */
        boolean sharesClock() throws IOException {
            for (int i = 0; i < 20; i++) {
                long before = System.nanoTime();
                String answer = ask("clock");
                long after = System.nanoTime();
                long theirs = Long.parseLong(answer);
                if (theirs < before || theirs > after) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public Sent enqueue(long seq) throws IOException {
            String[] parts = ask(Long.toString(seq)).split(" ");
            return new Sent(Long.parseLong(parts[0]), Long.parseLong(parts[1]), Long.parseLong(parts[2]));
        }

        private String ask(String line) throws IOException {
            toChild.write(line);
            toChild.newLine();
            toChild.flush();
            String answer = fromChild.readLine();
            if (answer == null) {
                throw new IOException("the enqueuer JVM exited");
            }
            return answer;
        }

        @Override
        public void close() throws Exception {
            toChild.close();
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroy();
            }
        }
    }
}
