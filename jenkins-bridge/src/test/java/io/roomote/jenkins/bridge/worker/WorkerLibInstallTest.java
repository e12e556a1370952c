package io.roomote.jenkins.bridge.worker;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The worker's jars installed into the workspace's lib folder, on the real file system with the same operations
 * the plugin's FilePath does ({@code Files.move} without REPLACE_EXISTING for the rename, as core's
 * {@code FilePath.renameTo}): concurrent calls, a class folder entry, and a half-written folder of an older version.
 */
class WorkerLibInstallTest {

    @TempDir
    Path tmp;

    /** java.nio implementation of the operations, the entries being real files and folders. */
    private static final class LocalFiles implements WorkerLibInstall.Files {
        private final Path root;
        private final List<Path> entries;
        final List<String> copies = new ArrayList<>();

        LocalFiles(Path root, List<Path> entries) {
            this.root = root;
            this.entries = entries;
        }

        @Override
        public boolean exists(String path) {
            return Files.exists(root.resolve(path));
        }

        @Override
        public void mkdirs(String path) throws IOException {
            Files.createDirectories(root.resolve(path));
        }

        @Override
        public void copyEntry(int index, String path) throws IOException {
            synchronized (copies) {
                copies.add(path);
            }
            Path from = entries.get(index);
            Path to = root.resolve(path);
            if (Files.isDirectory(from)) {
                try (Stream<Path> s = Files.walk(from)) {
                    for (Path p : s.toList()) {
                        Path t = to.resolve(from.relativize(p).toString());
                        if (Files.isDirectory(p)) {
                            Files.createDirectories(t);
                        } else {
                            Files.copy(p, t);
                        }
                    }
                }
            } else {
                Files.copy(from, to);
            }
        }

        @Override
        public void touch(String path) throws IOException {
            Files.writeString(root.resolve(path), "");
        }

        @Override
        public boolean rename(String from, String to) throws IOException {
            try {
                Files.move(root.resolve(from), root.resolve(to));
                return true;
            } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
                return false;
            } catch (java.nio.file.FileSystemException e) {
                // The target appeared between Files.move's existence check and rename(2), which then fails with
                // ENOTEMPTY as a plain FileSystemException; the plugin's adapter checks the target the same way.
                if (Files.exists(root.resolve(to))) {
                    return false;
                }
                throw e;
            }
        }

        @Override
        public void deleteRecursive(String path) throws IOException {
            Path p = root.resolve(path);
            if (!Files.exists(p)) {
                return;
            }
            try (Stream<Path> s = Files.walk(p)) {
                for (Path x : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(x);
                }
            }
        }

        @Override
        public String absolute(String path) {
            return root.resolve(path).toString();
        }
    }

    private List<Path> entries() throws IOException {
        Path jar = Files.writeString(tmp.resolve("roomote-core.jar"), "jar bytes");
        Path classes = Files.createDirectories(tmp.resolve("classes/io/roomote"));
        Files.writeString(classes.resolve("A.class"), "class bytes");
        return List.of(jar, tmp.resolve("classes"));
    }

    @Test
    void installsJarsAndClassFoldersAndReusesTheFolder() throws Exception {
        Path lib = Files.createDirectories(tmp.resolve("ws@tmp/roomote/lib"));
        LocalFiles files = new LocalFiles(lib, entries());
        List<String> names = List.of("00-roomote-core.jar", "01-classes");

        List<String> paths = WorkerLibInstall.install(files, "lib-abc", names, "call-1");

        assertThat(paths).containsExactly(lib.resolve("lib-abc/00-roomote-core.jar").toString(), lib.resolve("lib-abc/01-classes").toString());
        assertThat(lib.resolve("lib-abc/01-classes/io/roomote/A.class")).hasContent("class bytes");
        assertThat(lib.resolve("lib-abc/.complete")).exists();
        int copies = files.copies.size();
        assertThat(WorkerLibInstall.install(files, "lib-abc", names, "call-2")).isEqualTo(paths);
        assertThat(files.copies).hasSize(copies);
        try (Stream<Path> s = Files.list(lib)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("lib-abc");
        }
    }

    @Test
    void concurrentCallsNeverSeeAHalfWrittenOrDeletedFolder() throws Exception {
        Path lib = Files.createDirectories(tmp.resolve("ws@tmp/roomote/lib"));
        List<Path> entries = entries();
        List<String> names = List.of("00-roomote-core.jar", "01-classes");
        int calls = 8;
        ExecutorService pool = Executors.newFixedThreadPool(calls);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<List<String>>> results = new ArrayList<>();
        for (int i = 0; i < calls; i++) {
            String id = "call-" + i;
            Callable<List<String>> call = () -> {
                go.await();
                List<String> p = WorkerLibInstall.install(new LocalFiles(lib, entries), "lib-abc", names, id);
                // What the worker would do right away: read its class path.
                for (String entry : p) {
                    if (!Files.exists(Path.of(entry))) {
                        throw new UncheckedIOException(new IOException("missing " + entry));
                    }
                }
                return p;
            };
            results.add(pool.submit(call));
        }
        go.countDown();
        for (Future<List<String>> f : results) {
            assertThat(f.get()).containsExactly(lib.resolve("lib-abc/00-roomote-core.jar").toString(),
                    lib.resolve("lib-abc/01-classes").toString());
        }
        pool.shutdown();
        try (Stream<Path> s = Files.list(lib)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("lib-abc");
        }
    }

    @Test
    void anIncompleteFolderOfAnOlderVersionIsReplaced() throws Exception {
        Path lib = Files.createDirectories(tmp.resolve("ws@tmp/roomote/lib"));
        Files.createDirectories(lib.resolve("lib-abc"));
        Files.writeString(lib.resolve("lib-abc/00-roomote-core.jar"), "half");

        WorkerLibInstall.install(new LocalFiles(lib, entries()), "lib-abc", List.of("00-roomote-core.jar", "01-classes"), "c");

        assertThat(lib.resolve("lib-abc/00-roomote-core.jar")).hasContent("jar bytes");
        assertThat(lib.resolve("lib-abc/.complete")).exists();
        try (Stream<Path> s = Files.list(lib)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("lib-abc");
        }
    }
}
