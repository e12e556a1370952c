package io.roomote.runner.http;

import io.roomote.core.testing.TestDatabases;
import io.roomote.runner.RoomoteService;
import io.roomote.runner.RunnerFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Clients that go away or never finish their request (issue 9, "Slow and abandoned clients"), against a real
 * runner on loopback: followers that disconnect must give their stream slot back, and requests whose body never
 * arrives must not keep {@code /api/health} from answering. The runner has no workers, so a queued job stays
 * pending and its log stays quiet, as a long agent run's does.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SlowClientsTest {

    /** The API's cap of log streams ({@code ApiServer}). */
    private static final int MAX_FOLLOWERS = 64;

    @TempDir
    static Path home;

    private RunnerFixture runner;
    private int port;

    @BeforeAll
    void start() {
        runner = new RunnerFixture(home, Map.of("DATABASE_URL", TestDatabases.freshJdbcUrl(),
                "LOG_STREAM_HEARTBEAT", "500ms", "HTTP_IDLE_TIMEOUT", "6s"), RoomoteService.Role.API);
        port = runner.service().apiPort().orElseThrow();
    }

    @AfterAll
    void stop() {
        runner.close();
    }

    /** A follower on a raw socket: the status line read, then (for a 200) the stream's preamble up to its blank line. */
    private record Follower(Socket socket, BufferedReader in, int status) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    private Follower follow(long jobId) throws IOException {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
        s.setSoTimeout(10_000);
        OutputStream out = s.getOutputStream();
        out.write(("GET /api/jobs/" + jobId + "/logs?follow=true HTTP/1.1\r\nHost: 127.0.0.1:" + port
                + "\r\nAccept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
        int status = Integer.parseInt(in.readLine().split(" ")[1]);
        return new Follower(s, in, status);
    }

    /** Reads the rest of a 200's headers and the stream's preamble, so closing the socket sends a FIN, not a reset. */
    private static void readPreamble(Follower f) throws IOException {
        int blankLines = 0;
        String line;
        while (blankLines < 2 && (line = f.in().readLine()) != null) {
            if (line.isEmpty()) {
                blankLines++;
            }
        }
    }

    private int followStatus(long jobId) throws IOException {
        try (Follower f = follow(jobId)) {
            return f.status();
        }
    }

    @Test
    void followersThatDisconnectFreeTheirSlotsAndQuietStreamsSendHeartbeats() throws Exception {
        long quiet = runner.enqueue("example.hello", "{\"name\":\"Quiet\"}");
        List<Follower> abandoned = new ArrayList<>();
        try {
            for (int i = 0; i < MAX_FOLLOWERS; i++) {
                Follower f = follow(quiet);
                abandoned.add(f);
                assertThat(f.status()).as("follower %d", i).isEqualTo(200);
                readPreamble(f);
            }
            assertThat(followStatus(quiet)).as("every stream slot is taken").isEqualTo(429);
        } finally {
            for (Follower f : abandoned) {
                f.close();
            }
        }

        // The job still writes nothing; only the heartbeat can notice that the clients left.
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(250))
                .until(() -> followStatus(quiet) == 200);

        try (Follower watched = follow(quiet)) {
            readPreamble(watched);
            List<String> heard = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                heard.add(watched.in().readLine());
            }
            assertThat(heard).as("a quiet stream sends SSE comment lines").contains(": keep-alive");
        }
    }

    private boolean healthAnswersWithinASecond() throws IOException, InterruptedException {
        try {
            return runner.http().send(HttpRequest.newBuilder(URI.create(runner.base() + "/api/health"))
                    .timeout(Duration.ofSeconds(1)).build(), HttpResponse.BodyHandlers.ofString()).statusCode() == 200;
        } catch (HttpTimeoutException e) {
            return false;
        }
    }

    @Test
    void requestsWhoseBodyNeverArrivesDoNotKeepHealthFromAnswering() throws Exception {
        int slow = 300;
        int jobs = runner.get("/api/jobs?limit=500").json().get("jobs").size();
        List<Socket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < slow; i++) {
                Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
                s.setSoTimeout(20_000);
                s.getOutputStream().write(("POST /api/jobs HTTP/1.1\r\nHost: 127.0.0.1:" + port
                        + "\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"ty")
                        .getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                sockets.add(s);
            }
            // Health answers within a second, every time, for two seconds while they hang on.
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(4)).pollInterval(Duration.ofMillis(200))
                    .until(this::healthAnswersWithinASecond);

            // Once their body has stalled for HTTP_IDLE_TIMEOUT the server answers them and closes; nothing was written.
            String status = new BufferedReader(new InputStreamReader(sockets.get(0).getInputStream(),
                    StandardCharsets.US_ASCII)).readLine();
            assertThat(status).startsWith("HTTP/1.1 408");
            assertThat(runner.get("/api/jobs?limit=500").json().get("jobs")).hasSize(jobs);
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
    }

    @Test
    void aBodyThatTricklesInIsRefusedWith408() throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(20_000);
            OutputStream out = s.getOutputStream();
            out.write(("POST /api/jobs HTTP/1.1\r\nHost: 127.0.0.1:" + port
                    + "\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            // One byte every half second, far under the 1 KiB/s minimum, until the server answers; at most 20.
            for (int i = 0; i < 20 && s.getInputStream().available() == 0; i++) {
                Thread.sleep(500);
                try {
                    out.write(' ');
                    out.flush();
                } catch (IOException e) {
                    break; // the server has answered and closed
                }
            }
            String status = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine();
            assertThat(status).startsWith("HTTP/1.1 408");
        }
    }

    @Test
    void bodiesReadAheadReachTheApiWhole() throws Exception {
        String job = "{\"type\":\"example.hello\",\"payload\":{\"name\":\"Chunked\"}}";
        HttpResponse<String> chunked = runner.http().send(runner.request("/api/jobs").header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(
                                job.getBytes(StandardCharsets.UTF_8)))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(chunked.statusCode()).as(chunked.body()).isEqualTo(200);
        long id = RunnerFixture.MAPPER.readTree(chunked.body()).get("jobId").asLong();
        assertThat(runner.get("/api/jobs/" + id).json().at("/payload/name").asText()).isEqualTo("Chunked");

        String huge = "{\"type\":\"example.hello\",\"payload\":{\"name\":\"" + "x".repeat(2 << 20) + "\"}}";
        HttpResponse<String> tooLarge = runner.http().send(runner.request("/api/jobs").header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(
                                huge.getBytes(StandardCharsets.UTF_8)))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(tooLarge.statusCode()).isEqualTo(413);
    }
}
