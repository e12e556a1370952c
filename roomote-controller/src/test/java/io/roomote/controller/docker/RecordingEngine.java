package io.roomote.controller.docker;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A recording stand-in for the docker (or podman) command line: NO Docker engine runs here. It is a shell script
 * on the launcher's PATH that appends its argv ($0 first, one argument a line, then {@value #SEPARATOR}) to a file and answers
 * each verb with scripted output: {@code <verb>.out} on stdout, {@code <verb>.err} on stderr, exit code
 * {@code <verb>.rc}; {@code <verb>.<last argument>.*} first when they exist (per-container answers of
 * {@code inspect}). For {@code run} it also copies the {@code --env-file} and records its mode at the moment
 * the launcher's docker call ran. What is real: the launcher's process handling, the file it writes, its parsing.
 */
final class RecordingEngine {

    static final String SEPARATOR = "----";

    private final Path dir;

    RecordingEngine(Path dir, String program) throws IOException {
        this.dir = dir;
        Files.createDirectories(dir.resolve("bin"));
        String script = """
                #!/bin/sh
                rec='%s'
                printf '%%s\\n' "$0" >> "$rec/argv.log"
                for a in "$@"; do printf '%%s\\n' "$a" >> "$rec/argv.log"; done
                echo '%s' >> "$rec/argv.log"
                verb="$1"
                last=""
                prev=""
                for a in "$@"; do
                  if [ "$prev" = "--env-file" ]; then
                    cp "$a" "$rec/envfile.copy"
                    stat -c %%a "$a" > "$rec/envfile.mode"
                    printf '%%s' "$a" > "$rec/envfile.path"
                  fi
                  prev="$a"
                  last="$a"
                done
                if [ -f "$rec/$verb.sleep" ]; then sleep "$(cat "$rec/$verb.sleep")"; fi
                if [ -f "$rec/$verb.$last.out" ]; then cat "$rec/$verb.$last.out"; elif [ -f "$rec/$verb.out" ]; then cat "$rec/$verb.out"; fi
                if [ -f "$rec/$verb.$last.err" ]; then cat "$rec/$verb.$last.err" >&2; elif [ -f "$rec/$verb.err" ]; then cat "$rec/$verb.err" >&2; fi
                if [ -f "$rec/$verb.$last.rc" ]; then exit "$(cat "$rec/$verb.$last.rc")"; fi
                if [ -f "$rec/$verb.rc" ]; then exit "$(cat "$rec/$verb.rc")"; fi
                exit 0
                """.formatted(dir, SEPARATOR);
        Path bin = dir.resolve("bin").resolve(program);
        Files.writeString(bin, script, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(bin, PosixFilePermissions.fromString("rwx------"));
    }

    /** The PATH on which the launcher finds this engine. */
    String path() {
        return dir.resolve("bin") + ":/usr/bin:/bin";
    }

    Path program(String name) {
        return dir.resolve("bin").resolve(name);
    }

    /** Scripts the answer of one verb (or of one verb for one last argument, e.g. {@code inspect.<id>}). */
    RecordingEngine answer(String verb, String stdout, String stderr, int exitCode) throws IOException {
        Files.writeString(dir.resolve(verb + ".out"), stdout);
        Files.writeString(dir.resolve(verb + ".err"), stderr);
        Files.writeString(dir.resolve(verb + ".rc"), Integer.toString(exitCode));
        return this;
    }

    RecordingEngine slow(String verb, int seconds) throws IOException {
        Files.writeString(dir.resolve(verb + ".sleep"), Integer.toString(seconds));
        return this;
    }

    /** Each call's argv, in order. */
    List<List<String>> calls() throws IOException {
        Path log = dir.resolve("argv.log");
        List<List<String>> calls = new ArrayList<>();
        if (!Files.exists(log)) {
            return calls;
        }
        List<String> current = new ArrayList<>();
        for (String line : Files.readAllLines(log)) {
            if (line.equals(SEPARATOR)) {
                calls.add(List.copyOf(current));
                current.clear();
            } else {
                current.add(line);
            }
        }
        return calls;
    }

    String rawLog() throws IOException {
        Path log = dir.resolve("argv.log");
        return Files.exists(log) ? Files.readString(log) : "";
    }

    /** The env file as it was when {@code run} ran: its text, its mode (octal, e.g. 600) and its path. */
    String envFileText() throws IOException {
        return Files.readString(dir.resolve("envfile.copy"));
    }

    String envFileMode() throws IOException {
        return Files.readString(dir.resolve("envfile.mode")).strip();
    }

    Path envFilePath() throws IOException {
        return Path.of(Files.readString(dir.resolve("envfile.path")));
    }

    static List<String> lines(String... lines) {
        return Arrays.asList(lines);
    }
}
