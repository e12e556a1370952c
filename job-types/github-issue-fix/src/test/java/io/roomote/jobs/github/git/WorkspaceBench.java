package io.roomote.jobs.github.git;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Workspace benchmark (docs/PERFORMANCE.md, "Workspace"; run with bench/workspace-bench.sh): time to a ready
 * working copy of a large repository, a fresh {@code git clone} against Roomote's warm mirror cache
 * ({@link MirrorCache#checkout}, the code every fix job runs), without and with the spare working copy the
 * previous job on the repository left. Real git throughout; the "remote" is a bare
 * repository served over {@code file://}, git's pack protocol with no network in between, so the figures are a
 * floor for a real remote: a clone over the internet only gets slower, the warm mirror's fetch of no new
 * commits barely. Not a test: skipped unless {@code -Droomote.bench.workspace=true}.
 */
@EnabledIfSystemProperty(named = "roomote.bench.workspace", matches = "true")
class WorkspaceBench {

    private static final int COMMITS = Integer.getInteger("roomote.bench.commits", 50_000);
    private static final int FILES = Integer.getInteger("roomote.bench.files", 20_000);
    private static final int RUNS = Integer.getInteger("roomote.bench.runs", 5);

    private final Git git = new Git(Map.of("PATH", System.getenv("PATH"), "HOME", System.getProperty("java.io.tmpdir"),
            "GIT_CONFIG_NOSYSTEM", "1"), Duration.ofMinutes(30));

    @Test
    void freshCloneAgainstWarmMirror() throws Exception {
        Path root = Path.of(System.getProperty("roomote.bench.dir", "target/workspace-bench"));
        Path remote = root.resolve("remote-" + COMMITS + "x" + FILES + ".git").toAbsolutePath();
        if (!Files.isDirectory(remote.resolve("objects"))) {
            build(remote);
        }
        String url = "file://" + remote;
        String size = git.check(remote, "count-objects", "-vH");
        long commits = Long.parseLong(git.check(remote, "rev-list", "--count", "HEAD").strip());
        long files = git.check(remote, "ls-tree", "-r", "--name-only", "HEAD").lines().count();

        Path mirrors = root.resolve("mirrors").toAbsolutePath();
        MirrorCache.deleteRecursively(mirrors);
        MirrorLocks locks = new MirrorLocks();
        MirrorCache plain = new MirrorCache(mirrors, git, locks, false);
        MirrorCache spared = new MirrorCache(mirrors, git, locks, true);
        Path scratch = root.resolve("scratch").toAbsolutePath();
        long firstMirror = time(() -> plain.checkout("bench/large", url, fresh(scratch, "first")));
        Path prime = fresh(scratch, "prime");
        spared.checkout("bench/large", url, prime); // leaves the first spare
        MirrorCache.deleteRecursively(prime);
        spared.awaitSpare(Duration.ofMinutes(30));
        double[] clone = new double[RUNS];
        double[] warm = new double[RUNS];
        double[] spare = new double[RUNS];
        for (int i = 0; i < RUNS; i++) { // interleaved, so drift hits all alike
            Path a = fresh(scratch, "clone-" + i);
            clone[i] = time(() -> git.check(null, "clone", "--quiet", url, a.toString()));
            Path b = fresh(scratch, "warm-" + i);
            warm[i] = time(() -> assertThat(plain.checkout("bench/large", url, b)).as("warm: no download").isFalse());
            // The spare the previous job left (made while it ran): what the next job on the repository finds.
            Path c = fresh(scratch, "spare-" + i);
            spare[i] = time(() -> spared.checkout("bench/large", url, c));
            // The next spare is made while the job would run; not while the next variants are timed.
            spared.awaitSpare(Duration.ofMinutes(30));
            String head = git.check(a, "rev-parse", "HEAD");
            assertThat(git.check(b, "rev-parse", "HEAD")).isEqualTo(head);
            assertThat(git.check(c, "rev-parse", "HEAD")).isEqualTo(head);
            assertThat(git.check(c, "status", "--porcelain")).isEmpty();
            MirrorCache.deleteRecursively(a);
            MirrorCache.deleteRecursively(b);
            MirrorCache.deleteRecursively(c);
        }
        spared.awaitSpare(Duration.ofMinutes(30));
        double[] ratio = new double[RUNS];
        double[] spareRatio = new double[RUNS];
        for (int i = 0; i < RUNS; i++) {
            ratio[i] = clone[i] / warm[i];
            spareRatio[i] = clone[i] / spare[i];
        }
        StringBuilder md = new StringBuilder();
        md.append(String.format(Locale.ROOT, "Repository: %,d commits, %,d files (%s)%n%n", commits, files,
                size.lines().filter(l -> l.startsWith("size-pack")).findFirst().orElse("")));
        md.append("| Measurement | Median | Spread (min–max) |\n|---|---:|---:|\n");
        md.append(row("fresh `git clone` (ms)", clone));
        md.append(row("warm mirror: fetch + local clone + checkout (ms)", warm));
        md.append(row("warm mirror and its spare working copy (ROOMOTE_SPARE_WORKSPACES): fetch + take + update (ms)", spare));
        md.append(row("fresh clone ÷ warm mirror (×)", ratio));
        md.append(row("fresh clone ÷ warm mirror with its spare (×)", spareRatio));
        md.append(String.format(Locale.ROOT, "| first job on the repository (mirror created, ms) | %,d | |%n", firstMirror));
        Files.writeString(root.resolve("workspace-bench.md"), md.toString());
        System.out.println(md);
    }

    private static String row(String name, double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        return String.format(Locale.ROOT, "| %s | %,.1f | %,.1f–%,.1f |%n", name, s[s.length / 2], s[0], s[s.length - 1]);
    }

    @FunctionalInterface
    private interface Step {
        void run() throws Exception;
    }

    private static long time(Step step) throws Exception {
        long t = System.nanoTime();
        step.run();
        return (System.nanoTime() - t) / 1_000_000;
    }

    private static Path fresh(Path scratch, String name) throws IOException {
        Path p = scratch.resolve(name);
        MirrorCache.deleteRecursively(p);
        Files.createDirectories(scratch);
        return p;
    }

    /**
     * A bare repository of {@link #FILES} files and {@link #COMMITS} commits, written with {@code git fast-import}
     * (the first commit adds every file in 200 folders; each later one changes one file), then packed as a
     * hosting service keeps it.
     */
    private void build(Path remote) throws Exception {
        MirrorCache.deleteRecursively(remote);
        Files.createDirectories(remote);
        git.check(remote, "init", "--bare", "--quiet", "--initial-branch=main");
        Path stream = remote.resolveSibling(remote.getFileName() + ".fi");
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(stream), 1 << 20)) {
            long time = 1_600_000_000L;
            for (int c = 0; c < COMMITS; c++) {
                List<String> changes = new ArrayList<>();
                if (c == 0) {
                    for (int f = 0; f < FILES; f++) {
                        changes.add(file(f, 0));
                    }
                } else {
                    changes.add(file((int) ((c * 7919L) % FILES), c));
                }
                String message = "change " + c + "\n";
                write(out, "commit refs/heads/main\nmark :" + (c + 1) + "\ncommitter Bench <bench@example.com> "
                        + (time + c) + " +0000\ndata " + message.getBytes(StandardCharsets.UTF_8).length + "\n" + message);
                if (c > 0) {
                    write(out, "from :" + c + "\n");
                }
                for (String change : changes) {
                    write(out, change);
                }
                write(out, "\n");
            }
        }
        ProcessBuilder pb = new ProcessBuilder("git", "fast-import", "--quiet").directory(remote.toFile())
                .redirectInput(stream.toFile()).redirectErrorStream(true)
                .redirectOutput(remote.resolveSibling("fast-import.log").toFile());
        pb.environment().put("GIT_CONFIG_NOSYSTEM", "1");
        assertThat(pb.start().waitFor()).as("git fast-import").isZero();
        Files.delete(stream);
        git.check(remote, "repack", "-a", "-d", "-q");
        git.check(remote, "gc", "--quiet");
    }

    private static String file(int f, int version) {
        String content = "// file " + f + ", version " + version + "\n" + "x".repeat(200 + f % 400) + "\n";
        int bytes = content.getBytes(StandardCharsets.UTF_8).length;
        return "M 100644 inline src/dir" + (f % 200) + "/File" + f + ".java\ndata " + bytes + "\n" + content;
    }

    private static void write(OutputStream out, String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.UTF_8));
    }
}
